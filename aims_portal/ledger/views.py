"""Integrity pages: status and verification, checkpoints, public key, evidence bundles."""

from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from .. import jobs, roles
from . import bundles, selectors, services, signing
from .models import EvidenceBundle


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
        }
    )
    return render(request, "ledger/integrity.html", context)


@require_POST
def verify(request):
    try:
        run = services.verification_start(actor=request.user)
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


def public_key(request):
    roles.require(request.user, "view", "ledger")
    response = HttpResponse(signing.public_key_pem(), content_type="application/x-pem-file")
    response["Content-Disposition"] = 'attachment; filename="aims-ledger-public-key.pem"'
    return response


@require_POST
def bundle_create(request):
    try:
        bundle = bundles.bundle_request(actor=request.user, area=request.POST.get("area", ""))
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect("ledger:integrity")
    except jobs.QueueUnavailable as error:
        messages.error(request, f"The bundle could not be started. {error.message}")
        return redirect("ledger:integrity")
    return redirect("ledger:bundle", pk=bundle.pk)


def _own_bundle(request, pk):
    roles.require(request.user, "export", "ledger")
    bundle = get_object_or_404(
        EvidenceBundle.objects.select_related("requested_by"), pk=pk, requested_by=request.user
    )
    return jobs.reap_overdue(bundle)


@require_POST
def bundle_retry(request, pk):
    bundle = _own_bundle(request, pk)
    try:
        again = bundles.bundle_retry(bundle, actor=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect("ledger:bundle", pk=bundle.pk)
    except jobs.QueueUnavailable as error:
        messages.error(request, f"The bundle could not be started. {error.message}")
        return redirect("ledger:bundle", pk=bundle.pk)
    return redirect("ledger:bundle", pk=again.pk)


def bundle_detail(request, pk):
    bundle = _own_bundle(request, pk)
    template = "ledger/bundle_status.html" if request.htmx else "ledger/bundle.html"
    return render(request, template, {"bundle": bundle})


def bundle_download(request, pk):
    bundle = _own_bundle(request, pk)
    if bundle.status != EvidenceBundle.Status.READY:
        raise Http404("This bundle is not ready.")
    path = bundles.bundle_path(bundle)
    if not path.exists():
        raise Http404("This bundle's file is no longer on the server: build a new one.")
    return FileResponse(path.open("rb"), as_attachment=True, filename=bundle.file_name)
