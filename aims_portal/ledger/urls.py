"""Integrity pages (mounted at /integrity/)."""

from django.urls import path

from . import views

app_name = "ledger"

urlpatterns = [
    path("", views.integrity, name="integrity"),
    path("verify/", views.verify, name="verify"),
    path("checkpoints/new/", views.checkpoint, name="checkpoint"),
    path("public-key.pem", views.public_key, name="public-key"),
    path("bundles/new/", views.bundle_create, name="bundle-create"),
    path("bundles/<int:pk>/", views.bundle_detail, name="bundle"),
    path("bundles/<int:pk>/download/", views.bundle_download, name="bundle-download"),
    path("bundles/<int:pk>/retry/", views.bundle_retry, name="bundle-retry"),
]
