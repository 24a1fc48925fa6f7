from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views
from .api.views import (
    ControlledDocumentViewSet,
    ControlViewSet,
    DocumentedInformationViewSet,
    DocumentExportViewSet,
    RequirementViewSet,
    SoAEntryViewSet,
    SoARevisionViewSet,
    SoAViewSet,
)
from .records import controls, documents, requirements, soa_entries

app_name = "controls"

urlpatterns = [
    # Before the SoA entries' generic pages: /controls/soa/ is the whole-SoA overview.
    path("soa/", views.soa_overview, name="soa"),
    path("soa/edit/", views.soa_document_edit, name="soa-edit"),
    path("soa/link/", views.soa_entry_link, name="soa-entry-link"),
    path("soa/settings/", views.document_settings_edit, name="document-settings"),
    path("soa/step/<str:step>/", views.soa_transition, name="soa-transition"),
    path("soa/entries/<int:pk>/inline/", views.soa_entry_inline, name="soa-entry-inline"),
    path("soa/revisions/", views.revision_list, name="soa-revisions"),
    path("soa/revisions/compare/", views.revision_compare, name="soa-compare"),
    path("soa/revisions/<int:number>/", views.revision_detail, name="soa-revision"),
    path("soa/export/", views.export_create, name="soa-export"),
    path("exports/<int:pk>/", views.export_detail, name="export-detail"),
    path("exports/<int:pk>/download/", views.export_download, name="export-download"),
    path("exports/<int:pk>/retry/", views.export_retry, name="export-retry"),
    path("documents/<int:pk>/file/", views.document_file_upload, name="document-file"),
    path(
        "documents/<int:pk>/file/download/",
        views.document_file_download,
        name="document-file-download",
    ),
    path(
        "documented-information/",
        views.documented_information_list,
        name="documented-information",
    ),
    path(
        "documented-information/export/",
        views.documented_information_export,
        name="documented-information-export",
    ),
    path(
        "documented-information/exports/<int:pk>/",
        views.information_export_detail,
        name="information-export-detail",
    ),
    path(
        "documented-information/exports/<int:pk>/download/",
        views.information_export_download,
        name="information-export-download",
    ),
    path(
        "documented-information/exports/<int:pk>/retry/",
        views.information_export_retry,
        name="information-export-retry",
    ),
    *soa_entries.urls(),
    *controls.urls(),
    *requirements.urls(),
    *documents.urls(),
]

# API: registered under /api/v1/ by aims_portal/urls.py.
api_router = SimpleRouter()
api_router.register("controls/catalogue", ControlViewSet, basename="control")
api_router.register("controls/clauses", RequirementViewSet, basename="requirement")
api_router.register("controls/soa-entries", SoAEntryViewSet, basename="soaentry")
api_router.register("controls/soa", SoAViewSet, basename="soa")
api_router.register("controls/soa-revisions", SoARevisionViewSet, basename="soarevision")
api_router.register("controls/exports", DocumentExportViewSet, basename="documentexport")
api_router.register("controls/documents", ControlledDocumentViewSet, basename="document")
api_router.register(
    "controls/documented-information",
    DocumentedInformationViewSet,
    basename="documented-information",
)
