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
from governance.urls import api_router as governance_api
from identity import sso
from identity import views as identity_views
from identity.urls import api_router as identity_api
from integrity.urls import api_paths as integrity_api_paths
from integrity.urls import api_router as integrity_api
from integrity.urls import attestation_urls
from registry.urls import api_router as registry_api

from . import api_tokens, collab_api, collab_views, views
from .records.views import people_lookup, record_lookup


class APIRoot(DefaultRouter.APIRootView):
    """Index of the AIMS portal API. Every endpoint needs a session or a token."""

    permission_classes = [IsAuthenticated]


api = DefaultRouter()
api.APIRootView = APIRoot
for app_router in (
    registry_api,
    assessments_api,
    controls_api,
    governance_api,
    audits_api,
    identity_api,
    integrity_api,
):
    api.registry.extend(app_router.registry)

# The admin has no login page of its own: it sends people to the portal's.
admin.site.login = views.admin_login

urlpatterns = [
    path("", views.home, name="home"),
    path("readiness/", views.readiness_page, name="readiness"),
    path("health/", views.health, name="health"),
    path("favicon.ico", views.favicon, name="favicon"),
    path(
        "accounts/login/",
        login_not_required(views.PortalLoginView.as_view()),
        name="login",
    ),
    path("accounts/logout/", identity_views.PortalLogoutView.as_view(), name="logout"),
    path("accounts/sso/", sso.sso_start, name="sso-start"),
    path("accounts/sso/callback/", sso.sso_callback, name="sso-callback"),
    path("accounts/two-factor/verify/", views.two_factor_verify, name="two-factor-verify"),
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
        "notifications/settings/",
        collab_views.notification_settings,
        name="notification-settings",
    ),
    path("my-work/", collab_views.my_work, name="my-work"),
    path("header-badges/", collab_views.header_badges, name="header-badges"),
    path("search/", collab_views.search_page, name="search"),
    path(
        "comments/<str:app_label>/<str:model_name>/<int:pk>/",
        collab_views.comment_add,
        name="comment-add",
    ),
    path("webhooks/", collab_views.webhook_list, name="webhook-list"),
    path("webhooks/new/", collab_views.webhook_create, name="webhook-create"),
    path("webhooks/deliveries/", collab_views.webhook_delivery_log, name="webhook-deliveries"),
    path("webhooks/<int:pk>/", collab_views.webhook_detail, name="webhook-detail"),
    path("webhooks/<int:pk>/edit/", collab_views.webhook_edit, name="webhook-edit"),
    path("webhooks/<int:pk>/secret/", collab_views.webhook_rotate, name="webhook-rotate"),
    path("webhooks/<int:pk>/delete/", collab_views.webhook_delete, name="webhook-delete"),
    path("lookup/people/", people_lookup, name="people-lookup"),
    path("lookup/<str:app_label>/<str:model_name>/", record_lookup, name="record-lookup"),
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
    path("inventory/", include(attestation_urls)),
    path("assessments/", include("assessments.urls")),
    path("controls/", include("controls.urls")),
    path("governance/", include("governance.urls")),
    path("audits/", include("audits.urls")),
    path("integrity/", include("integrity.urls")),
    path("people/", include("identity.urls")),
    path("api/v1/auth/token/", api_tokens.APITokenView.as_view(), name="api-token-self"),
    *integrity_api_paths,
    path("api/v1/notifications/", collab_api.NotificationList.as_view(), name="api-notifications"),
    path(
        "api/v1/notifications/read/",
        collab_api.NotificationsRead.as_view(),
        name="api-notifications-read",
    ),
    path("api/v1/my-work/", collab_api.MyWork.as_view(), name="api-my-work"),
    path("api/v1/search/", collab_api.Search.as_view(), name="api-search"),
    path(
        "api/v1/comments/<str:app_label>/<str:model_name>/<int:pk>/",
        collab_api.Comments.as_view(),
        name="api-comments",
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
