"""Pages the generic record views cannot give: the audit page with its checklist, the review
page with its inputs and charts, raising findings and actions from their source, adding
evidence (with a file), downloading it, and the two PDFs."""

from datetime import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from aims_portal import document_jobs, roles
from aims_portal.params import int_param
from aims_portal.records.forms import attach_errors
from aims_portal.records.views import RecordCreateView, RecordMixin
from aims_portal.scopes import restrict
from aims_portal.services import StaleVersionError

from . import charts, selectors, services
from .forms import CertificationFindingForm, EvidenceForm
from .models import (
    Audit,
    CertificationAudit,
    ChecklistLine,
    CorrectiveAction,
    EvidenceItem,
    Finding,
    ManagementReview,
    ReportExport,
)

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
        "can_record_results": audit.status == Audit.Status.IN_PROGRESS
        and roles.can(user, "change", AREA)
        and selectors.on_team(audit, user),
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
        "criterion": selectors.checklist_with_criteria(audit).get(pk=line.pk),
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
        "can_add_evidence": services.evidence_may_add(request.user, "corrective_action", action),
        "owner_is_viewer": action.owner_id == request.user.pk,
    }


def review_context(review, request):
    figures = selectors.review_inputs(review)
    return {
        "figures": figures,
        "frozen": review.is_completed,
        "as_of": datetime.fromisoformat(figures["as_of"]),
        **charts.review_charts(figures),
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
    action = "view"  # and the per-target check below
    template_name = "audits/evidence_form.html"

    def dispatch(self, request, *args, **kwargs):
        roles.require(request.user, "view", self.record_type.area)
        action_pk = request.GET.get("corrective_action", "")
        action = None
        if action_pk.isascii() and action_pk.isdigit() and len(action_pk) < 19:
            action = CorrectiveAction.objects.filter(pk=int(action_pk)).first()
        if not services.evidence_may_add(request.user, "corrective_action", action):
            roles.require(request.user, "create", self.record_type.area)
        return super().dispatch(request, *args, **kwargs)

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


# --- reports (audit report, review minutes) -------------------------------------------------


def _start_report(request, source):
    roles.require(request.user, "export", AREA)
    return document_jobs.job_started(
        request,
        lambda: services.report_request(
            actor=request.user, source=source, fmt=request.POST.get("format", "")
        ),
        what="The report",
        back=source.get_absolute_url(),
    )


def checklist_results(request, pk):
    """Results and notes for every line of an audit on one page, saved with one submit (all
    or nothing), beside what each line is checked against."""
    audit = get_object_or_404(restrict(Audit.objects.all(), request.user), pk=pk)
    roles.require(request.user, "change", AREA)
    if not selectors.on_team(audit, request.user):
        raise PermissionDenied(f"Only the audit team of {audit.reference} records results.")
    if audit.status != Audit.Status.IN_PROGRESS:
        messages.warning(request, f"Results are recorded while {audit.reference} is in progress.")
        return redirect(audit.get_absolute_url())
    lines = list(selectors.checklist_with_criteria(audit))
    errors, status = [], 200
    if request.method == "POST":
        results, missing = {}, []
        for line in lines:
            version = int_param(request.POST.get(f"version-{line.pk}"))
            result = request.POST.get(f"result-{line.pk}")
            if version is None or result is None:
                missing.append(line.ref)
                continue
            notes = request.POST.get(f"notes-{line.pk}", line.notes).replace("\r\n", "\n")
            results[line] = {"result": result, "notes": notes, "expected_version": version}
            line.posted = {"result": result, "notes": notes}
        try:
            if missing:
                raise ValidationError(
                    f"The form lacked lines {', '.join(missing)}: reload the page and try again."
                )
            saved = services.checklist_results_record(audit, actor=request.user, results=results)
        except StaleVersionError as conflict:
            errors, status = [str(conflict)], 409
        except ValidationError as error:
            errors, status = error.messages, 400
        else:
            messages.success(
                request, f"{len(saved)} result{'s' if len(saved) != 1 else ''} recorded."
            )
            return redirect(audit.get_absolute_url())
    return render(
        request,
        "audits/checklist_results.html",
        {
            "audit": audit,
            "lines": lines,
            "errors": errors,
            "results": ChecklistLine.Result.choices,
        },
        status=status,
    )


@require_POST
def audit_report(request, pk):
    return _start_report(request, get_object_or_404(Audit, pk=pk))


@require_POST
def review_minutes(request, pk):
    return _start_report(request, get_object_or_404(ManagementReview, pk=pk))


def _report_job(request, pk):
    return document_jobs.document_job_for(
        request.user, ReportExport.objects.select_related("audit", "review"), pk
    )


def report_detail(request, pk):
    job = _report_job(request, pk)
    template = "documents/_job_status.html" if request.htmx else "audits/report_detail.html"
    return render(request, template, {"job": job})


def report_download(request, pk):
    return document_jobs.document_download(_report_job(request, pk))


@require_POST
def report_retry(request, pk):
    job = _report_job(request, pk)
    return document_jobs.job_started(
        request,
        lambda: services.report_retry(job, actor=request.user),
        what="The report",
        back=job.get_absolute_url(),
    )


# --- the certification body's findings -------------------------------------------------------


def certification_finding_create(request, pk):
    """Record a finding from the certification body's report against one of its audits."""
    roles.require(request.user, "create", AREA)
    audit = get_object_or_404(CertificationAudit.objects.select_related("body"), pk=pk)
    form = CertificationFindingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            finding = services.certification_finding_raise(
                actor=request.user, data={**form.cleaned_data, "certification_audit": audit}
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, f"{finding.reference} recorded from {audit.reference}.")
            return redirect(finding)
    return render(
        request,
        "audits/certification_finding_form.html",
        {"form": form, "audit": audit},
        status=400 if form.errors else 200,
    )
