from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views
from .api import AccessScopeViewSet, GroupRoleMappingViewSet, UserViewSet
from .records import group_mappings

app_name = "identity"

urlpatterns = [
    path("users/", views.user_list, name="user-list"),
    path("users/invite/", views.user_invite, name="user-invite"),
    path("users/<int:pk>/", views.user_detail, name="user-detail"),
    path(
        "set-password/<uidb64>/<token>/",
        views.SetPasswordView.as_view(),
        name="set-password",
    ),
    *group_mappings.urls(),
]

api_router = SimpleRouter()
api_router.register("identity/users", UserViewSet, basename="identity-user")
api_router.register("identity/group-mappings", GroupRoleMappingViewSet, basename="groupmapping")
api_router.register("identity/access-scopes", AccessScopeViewSet, basename="accessscope")
