from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views
from .api.views import (
    AuditViewSet,
    CertificateViewSet,
    CertificationAuditViewSet,
    CertificationBodyViewSet,
    ChecklistLineViewSet,
    CorrectiveActionViewSet,
    EvidenceViewSet,
    FindingViewSet,
    ManagementReviewViewSet,
    ProgrammeViewSet,
    ReportExportViewSet,
)
from .records import (
    actions,
    audits,
    certificates,
    certification_audits,
    certification_bodies,
    checklist_lines,
    evidence,
    findings,
    programmes,
    reviews,
)

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
    path("audits/<int:pk>/report/", views.audit_report, name="audit-report"),
    path("audits/<int:pk>/results/", views.checklist_results, name="audit-results"),
    path("reviews/<int:pk>/minutes/", views.review_minutes, name="review-minutes"),
    path("reports/<int:pk>/", views.report_detail, name="report-detail"),
    path("reports/<int:pk>/download/", views.report_download, name="report-download"),
    path("reports/<int:pk>/retry/", views.report_retry, name="report-retry"),
    path(
        "certification/audits/<int:pk>/finding/",
        views.certification_finding_create,
        name="certaudit-finding",
    ),
    *programmes.urls(),
    *audits.urls(),
    *checklist_lines.urls(),
    *findings.urls(),
    *actions.urls(),
    *reviews.urls(),
    *evidence.urls(),
    *certification_bodies.urls(),
    *certification_audits.urls(),
    *certificates.urls(),
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
api_router.register("audits/reports", ReportExportViewSet, basename="reportexport")
api_router.register("audits/certification-bodies", CertificationBodyViewSet, basename="certbody")
api_router.register(
    "audits/certification-audits", CertificationAuditViewSet, basename="certificationaudit"
)
api_router.register("audits/certificates", CertificateViewSet, basename="certificate")
