"""Pages the generic record views cannot give: the assessment form with inline impacts,
the assessment's PDF and new revision, and the risk register with its heat maps and XLSX."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig

from aims_portal import charts, document_jobs, roles
from aims_portal.params import int_param
from aims_portal.records.export import xlsx_response
from aims_portal.records.forms import attach_errors, limit_choices
from aims_portal.records.views import RecordFormView, RecordListView, filtered
from aims_portal.services import StaleVersionError

from . import figures, services
from .forms import AssessmentForm, ImpactFormSet, impact_initial, impacts_from
from .models import AssessmentExport, ImpactAssessment
from .selectors import assessment_problems, heat_cells, heat_map_counts_both, scoring_method


def assessment_detail_context(record, request):
    method = scoring_method()
    impacts = list(record.impacts.all())
    revisions = list(
        ImpactAssessment.objects.filter(reference=record.reference)
        .select_related("approver")
        .order_by("-revision")
    )
    pending = next(
        (
            r
            for r in revisions
            if r.pk != record.pk and r.status in ("draft", "returned", "in_review")
        ),
        None,
    )
    user = request.user
    return {
        "method": method,
        "impact_rows": figures.impact_rows(impacts, method),
        "impact_maps": figures.impact_heat_maps(impacts, method),
        "revisions": revisions,
        "pending_revision": pending,
        "can_revise": record.status == "approved"
        and pending is None
        and roles.can(user, "create", ImpactAssessment.area),
        "submit_problems": assessment_problems(record) if record.is_open else [],
        "can_export": roles.can(user, "export", ImpactAssessment.area),
    }


def risk_detail_context(record, request):
    method = scoring_method()
    soa = getattr(record, "soa_entries", None)
    return {
        "method": method,
        "inherent_level": method.level_for(record.inherent_score),
        "residual_level": method.level_for(record.residual_score),
        "systems": list(record.systems.all()),
        "soa_entries": list(soa.all()[:50]) if soa is not None else None,
        # "Link a control" from here: the SoA entries (reached through the reverse link,
        # as this app does not import the controls app) for whoever may change the SoA.
        "soa_choices": (
            list(soa.model.objects.select_related("control").order_by("control__sort_key"))
            if soa is not None and roles.can(request.user, "change", "controls")
            else []
        ),
    }


def method_detail_context(record, request):
    return {
        "preview": charts.heat_map(
            heat_cells({}, record),
            size=record.matrix_size,
            title="Levels by position",
            cell=52,
        ),
    }


# --- risk register --------------------------------------------------------------------------


class RiskListView(RecordListView):
    """The generic list plus the inherent and residual heat maps and an XLSX export."""

    template_name = "assessments/risk_list.html"

    def get(self, request, *args, **kwargs):
        if request.GET.get("_export") == "xlsx":
            roles.require(request.user, "export", self.record_type.area)
            rt = self.record_type
            table = rt.table_class(filtered(rt, request).qs)
            RequestConfig(request, paginate=False).configure(table)
            return xlsx_response(
                table, "risk-register.xlsx", title="Risk register", exclude_columns=("actions",)
            )
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        request = self.request
        base = request.GET.copy()
        for key in ("page", "_export", *self.record_type.filterset_class.CELL_FILTERS):
            base.pop(key, None)
        # The maps count the risks the other filters select; a cell narrows the list to it.
        rt = self.record_type
        filterset = filtered(rt, request, base, rt.model.objects.all(), report=False)
        queryset = filterset.qs
        method = scoring_method()
        list_url = rt.list_url
        maps, cell_labels = [], []
        # Counts are reused until a risk changes, unless a filter follows links to other
        # records (an AI system), whose changes do not touch the risks' history.
        linked = filterset.form.cleaned_data.get("system")
        both = heat_map_counts_both(queryset, reuse=not linked)
        for axis, title in (("inherent", "Inherent risk"), ("residual", "Residual risk")):
            row, col = f"{axis}_likelihood", f"{axis}_impact"

            def href(likelihood, impact, row=row, col=col):
                query = base.copy()
                query[row], query[col] = likelihood, impact
                return f"{list_url}?{query.urlencode()}"

            counts = both[axis]
            chosen = tuple(int_param(request.GET.get(key)) for key in (row, col))
            selected = chosen if all(chosen) else None
            if selected:
                cell_labels.append(f"{axis} likelihood {selected[0]}, impact {selected[1]}")
            maps.append(
                {
                    "axis": axis,
                    "svg": charts.heat_map(
                        heat_cells(counts, method, href, selected),
                        size=method.matrix_size,
                        title=title,
                    ),
                    "total": sum(counts.values()),
                }
            )
        selected = [
            (key, int_param(request.GET[key]))
            for key in rt.filterset_class.CELL_FILTERS
            if int_param(request.GET.get(key))
        ]
        if selected and not cell_labels:  # a partial cell, e.g. a likelihood only
            cell_labels = [f"{key.replace('_', ' ')} {value}" for key, value in selected]
        context.update(
            heat_maps=maps,
            method=method,
            selected_cell=cell_labels,
            clear_cell_url=f"{list_url}?{base.urlencode()}" if selected else "",
            can_view_method=roles.can(request.user, "view", "administration"),
        )
        return context


# --- impact assessment form -----------------------------------------------------------------


class AssessmentFormView(RecordFormView):
    """Create or edit an assessment with its impacts on one page.

    "Save draft" keeps whatever is typed (only malformed values are refused); "Submit for
    review" saves the draft and then lists every problem that stops the submission.
    """

    template_name = "assessments/assessment_form.html"

    def dispatch(self, request, *args, **kwargs):
        self.action = "change" if "pk" in kwargs else "create"
        self.mode = "edit" if "pk" in kwargs else "create"
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        if self.mode == "edit" and not self.object.is_open:
            messages.warning(
                request,
                f"{self.object} is {self.object.get_status_display().lower()} and frozen; "
                "start a new revision to change it.",
            )
            return redirect(self.object.get_absolute_url())
        return self.render_page(*self.build_forms())

    def build_forms(self, data=None):
        if self.mode == "edit":
            record = self.object
            roles.require(self.request.user, "change", ImpactAssessment.area, record)
            form = AssessmentForm(data, instance=record)
            impacts = ImpactFormSet(data, prefix="impacts", initial=impact_initial(record))
        else:
            form = AssessmentForm(data, initial={"owner": self.request.user})
            impacts = ImpactFormSet(data, prefix="impacts")
        return limit_choices(form, self.request.user), impacts

    def render_page(self, form, impacts, status=200, problems=(), **extra):
        method = scoring_method()
        context = self.get_context_data(
            form=form, impacts=impacts, problems=list(problems), method=method, **extra
        )
        context["levels_json"] = [
            {"label": lvl["label"], "max": lvl["max_score"], "colour": lvl.get("colour", "")}
            for lvl in method.levels
        ]
        context["version"] = (
            self.request.POST.get("expected_version") or getattr(self.object, "version", "")
            if self.mode == "edit"
            else ""
        )
        return self.render_to_response(context, status=status)

    def post(self, request, *args, **kwargs):
        form, impacts = self.build_forms(request.POST)
        submit = "submit" in request.POST
        if not (form.is_valid() and impacts.is_valid()):
            return self.render_page(form, impacts, status=400)
        data = {**form.cleaned_data, "impacts": impacts_from(impacts)}
        reason = request.POST.get("change_reason", "").strip() or (
            "Submitted for review" if submit else "Draft saved"
        )
        try:
            if self.mode == "edit":
                record = services.assessment_update(
                    self.object,
                    actor=request.user,
                    data=data,
                    expected_version=request.POST.get("expected_version"),
                    reason=reason,
                )
            else:
                record = services.assessment_create(actor=request.user, data=data)
        except StaleVersionError as conflict:
            form.add_error(None, str(conflict))
            return self.render_page(form, impacts, status=409, conflict=conflict.current)
        except ValidationError as error:
            attach_errors(form, error)
            return self.render_page(form, impacts, status=400)
        if not submit:
            messages.success(request, f"Draft of {record} saved (version {record.version}).")
            return redirect(reverse("assessments:assessment-edit", args=[record.pk]))
        try:
            record = services.assessment_transition(record, "submit", actor=request.user)
        except (ValidationError, PermissionDenied) as error:
            messages.warning(request, f"Draft of {record} saved, but it cannot be submitted yet.")
            problems = error.messages if isinstance(error, ValidationError) else [str(error)]
            self.kwargs["pk"] = record.pk
            self.mode = "edit"
            self.__dict__.pop("object", None)
            form, impacts = self.build_forms()
            return self.render_page(form, impacts, status=400, problems=problems)
        messages.success(request, f"{record} submitted for review.")
        return redirect(record.get_absolute_url())


@require_POST
def assessment_revise(request, pk):
    assessment = get_object_or_404(ImpactAssessment, pk=pk)
    try:
        new = services.assessment_revise(
            assessment, actor=request.user, reason=request.POST.get("reason", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(assessment.get_absolute_url())
    messages.success(
        request,
        f"Revision {new.revision} started as a draft; revision {assessment.revision} "
        "stays approved until the new one is approved.",
    )
    return redirect(reverse("assessments:assessment-edit", args=[new.pk]))


@require_POST
def assessment_document(request, pk):
    """Start rendering the assessment as a PDF or Word document; answers with the job page."""
    roles.require(request.user, "export", ImpactAssessment.area)
    assessment = get_object_or_404(ImpactAssessment, pk=pk)
    return document_jobs.job_started(
        request,
        lambda: services.assessment_export_request(
            assessment, actor=request.user, fmt=request.POST.get("format", "")
        ),
        what="The document",
        back=assessment.get_absolute_url(),
    )


def _export_job(request, pk):
    return document_jobs.document_job_for(
        request.user, AssessmentExport.objects.select_related("assessment__system"), pk
    )


def export_detail(request, pk):
    job = _export_job(request, pk)
    if request.htmx:
        return render(request, "documents/_job_status.html", {"job": job})
    return render(request, "assessments/export_detail.html", {"job": job})


def export_download(request, pk):
    return document_jobs.document_download(_export_job(request, pk))


@require_POST
def export_retry(request, pk):
    job = _export_job(request, pk)
    return document_jobs.job_started(
        request,
        lambda: services.assessment_export_retry(job, actor=request.user),
        what="The document",
        back=job.get_absolute_url(),
    )
