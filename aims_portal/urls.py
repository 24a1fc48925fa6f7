from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import IsAuthenticated
from rest_framework.routers import DefaultRouter

from assessments.urls import api_router as assessments_api
from audits.urls import api_router as audits_api
from controls.urls import api_router as controls_api
from registry.urls import api_router as registry_api

from . import api_tokens, views
from .ledger import api as ledger_api


class APIRoot(DefaultRouter.APIRootView):
    """Index of the AIMS portal API. Every endpoint needs a session or a token."""

    permission_classes = [IsAuthenticated]


api = DefaultRouter()
api.APIRootView = APIRoot
for app_router in (registry_api, assessments_api, controls_api, audits_api):
    api.registry.extend(app_router.registry)

# The admin has no login page of its own: it sends people to the portal's.
admin.site.login = views.admin_login

urlpatterns = [
    path("", views.home, name="home"),
    path("readiness/", views.readiness_page, name="readiness"),
    path("health/", views.health, name="health"),
    path(
        "accounts/login/",
        login_not_required(views.PortalLoginView.as_view()),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/two-factor/", views.two_factor_settings, name="two-factor"),
    path("accounts/api-token/", api_tokens.api_token_page, name="api-token"),
    path("notifications/", views.notification_list, name="notifications"),
    path(
        "history/<str:app_label>/<str:model_name>/<int:pk>/",
        views.record_history,
        name="record-history",
    ),
    path(
        "history/<str:app_label>/<str:model_name>/<int:pk>/diff/",
        views.record_history_diff,
        name="record-history-diff",
    ),
    path("inventory/", include("registry.urls")),
    path("assessments/", include("assessments.urls")),
    path("controls/", include("controls.urls")),
    path("audits/", include("audits.urls")),
    path("integrity/", include("aims_portal.ledger.urls")),
    path("api/v1/auth/token/", api_tokens.APITokenView.as_view(), name="api-token-self"),
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
    path("api/v1/", include(api.urls)),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/v1/docs/",
        # GET only: DRF's OPTIONS metadata has no template for this HTML view (it answered 500).
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", http_method_names=["get", "head"]
        ),
        name="api-docs",
    ),
    path("admin/", admin.site.urls),
]
