"""Integrity pages: status and verification, checkpoints, public key, evidence bundles."""

from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from .. import roles
from . import bundles, selectors, services, signing
from .models import EvidenceBundle


def _error_text(error):
    return " ".join(error.messages)


def integrity(request):
    roles.require(request.user, "view", "ledger")
    context = selectors.integrity_summary()
    try:
        context.update(public_key_pem=signing.public_key_pem(), fingerprint=signing.fingerprint())
    except ImproperlyConfigured as error:  # production without a key: say so, don't crash
        context["key_error"] = str(error)
    context.update(
        {
            "can_sign": roles.can(request.user, "create", "ledger"),
            "can_export": roles.can(request.user, "export", "ledger"),
            "areas": selectors.bundle_areas(),
            "bundles": selectors.bundles_for(request.user, limit=5),
        }
    )
    return render(request, "ledger/integrity.html", context)


@require_POST
def verify(request):
    run = services.verification_start(actor=request.user)
    if run.status == run.Status.RUNNING:
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
    return redirect("ledger:bundle", pk=bundle.pk)


def _own_bundle(request, pk):
    roles.require(request.user, "export", "ledger")
    return get_object_or_404(
        EvidenceBundle.objects.select_related("requested_by"), pk=pk, requested_by=request.user
    )


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
