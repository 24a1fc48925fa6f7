"""Pages the generic record views cannot give: the SoA overview with inline editing, the
SoA's title and scope, its workflow, revisions (view, compare), the as-of view, exports and
document files. Every view checks the roles matrix and leaves the rules to services."""

from datetime import datetime, time

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from aims_portal import document_jobs, jobs, roles
from aims_portal.params import int_param
from aims_portal.records.forms import attach_errors, save_edit
from aims_portal.records.views import safe_next
from aims_portal.services import StaleVersionError

from . import charts, documented_information, selectors, services
from .catalogue import soa_document
from .forms import (
    AsOfForm,
    DocumentFileForm,
    DocumentSettingsForm,
    SoADocumentForm,
    SoAEntryInlineForm,
)
from .models import (
    ControlledDocument,
    DocumentExport,
    InformationListExport,
    SoAEntry,
    SoARevision,
)
from .workflows import SOA_WORKFLOW

AREA = "controls"


def _require(request, action="view"):
    roles.require(request.user, action, AREA)


def soa_overview(request):
    """The whole SoA at a glance: progress per group, every entry, workflow and exports."""
    _require(request)
    soa = soa_document()
    as_of_form = AsOfForm(request.GET or None)
    as_of = None
    if request.GET.get("as_of") and as_of_form.is_valid():
        as_of = as_of_form.cleaned_data["as_of"]
        moment = timezone.make_aware(datetime.combine(as_of, time.max))
        rows = selectors.labelled(selectors.snapshot_as_of(moment))
        document = selectors.documents_at([moment])[0]
        entries = {}
    else:
        entries = {e.control.ref: e for e in selectors.soa_entries()}
        rows = selectors.labelled([selectors.entry_data(e) for e in entries.values()])
        document = selectors.document_fields(soa)
    for row in rows:
        row["entry"] = entries.get(row["ref"])
    groups = selectors.progress_by_group(rows)
    can = roles.can_list(request.user, AREA)
    transitions = []
    if as_of is None:
        transitions = [
            (t, reverse("controls:soa-transition", args=[t.name]))
            for t in SOA_WORKFLOW.available(soa, request.user)
        ]
    latest = selectors.latest_revision()
    return render(
        request,
        "controls/soa.html",
        {
            "soa": soa,
            "document": document,
            "rows": rows,
            "groups": groups,
            "chart": charts.progress_bars(groups),
            "overall": selectors.overall_progress(groups),
            "as_of": as_of,
            "as_of_form": as_of_form,
            "can": can,
            "can_edit": as_of is None and "change" in can and soa.status != soa.Status.IN_REVIEW,
            "transitions": transitions,
            "latest": latest,
            "revision_count": selectors.revisions().count(),
            "can_edit_settings": roles.can(request.user, "change", "administration"),
            "links_unknown": as_of is not None and any(row["systems"] is None for row in rows),
            # An as-of date before the SoA existed is said so, not shown as "0 controls, 0%".
            "first_recorded": selectors.first_recorded() if as_of and not rows else None,
            "before_first_record": bool(as_of) and not rows,
        },
    )


@require_http_methods(["GET", "POST"])
def soa_document_edit(request):
    """The SoA's own title and scope: a form page reached from the SoA overview."""
    _require(request)
    soa = soa_document()
    roles.require(request.user, "change", AREA, soa)
    if soa.status == soa.Status.IN_REVIEW and request.method != "POST":
        messages.error(request, "The SoA is in review: its title and scope cannot change now.")
        return redirect("controls:soa")
    form = SoADocumentForm(
        request.POST or None, instance=soa, initial={"expected_version": soa.version}
    )
    status = 200
    was_approved = soa.status == soa.Status.APPROVED
    if request.method == "POST":
        saved = form.is_valid() and save_edit(
            form, services.soa_document_update, soa_document(), request.user
        )
        if saved:
            reopened = " A new draft was started: the approved revision stays as it was."
            messages.success(request, "Title and scope saved." + (reopened * was_approved))
            return redirect("controls:soa")
        status = 400
    return render(
        request,
        "controls/soa_document_form.html",
        {"soa": soa_document(), "form": form},
        status=status,
    )


def _inline_row(request, entry, form=None, status=200):
    if form is None:
        row = selectors.labelled([selectors.entry_data(entry)])[0]
        row["entry"] = entry
        return render(
            request,
            "controls/_soa_row.html",
            {"row": row, "can_edit": roles.can(request.user, "change", AREA, entry)},
            status=status,
        )
    return render(
        request, "controls/_soa_row_form.html", {"entry": entry, "form": form}, status=status
    )


