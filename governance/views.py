"""Pages of the management-system registers beyond the generic record pages: the RACI and
training matrices, the policy acknowledgement status, evidence files and the PDFs a
certification body reads (scope statement, objectives report, training matrix)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone

from aims_portal import roles
from aims_portal.params import int_param
from aims_portal.records.forms import attach_errors
from aims_portal.services import StaleVersionError
from controls.models import ControlledDocument

from . import selectors, services
from .forms import EvidenceFileForm
from .models import AREA, Process, RaciAssignment, ScopeStatement, TrainingRecord


def _pdf(template, context, filename):
    from weasyprint import HTML

    html = render_to_string(template, context)
    response = HttpResponse(
        HTML(string=html, base_url=None).write_pdf(), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _stamp(request):
    return {"generated_at": timezone.now(), "generated_by": request.user}


def scope_pdf(request, pk):
    roles.require(request.user, "export", AREA)
    scope = get_object_or_404(
        ScopeStatement.objects.select_related("owner", "approved_by", "submitted_by"), pk=pk
    )
    context = {
        "scope": scope,
        "systems_in": list(scope.systems_in.order_by("name")),
        "systems_out": list(scope.systems_out.order_by("name")),
        "suppliers": list(scope.suppliers.order_by("name")),
        **_stamp(request),
    }
    return _pdf("governance/scope_pdf.html", context, f"aims-scope-v{scope.scope_version}.pdf")


def objectives_pdf(request):
    roles.require(request.user, "export", AREA)
    objectives = list(selectors.objectives().order_by("reference"))
    readings = selectors.readings_by_objective()
    rows = [
        {
            "objective": o,
            "status": selectors.objective_status(o),
            "readings": readings.get(o.pk, [])[-6:],
        }
        for o in objectives
    ]
    stamp = timezone.localdate().isoformat()
    return _pdf(
        "governance/objectives_pdf.html",
        {"rows": rows, **_stamp(request)},
        f"ai-objectives-{stamp}.pdf",
    )


def training_matrix(request):
    roles.require(request.user, "view", AREA)
    return render(
        request,
        "governance/training_matrix.html",
        {"matrix": selectors.training_matrix(), "can": roles.can_list(request.user, AREA)},
    )


def training_matrix_pdf(request):
    roles.require(request.user, "export", AREA)
    stamp = timezone.localdate().isoformat()
    return _pdf(
        "governance/training_matrix_pdf.html",
        {"matrix": selectors.training_matrix(), **_stamp(request)},
        f"training-matrix-{stamp}.pdf",
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
