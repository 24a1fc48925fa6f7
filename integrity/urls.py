"""Integrity pages (mounted at /integrity/), the attestation pages (``attestation_urls``,
under the inventory's /inventory/), the public ledger API (``api_paths``, at the site's
root) and the attestation API (``api_router``); the portal's URL configuration mounts them."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import attestation_views, views
from .api import ledger as ledger_api
from .api.attestation_views import AttestationTokenViewSet, AttestationViewSet

app_name = "ledger"

urlpatterns = [
    path("", views.integrity, name="integrity"),
    path("entries/", views.entries, name="entries"),
    path("verify/", views.verify, name="verify"),
    path("checkpoints/new/", views.checkpoint, name="checkpoint"),
    path("public-key.pem", views.public_key, name="public-key"),
    path("verifier-key", views.verifier_key, name="verifier-key"),
    path("checkpoint", views.latest_checkpoint, name="latest-checkpoint"),
    path("checkpoints/<int:pk>.txt", views.checkpoint_text, name="checkpoint-text"),
    path("checkpoints/<int:pk>/download/", views.checkpoint_download, name="checkpoint-download"),
    path("checkpoints/check/", views.checkpoint_check, name="checkpoint-check"),
    path("bundles/new/", views.bundle_create, name="bundle-create"),
    path("bundles/<int:pk>/", views.bundle_detail, name="bundle"),
    path("bundles/<int:pk>/download/", views.bundle_download, name="bundle-download"),
    path("bundles/<int:pk>/retry/", views.bundle_retry, name="bundle-retry"),
]

api_paths = [
    path(
        "api/v1/integrity/checkpoints/",
        ledger_api.CheckpointList.as_view(),
        name="api-checkpoints",
    ),
    path(
        "api/v1/integrity/proofs/inclusion/",
        ledger_api.InclusionProof.as_view(),
        name="api-inclusion-proof",
    ),
    path(
        "api/v1/integrity/proofs/consistency/",
        ledger_api.ConsistencyProof.as_view(),
        name="api-consistency-proof",
    ),
]

attestation_urls = (attestation_views.urlpatterns, "attestations")

api_router = SimpleRouter()
api_router.register("registry/attestations", AttestationViewSet, basename="attestation")
api_router.register(
    "registry/attestation-tokens", AttestationTokenViewSet, basename="attestationtoken"
)