def _entry(pk):
    return get_object_or_404(
        SoAEntry.objects.select_related("control", "owner").prefetch_related("systems"), pk=pk
    )


def soa_entry_inline(request, pk):
    """GET: the row (``?edit=1``: its form); POST: save the row through the service."""
    _require(request)
    entry = _entry(pk)
    if request.method == "GET":
        if not request.GET.get("edit"):
            return _inline_row(request, entry)
        roles.require(request.user, "change", AREA, entry)
        form = SoAEntryInlineForm(instance=entry, initial={"expected_version": entry.version})
        return _inline_row(request, entry, form)
    roles.require(request.user, "change", AREA, entry)
    form = SoAEntryInlineForm(request.POST, instance=SoAEntry.objects.get(pk=pk))
    if form.is_valid() and save_edit(form, services.soa_entry_update, entry, request.user):
        response = _inline_row(request, _entry(pk))
        response["HX-Trigger"] = "soa-changed"  # the page refreshes its summary
        return response
    # htmx swaps only 2xx answers by default: the form with its errors comes back as 200,
    # flagged for scripts and tests by a header.
    response = _inline_row(request, entry, form)
    response["X-Form-Errors"] = "1"
    return response


@require_POST
def soa_transition(request, step):
    _require(request)
    soa = soa_document()
    try:
        soa = services.soa_transition(
            soa, step, actor=request.user, reason=request.POST.get("reason", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        label = SOA_WORKFLOW.get(step).label
        if step == "approve":
            revision = selectors.latest_revision()
            messages.success(request, f"{label}: revision {revision.number} is frozen.")
            return redirect(revision.get_absolute_url())
        messages.success(request, f"{label}: done. The SoA is now {soa.get_status_display()}.")
    return redirect("controls:soa")


def revision_list(request):
    _require(request)
    return render(
        request,
        "controls/revision_list.html",
        {"revisions": list(selectors.revisions()), "can": roles.can_list(request.user, AREA)},
    )


def revision_detail(request, number):
    _require(request)
    try:
        revision = selectors.revision(number)
    except SoARevision.DoesNotExist:
        raise Http404("No such SoA revision.") from None
    rows = selectors.labelled(revision.entries)
    groups = selectors.progress_by_group(rows)
    return render(
        request,
        "controls/revision_detail.html",
        {
            "revision": revision,
            "document": selectors.revision_document(revision),
            "rows": rows,
            "groups": groups,
            "chart": charts.progress_bars(groups),
            "overall": selectors.overall_progress(groups),
            "others": list(
                selectors.revisions().exclude(pk=revision.pk).values_list("number", flat=True)
            ),
            "can": roles.can_list(request.user, AREA),
        },
    )


def revision_compare(request):
    _require(request)
    numbers = list(selectors.revisions().order_by("number").values_list("number", flat=True))
    older = int_param(request.GET.get("from") or str(numbers[-2] if len(numbers) > 1 else 0))
    newer = int_param(request.GET.get("to") or str(numbers[-1] if numbers else 0))
    if (request.GET.get("from") or request.GET.get("to")) and not (older and newer):
        messages.error(request, "Choose two revisions by their numbers.")
    context = {"numbers": numbers, "older": older, "newer": newer, "changes": None}
    if older and newer:
        found = {
            r.number: r
            for r in SoARevision.objects.filter(soa=soa_document(), number__in=[older, newer])
        }
        if older not in found or newer not in found:
            messages.error(request, "Choose two revisions that exist.")
        else:
            context["changes"] = selectors.revision_changes(found[older], found[newer])
    return render(request, "controls/revision_compare.html", context)


@require_POST
def export_create(request):
    _require(request, "export")
    number = request.POST.get("revision")
    revision = None
    if number:
        revision = get_object_or_404(SoARevision, soa=soa_document(), number=number)
    return document_jobs.job_started(
        request,
        lambda: services.export_request(
            actor=request.user, fmt=request.POST.get("format", ""), revision=revision
        ),
        what="The export",
        back="controls:soa",
    )


def _job(request, pk):
    _require(request, "export")
    job = get_object_or_404(DocumentExport.objects.select_related("revision"), pk=pk)
    if job.requested_by_id != request.user.pk and not roles.can(request.user, "approve", AREA):
        # Exports are personal: others request their own.
        raise PermissionDenied("This export was requested by someone else.")
    return jobs.reap_overdue(job)


@require_POST
def export_retry(request, pk):
    job = _job(request, pk)
    return document_jobs.job_started(
        request,
        lambda: services.export_retry(job, actor=request.user),
        what="The export",
        back=job.get_absolute_url(),
    )


def export_detail(request, pk):
    job = _job(request, pk)
    template = "controls/_export_status.html" if request.htmx else "controls/export_detail.html"
    return render(request, template, {"job": job})


def export_download(request, pk):
    job = _job(request, pk)
    if job.status != DocumentExport.Status.DONE or not job.file:
        raise Http404("This export is not ready.")
    return FileResponse(
        job.file.open("rb"), as_attachment=True, filename=job.file.name.split("/")[-1]
    )


def document_file_upload(request, pk):
    _require(request, "change")
    document = get_object_or_404(ControlledDocument.objects.select_related("owner"), pk=pk)
    roles.require(request.user, "change", AREA, document)
    form = DocumentFileForm(
        request.POST or None, request.FILES or None, initial={"expected_version": document.version}
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.document_attach_file(
                    document,
                    actor=request.user,
                    upload=form.cleaned_data["file"],
                    expected_version=form.cleaned_data["expected_version"],
                    reason=form.cleaned_data["change_reason"],
                )
            except StaleVersionError as conflict:
                form.add_error(None, str(conflict))
            except ValidationError as error:
                attach_errors(form, error)
            else:
                messages.success(request, f"File attached to “{document}”.")
                return redirect(document.get_absolute_url())
        status = 400
    return render(
        request, "controls/document_file.html", {"object": document, "form": form}, status=status
    )


def document_file_download(request, pk):
    _require(request)
    document = get_object_or_404(ControlledDocument, pk=pk)
    if not document.file:
        raise Http404("No file attached.")
    return FileResponse(
        document.file.open("rb"), as_attachment=True, filename=document.file.name.split("/")[-1]
    )


@require_http_methods(["GET", "POST"])
def document_settings_edit(request):
    """The organisation's document settings (administrators only)."""
    roles.require(request.user, "change", "administration")
    current = selectors.document_settings()
    form = DocumentSettingsForm(
        request.POST or None,
        request.FILES or None,
        instance=current,
        initial={"expected_version": current.version if current.pk else None},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.document_settings_update(
                    actor=request.user,
                    data=form.record_data(),
                    expected_version=form.cleaned_data["expected_version"],
                    reason=form.cleaned_data["change_reason"],
                )
            except StaleVersionError as conflict:
                form.add_error(None, str(conflict))
            except ValidationError as error:
                attach_errors(form, error)
            else:
                messages.success(request, "Document settings saved.")
                return redirect("controls:soa")
        status = 400
    return render(request, "controls/document_settings_form.html", {"form": form}, status=status)


# --- documented information -------------------------------------------------------------------


def documented_information_list(request):
    """What a certification body asks to see, where each item lives, and the gaps."""
    _require(request)
    context = documented_information.by_stage()
    context["can_export"] = roles.can(request.user, "export", AREA)
    return render(request, "controls/documented_information.html", context)


@require_POST
def documented_information_export(request):
    """Start rendering the list as a PDF; answers with the job page at once."""
    _require(request, "export")
    return document_jobs.job_started(
        request,
        lambda: services.information_list_export_request(
            actor=request.user, fmt=request.POST.get("format", "pdf")
        ),
        what="The PDF",
        back="controls:documented-information",
    )


def _information_job(request, pk):
    return document_jobs.document_job_for(request.user, InformationListExport.objects, pk)


def information_export_detail(request, pk):
    job = _information_job(request, pk)
    if request.htmx:
        return render(request, "documents/_job_status.html", {"job": job})
    return render(request, "controls/information_export_detail.html", {"job": job})


def information_export_download(request, pk):
    return document_jobs.document_download(_information_job(request, pk))


@require_POST
def information_export_retry(request, pk):
    job = _information_job(request, pk)
    return document_jobs.job_started(
        request,
        lambda: services.information_list_export_retry(job, actor=request.user),
        what="The PDF",
        back=job.get_absolute_url(),
    )


def soa_entry_link(request):
    """From another record's page (a risk's "Link a control"): open the chosen SoA entry's
    edit form with that record added to its links, returning to that page once saved."""
    roles.require(request.user, "change", "controls")
    entry = int_param(request.GET.get("entry"))
    if entry is None or not SoAEntry.objects.filter(pk=entry).exists():
        messages.error(request, "Choose a control of the SoA to link.")
        return redirect(safe_next(request) or "controls:soa")
    query = request.GET.copy()
    query.pop("entry")
    return redirect(f"{reverse('controls:soaentry-edit', args=[entry])}?{query.urlencode()}")
