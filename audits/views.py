"""Pages the generic record views cannot give: the audit page with its checklist, the review
page with its inputs and charts, raising findings and actions from their source, adding
evidence (with a file), downloading it, and the two PDFs."""

from datetime import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView

from aims_portal import roles
from aims_portal.records.forms import attach_errors
from aims_portal.records.views import RecordCreateView, RecordMixin

from . import charts, exports, selectors, services
from .forms import EvidenceForm
from .models import Audit, ChecklistLine, EvidenceItem, Finding, ManagementReview

AREA = "audits"
# The audit page lists the latest findings; the findings list has them all.
FINDINGS_SHOWN = 50


def _evidence_url(target_field, pk):
    return f"{reverse('audits:evidence-create')}?{target_field}={pk}"


# --- detail page contexts (declared in records.py) --------------------------------------------


def audit_context(audit, request):
    lines = list(selectors.checklist(audit))
    user = request.user
    found = list(
        audit.findings.select_related("checklist_line").order_by("-reference")[:FINDINGS_SHOWN]
    )
    return {
        "lines": lines,
        "result_counts": selectors.result_counts(lines),
        "findings": found,
        "findings_by_kind": selectors.findings_by_kind(audit.findings.all()),
        "findings_url": f"{reverse('audits:finding-list')}?audit={audit.pk}",
        "requirements": list(audit.requirements.order_by("sort_key")),
        "controls_audited": list(audit.controls.order_by("sort_key")),
        "systems": list(audit.systems.order_by("name")),
        "team": selectors.audit_team(audit),
        "on_team": selectors.on_team(audit, user),
        "can_export": roles.can(user, "export", AREA),
        "can_change": roles.can(user, "change", AREA),
        "independence": selectors.independence_problems(audit) if audit.is_open else [],
    }


def line_context(line, request):
    audit = line.audit
    user = request.user
    can_record = (
        audit.status == Audit.Status.IN_PROGRESS
        and roles.can(user, "change", AREA)
        and selectors.on_team(audit, user)
    )
    can_raise = can_record and line.result != ChecklistLine.Result.NOT_ASSESSED
    return {
        # Only the audit team records results: the generic Edit button gives way to
        # "Record result", shown to the team alone.
        "can_edit": False,
        "can_record": can_record,
        "findings": list(line.findings.order_by("reference")),
        "can_raise": can_raise,
        "raise_url": f"{reverse('audits:finding-create')}?checklist_line={line.pk}",
        "evidence_url": _evidence_url("checklist_line", line.pk),
        "can_add_evidence": audit.is_open and roles.can(user, "create", AREA),
    }


def finding_context(finding, request):
    user = request.user
    return {
        "actions": list(finding.corrective_actions.select_related("owner").order_by("reference")),
        "can_add_action": finding.status == Finding.Status.OPEN and roles.can(user, "create", AREA),
        "action_url": f"{reverse('audits:action-create')}?finding={finding.pk}",
        "evidence_url": _evidence_url("finding", finding.pk),
        "can_add_evidence": roles.can(user, "create", AREA),
    }


def action_context(action, request):
    return {
        "overdue": action.is_overdue,
        "days_late": (timezone.localdate() - action.due_date).days,
        "evidence_url": _evidence_url("corrective_action", action.pk),
        "can_add_evidence": roles.can(request.user, "create", AREA),
        "owner_is_viewer": action.owner_id == request.user.pk,
    }


def review_charts(figures):
    return {
        "findings_chart": charts.findings_chart(figures["findings"]),
        "risk_map": charts.residual_heat_map(figures["risks"]),
    }


def review_context(review, request):
    figures = selectors.review_inputs(review)
    return {
        "figures": figures,
        "frozen": review.is_completed,
        "as_of": datetime.fromisoformat(figures["as_of"]),
        **review_charts(figures),
        "review_actions": list(review.actions.select_related("owner").order_by("reference")),
        "action_url": f"{reverse('audits:action-create')}?review={review.pk}",
        "can_add_action": roles.can(request.user, "create", AREA),
        "can_export": roles.can(request.user, "export", AREA),
        "today": timezone.localdate(),
    }


# --- creating from a source record ------------------------------------------------------------


class PrefilledCreateView(RecordCreateView):
    """The generic create page, with the source record (``?finding=3``) chosen already."""

    prefill = ()

    def build_form(self, data=None):
        initial = {
            name: self.request.GET[name] for name in self.prefill if name in self.request.GET
        }
        return self.record_type.form_class(data, initial=initial)


class EvidenceCreateView(RecordMixin, TemplateView):
    action = "create"
    template_name = "audits/evidence_form.html"

    def form(self, data=None, files=None):
        fixed = next((n for n in EvidenceForm.TARGET_FIELDS if n in self.request.GET), None)
        initial = {fixed: self.request.GET[fixed]} if fixed else {}
        initial["kind"] = EvidenceItem.Kind.FILE
        return EvidenceForm(data, files, initial=initial, fixed_target=fixed)

    def target_label(self, form):
        if not form.fixed_target:
            return None
        field = form.fields[form.fixed_target]
        value = form[form.fixed_target].value()
        try:
            return field.queryset.get(pk=value)
        except (field.queryset.model.DoesNotExist, ValueError, TypeError):
            return None

    def render_form(self, form, status=200):
        context = self.get_context_data(form=form, target=self.target_label(form))
        return self.render_to_response(context, status=status)

    def get(self, request, *args, **kwargs):
        return self.render_form(self.form())

    def post(self, request, *args, **kwargs):
        form = self.form(request.POST, request.FILES)
        if form.is_valid():
            try:
                item = services.evidence_add(actor=request.user, data=form.cleaned_data)
            except ValidationError as error:
                attach_errors(form, error)
            else:
                messages.success(request, f"Evidence “{item}” attached to {item.attached_to}.")
                target = item.target
                return redirect(target.get_absolute_url() if target else item.get_absolute_url())
        return self.render_form(form, status=400)


def evidence_download(request, pk):
    roles.require(request.user, "view", AREA)
    item = get_object_or_404(EvidenceItem, pk=pk)
    if item.kind != EvidenceItem.Kind.FILE or not item.file:
        raise Http404("This evidence has no file.")
    return FileResponse(item.file.open("rb"), as_attachment=True, filename=item.file_name)


# --- PDFs -------------------------------------------------------------------------------------


def _pdf(data, filename):
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def audit_report_pdf(request, pk):
    roles.require(request.user, "export", AREA)
    audit = get_object_or_404(Audit.objects.select_related("programme", "lead_auditor"), pk=pk)
    return _pdf(exports.audit_report(audit, request.user), f"{audit.reference}-report.pdf")


def review_minutes_pdf(request, pk):
    roles.require(request.user, "export", AREA)
    review = get_object_or_404(
        ManagementReview.objects.select_related("chair", "completed_by"), pk=pk
    )
    return _pdf(exports.review_minutes(review, request.user), f"{review.reference}-minutes.pdf")
