"""Integrity pages: status and verification, the ledger's entries, checkpoints, public key,
evidence bundles."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from aims_portal import jobs, roles, scopes
from aims_portal.params import int_param

from . import bundles, job_start, selectors, services, signing
from . import verify_receipt as tlog
from .models import Checkpoint, EvidenceBundle, HeldCheckpoint


def _error_text(error):
    return " ".join(error.messages)


def integrity(request):
    roles.require(request.user, "view", "ledger")
    context = selectors.integrity_summary()
    jobs.reap_overdue(context["last_run"])
    try:
        context.update(public_key_pem=signing.public_key_pem(), fingerprint=signing.fingerprint())
    except ImproperlyConfigured as error:  # production without a key: say so, don't crash
        context["key_error"] = str(error)
    context.update(
        {
            "can_sign": roles.can(request.user, "create", "ledger"),
            "can_export": roles.can(request.user, "export", "ledger"),
            "areas": selectors.bundle_areas(),
            "bundles": [jobs.reap_overdue(b) for b in selectors.bundles_for(request.user, limit=5)],
            "held": list(HeldCheckpoint.objects.filter(user=request.user)[:5]),
            "origin": settings.LEDGER_ORIGIN,
        }
    )
    return render(request, "integrity/integrity.html", context)


# Sequence numbers outgrow the 32-bit ids that int_param allows by default.
MAX_SEQUENCE = 10**10 - 1


def entries(request):
    """Every ledger entry in words, newest first, a page at a time (keyset pagination by
    sequence), optionally of one record type or one record; each with its hashes and a
    link to its inclusion proof."""
    roles.require(request.user, "view", "ledger")
    scopes.require_whole_organisation(request.user, "the ledger's list of entries")
    types = selectors.record_types()
    record_label = request.GET.get("model", "")
    if record_label not in dict(types):
        record_label = ""
    record_id = int_param(request.GET.get("record")) if record_label else None
    page = selectors.entry_page(
        record_label=record_label,
        record_id=record_id,
        before=int_param(request.GET.get("before"), high=MAX_SEQUENCE),
        after=int_param(request.GET.get("after"), high=MAX_SEQUENCE),
    )
    filters = {"model": record_label, "record": record_id or ""}
    return render(
        request,
        "integrity/entries.html",
        {
            "page": page,
            "types": types,
            "model": record_label,
            "record": record_id,
            "filters": urlencode({k: v for k, v in filters.items() if v}),
        },
    )


@require_POST
def verify(request):
    try:
        run = job_start.verification_start(actor=request.user)
    except jobs.QueueUnavailable as error:
        messages.error(request, f"Verification could not start. {error.message}")
        return redirect("ledger:integrity")
    if jobs.is_unfinished(run):
        messages.info(request, "Verification started: refresh this page to see the result.")
    return redirect("ledger:integrity")


@require_POST
def checkpoint(request):
    try:
        made = services.checkpoint_create(actor=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, f"Signed the chain head at entry {made.sequence}.")
    return redirect("ledger:integrity")


@login_not_required
def public_key(request):
    """Published on purpose: anyone may check checkpoints with it."""
    response = HttpResponse(signing.public_key_pem(), content_type="application/x-pem-file")
    response["Content-Disposition"] = 'attachment; filename="aims-ledger-public-key.pem"'
    return response


@login_not_required
def verifier_key(request):
    """The key as note tools read it (``name+id+key``), published on purpose."""
    text = tlog.verifier_key(settings.LEDGER_ORIGIN, signing.public_key()) + "\n"
    return HttpResponse(text, content_type="text/plain; charset=utf-8")


def _signed():
    return Checkpoint.objects.exclude(note="").order_by("-sequence", "-signed_at", "-pk")


@login_not_required
def latest_checkpoint(request):
    """The newest checkpoint as a signed note (text), published on purpose."""
    checkpoint = _signed().first()
    if checkpoint is None:
        raise Http404("No checkpoint has been signed yet.")
    return HttpResponse(checkpoint.note, content_type="text/plain; charset=utf-8")


@login_not_required
def checkpoint_text(request, pk):
    """One checkpoint's signed note, published on purpose."""
    checkpoint = get_object_or_404(_signed(), pk=pk)
    return HttpResponse(checkpoint.note, content_type="text/plain; charset=utf-8")


@require_GET
def checkpoint_download(request, pk):
    """A signed-in user takes a checkpoint away: it is kept as one they hold, so every
    verification proves the log still extends it."""
    checkpoint = get_object_or_404(_signed(), pk=pk)
    services.checkpoint_hold(
        actor=request.user, text=checkpoint.note, source=HeldCheckpoint.Source.DOWNLOADED
    )
    response = HttpResponse(checkpoint.note, content_type="text/plain; charset=utf-8")
    name = f"aims-checkpoint-{checkpoint.sequence}-{checkpoint.signed_at:%Y%m%d-%H%M%S}.txt"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_POST
def checkpoint_check(request):
    """A user brings a checkpoint they hold: prove today's log extends it, and keep it."""
    upload = request.FILES.get("file")
    text = request.POST.get("text", "")
    if upload is not None:
        text = upload.read(64 * 1024).decode("utf-8", "replace")
    try:
        held, consistent = services.checkpoint_hold(actor=request.user, text=text)
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect("ledger:integrity")
    if consistent:
        messages.success(
            request,
            f"Consistent: today's log extends your checkpoint of {held.tree_size} entries "
            "(consistency proof checked). Every verification will check it again.",
        )
    else:
        messages.error(
            request,
            f"Not consistent: today's log does not extend your checkpoint of {held.tree_size} "
            "entries. The log was rewritten or entries were deleted: run a verification.",
        )
    return redirect("ledger:integrity")


@require_POST
def bundle_create(request):
    try:
        bundle = job_start.bundle_request(actor=request.user, area=request.POST.get("area", ""))
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect("ledger:integrity")
    except jobs.QueueUnavailable as error:
        messages.error(request, f"The bundle could not be started. {error.message}")
        return redirect("ledger:integrity")
    return redirect("ledger:bundle", pk=bundle.pk)


def _own_bundle(request, pk):
    roles.require(request.user, "export", "ledger")
    scopes.require_whole_organisation(request.user, "an evidence bundle")
    bundle = get_object_or_404(
        EvidenceBundle.objects.select_related("requested_by"), pk=pk, requested_by=request.user
    )
    return jobs.reap_overdue(bundle)


@require_POST
def bundle_retry(request, pk):
    bundle = _own_bundle(request, pk)
    try:
        again = job_start.bundle_retry(bundle, actor=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect("ledger:bundle", pk=bundle.pk)
    except jobs.QueueUnavailable as error:
        messages.error(request, f"The bundle could not be started. {error.message}")
        return redirect("ledger:bundle", pk=bundle.pk)
    return redirect("ledger:bundle", pk=again.pk)


def bundle_detail(request, pk):
    bundle = _own_bundle(request, pk)
    template = "integrity/bundle_status.html" if request.htmx else "integrity/bundle.html"
    return render(request, template, {"bundle": bundle})


def bundle_download(request, pk):
    bundle = _own_bundle(request, pk)
    if bundle.status != EvidenceBundle.Status.READY:
        raise Http404("This bundle is not ready.")
    path = bundles.bundle_path(bundle)
    if not path.exists():
        raise Http404("This bundle's file is no longer on the server: build a new one.")
    return FileResponse(path.open("rb"), as_attachment=True, filename=bundle.file_name)
