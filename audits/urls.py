from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views
from .api.views import (
    AuditViewSet,
    ChecklistLineViewSet,
    CorrectiveActionViewSet,
    EvidenceViewSet,
    FindingViewSet,
    ManagementReviewViewSet,
    ProgrammeViewSet,
)
from .records import actions, audits, checklist_lines, evidence, findings, programmes, reviews

app_name = "audits"

# Custom pages first: they take over the generic create pages of the same names.
urlpatterns = [
    path(
        "findings/new/",
        views.PrefilledCreateView.as_view(record_type=findings, prefill=("checklist_line",)),
        name="finding-create",
    ),
    path(
        "actions/new/",
        views.PrefilledCreateView.as_view(record_type=actions, prefill=("finding", "review")),
        name="action-create",
    ),
    path(
        "evidence/new/",
        views.EvidenceCreateView.as_view(record_type=evidence),
        name="evidence-create",
    ),
    path("evidence/<int:pk>/file/", views.evidence_download, name="evidence-file"),
    path("audits/<int:pk>/report.pdf", views.audit_report_pdf, name="audit-pdf"),
    path("reviews/<int:pk>/minutes.pdf", views.review_minutes_pdf, name="review-pdf"),
    *programmes.urls(),
    *audits.urls(),
    *checklist_lines.urls(),
    *findings.urls(),
    *actions.urls(),
    *reviews.urls(),
    *evidence.urls(),
]

# API: registered under /api/v1/ by aims_portal/urls.py.
api_router = SimpleRouter()
api_router.register("audits/programmes", ProgrammeViewSet, basename="auditprogramme")
api_router.register("audits/audits", AuditViewSet, basename="audit")
api_router.register("audits/checklist-lines", ChecklistLineViewSet, basename="checklistline")
api_router.register("audits/findings", FindingViewSet, basename="finding")
api_router.register("audits/actions", CorrectiveActionViewSet, basename="correctiveaction")
api_router.register("audits/reviews", ManagementReviewViewSet, basename="managementreview")
api_router.register("audits/evidence", EvidenceViewSet, basename="evidenceitem")
