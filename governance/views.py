"""Pages of the management-system registers beyond the generic record pages: the RACI and
training matrices, the policy acknowledgement status, evidence files and the jobs that
render the PDFs a certification body reads (scope statement, objectives report, training
matrix)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from aims_portal import document_jobs, roles
from aims_portal.params import int_param
from aims_portal.records.forms import attach_errors
from aims_portal.services import StaleVersionError
from controls.models import ControlledDocument

from . import exports, selectors, services
from .forms import EvidenceFileForm
from .models import (
    AREA,
    DocumentExport,
    Process,
    RaciAssignment,
    ScopeStatement,
    TrainingRecord,
)


@require_POST
def document_export(request):
    """Start rendering a governance PDF; answers with the job's page at once."""
    roles.require(request.user, "export", AREA)
    document = request.POST.get("document", "")
    scope = None
    if document == DocumentExport.Document.SCOPE:
        scope = ScopeStatement.objects.filter(pk=int_param(request.POST.get("scope")) or 0).first()
    back, _label = _document_page(document, scope)
    return document_jobs.job_started(
        request,
        lambda: exports.document_export_request(
            actor=request.user,
            document=document,
            scope=scope,
            fmt=request.POST.get("format", "pdf"),
        ),
        what="The PDF",
        back=back,
    )


def _document_page(document, scope):
    """The page that offers ``document`` and its name: where a refused request goes back
    to, and the job page's breadcrumb."""
    if document == DocumentExport.Document.SCOPE:
        if scope is None:
            return reverse("governance:scope-list"), "Scope statements"
        return scope.get_absolute_url(), str(scope)
    if document == DocumentExport.Document.TRAINING_MATRIX:
        return reverse("governance:training-matrix"), "Training matrix"
    return reverse("governance:objective-list"), "AI objectives"


def _document_job(request, pk):
    return document_jobs.document_job_for(
        request.user, DocumentExport.objects.select_related("scope"), pk
    )


def document_export_detail(request, pk):
    job = _document_job(request, pk)
    if request.htmx:
        return render(request, "documents/_job_status.html", {"job": job})
    origin, origin_label = _document_page(job.document, job.scope)
    return render(
        request,
        "governance/document_export_detail.html",
        {"job": job, "origin": origin, "origin_label": origin_label},
    )


def document_export_download(request, pk):
    return document_jobs.document_download(_document_job(request, pk))


@require_POST
def document_export_retry(request, pk):
    job = _document_job(request, pk)
    return document_jobs.job_started(
        request,
        lambda: exports.document_export_retry(job, actor=request.user),
        what="The PDF",
        back=job.get_absolute_url(),
    )


def training_matrix(request):
    roles.require(request.user, "view", AREA)
    return render(
        request,
        "governance/training_matrix.html",
        {"matrix": selectors.training_matrix(), "can": roles.can_list(request.user, AREA)},
    )


def training_evidence(request, pk):
    roles.require(request.user, "change", AREA)
    record = get_object_or_404(TrainingRecord.objects.select_related("person", "competence"), pk=pk)
    roles.require(request.user, "change", AREA, record)
    form = EvidenceFileForm(
        request.POST or None, request.FILES or None, initial={"expected_version": record.version}
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.training_attach_evidence(
                    record,
                    actor=request.user,
                    upload=form.cleaned_data["evidence"],
                    expected_version=form.cleaned_data["expected_version"],
                    reason=form.cleaned_data["change_reason"],
                )
            except StaleVersionError as conflict:
                form.add_error(None, str(conflict))
            except ValidationError as error:
                attach_errors(form, error)
            else:
                messages.success(request, f"Evidence attached to “{record}”.")
                return redirect(record.get_absolute_url())
        status = 400
    return render(
        request,
        "governance/training_evidence.html",
        {"object": record, "form": form},
        status=status,
    )


def training_evidence_download(request, pk):
    roles.require(request.user, "view", AREA)
    record = get_object_or_404(TrainingRecord, pk=pk)
    if not record.evidence:
        raise Http404("No evidence file attached.")
    return FileResponse(
        record.evidence.open("rb"), as_attachment=True, filename=record.evidence.name.split("/")[-1]
    )


def acknowledgement_status(request):
    """Each approved policy's acknowledgement status; staff acknowledge it here (POST)."""
    roles.require(request.user, "view", AREA)
    if request.method == "POST":
        # Who may acknowledge comes before what they sent.
        if not selectors.is_staff_member(request.user):
            raise PermissionDenied("Only staff of the organisation acknowledge its AI policy.")
        document = ControlledDocument.objects.filter(
            pk=int_param(request.POST.get("document")) or 0
        ).first()
        if document is None:
            messages.error(request, "Choose the policy you have read.")
            return redirect("governance:acknowledgement-status")
        try:
            ack = services.policy_acknowledge(document, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Recorded: you read {document.ref} v{ack.doc_version}.")
        return redirect("governance:acknowledgement-status")
    summary = selectors.acknowledgement_summary()
    mine = set()
    if selectors.is_staff_member(request.user):
        mine = {
            row["document"].pk
            for row in summary
            if all(p.pk != request.user.pk for p in row["missing"])
        }
    return render(
        request,
        "governance/acknowledgement_status.html",
        {
            "summary": summary,
            "mine": mine,
            "is_staff_member": selectors.is_staff_member(request.user),
        },
    )


def raci_matrix(request):
    """Every RACI line laid out per process and per system: activity rows, people columns."""
    roles.require(request.user, "view", AREA)
    lines = list(RaciAssignment.objects.select_related("system", "person"))
    processes = dict(Process.choices)
    groups = {}
    for line in lines:
        key = ("process", line.process) if line.process else ("system", line.system.name)
        label = processes.get(line.process) if line.process else f"AI system: {line.system.name}"
        group = groups.setdefault(key, {"label": label, "people": {}, "activities": {}})
        group["people"][line.person_id] = line.person
        group["activities"].setdefault(line.activity, {})[line.person_id] = line
    order = {value: n for n, value in enumerate(processes)}
    tables = []
    for _key, group in sorted(
        groups.items(),
        key=lambda item: (item[0][0] != "process", order.get(item[0][1], 0), item[0][1]),
    ):
        people = sorted(group["people"].values(), key=lambda p: p.username)
        rows = [
            (activity, [cells.get(p.pk) for p in people])
            for activity, cells in sorted(group["activities"].items())
        ]
        tables.append({"label": group["label"], "people": people, "rows": rows})
    return render(
        request,
        "governance/raci_matrix.html",
        {"tables": tables, "can": roles.can_list(request.user, AREA)},
    )
