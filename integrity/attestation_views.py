"""Attestation pages: the attestations of one AI system (filterable by model version,
decision and input or output hash), a search by hash across systems, one attestation with
its ledger entry and signed receipt, the receipt verifier to download, and the
administrators' token page. Thin: selectors read, integrity/attestations.py writes."""

from pathlib import Path

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from aims_portal import roles
from registry.models import AISystem

from . import attestation_selectors as selectors
from . import attestations as services
from . import verify_receipt
from .models import Attestation, AttestationToken

PAGE_SIZE = 50


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _digest(request):
    """(digest or None, error or None) from the page's search box ``hash``."""
    text = (request.GET.get("hash") or "").strip()
    if not text:
        return None, None
    if not services.SHA256.fullmatch(text):
        return None, "Paste a whole SHA-256 digest: 64 hexadecimal characters."
    return text.lower(), None


@require_safe
def system_attestations(request, pk):
    roles.require(request.user, "view", "inventory")
    system = get_object_or_404(AISystem.objects.select_related("owner"), pk=pk)
    versions = list(system.model_versions.order_by("-deployed_at", "-id"))
    chosen = next((v for v in versions if v.pk == _int(request.GET.get("model_version"))), None)
    decision = request.GET.get("decision")
    if decision not in Attestation.Decision.values:
        decision = None
    digest, digest_error = _digest(request)
    queryset = selectors.attestations(
        system=system, model_version=chosen, decision=decision, sha256=digest
    )
    if digest_error:
        queryset = queryset.none()
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "integrity/attestation_list.html",
        {
            "system": system,
            "versions": versions,
            "chosen": chosen,
            "decision": decision,
            "decisions": Attestation.Decision.choices,
            "digest": request.GET.get("hash", "").strip(),
            "digest_error": digest_error,
            "filtered": bool(chosen or decision or digest or digest_error),
            "page": page,
            "query": query.urlencode(),
            "can_manage_tokens": roles.can(request.user, "view", "administration"),
        },
    )


@require_safe
def attestation_search(request):
    """Find attestations of every AI system by the SHA-256 of an input or an output."""
    roles.require(request.user, "view", "inventory")
    digest, digest_error = _digest(request)
    found = list(selectors.attestations(sha256=digest)[:PAGE_SIZE]) if digest else []
    return render(
        request,
        "integrity/attestation_search.html",
        {
            "digest": request.GET.get("hash", "").strip(),
            "digest_error": digest_error,
            "searched": bool(digest),
            "found": found,
            "limit": PAGE_SIZE,
        },
    )


@require_safe
def receipt_verifier(request):
    """The stand-alone receipt verifier (one Python file), to check receipts offline."""
    roles.require(request.user, "view", "inventory")
    response = HttpResponse(
        Path(verify_receipt.__file__).read_bytes(), content_type="text/x-python; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="verify_receipt.py"'
    return response


@require_safe
def attestation_receipt(request, pk):
    """An attestation's signed receipt (JSON), as the gateway received it."""
    roles.require(request.user, "view", "inventory")
    attestation = get_object_or_404(
        Attestation.objects.select_related("system", "model_version"), pk=pk
    )
    receipt = services.attestation_receipt(attestation)
    if receipt is None:
        raise Http404("No ledger entry covers this attestation.")
    response = JsonResponse(receipt, json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="receipt-{attestation.pk}.json"'
    return response


@require_safe
def attestation_detail(request, pk):
    roles.require(request.user, "view", "inventory")
    attestation = get_object_or_404(selectors.attestations(), pk=pk)
    return render(request, "integrity/attestation_detail.html", {"attestation": attestation})


@require_http_methods(["GET", "HEAD", "POST"])
def system_tokens(request, pk):
    """List the system's tokens; POST creates one and shows its key on this response only."""
    roles.require(request.user, "view", "administration")
    system = get_object_or_404(AISystem, pk=pk)
    context = {"system": system, "name_error": None, "created": None, "key": None}
    status = 200
    if request.method == "POST":
        try:
            token, key = services.attestation_token_create(
                actor=request.user, system=system, name=request.POST.get("name", "")
            )
        except ValidationError as error:
            context["name_error"] = " ".join(error.messages)
            status = 400
        else:
            context.update(created=token, key=key)
            status = 201
    context["tokens"] = list(selectors.tokens(system))
    response = render(request, "integrity/attestation_tokens.html", context, status=status)
    response["Cache-Control"] = "no-store"  # the key must not stay in any cache
    return response


@require_POST
def token_revoke(request, pk):
    token = get_object_or_404(AttestationToken.objects.select_related("system"), pk=pk)
    try:
        services.attestation_token_revoke(
            token, actor=request.user, reason=request.POST.get("reason")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Revoked {token}: it is refused from now on.")
    return redirect("attestations:attestation-tokens", pk=token.system_id)


urlpatterns = [
    path("systems/<int:pk>/attestations/", system_attestations, name="aisystem-attestations"),
    path("attestations/search/", attestation_search, name="attestation-search"),
    path("attestations/verify_receipt.py", receipt_verifier, name="receipt-verifier"),
    path("attestations/<int:pk>/", attestation_detail, name="attestation-detail"),
    path("attestations/<int:pk>/receipt.json", attestation_receipt, name="attestation-receipt"),
    path("systems/<int:pk>/attestation-tokens/", system_tokens, name="attestation-tokens"),
    path("attestation-tokens/<int:pk>/revoke/", token_revoke, name="attestation-token-revoke"),
]
