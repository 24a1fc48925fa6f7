"""Identity API: users (read, roles, access window, scope, deactivation), group mappings
and access scopes. The same services as the pages."""

from django.contrib.auth import get_user_model
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from aims_portal.api import RecordSerializer, RecordViewSet
from registry.models import AISystem, Team

from . import selectors, services
from .models import AccessScope, GroupRoleMapping, grantable_roles
from .records import GroupRoleMappingFilterSet, group_mappings

User = get_user_model()


# Filter sets declared once: with ``filterset_fields`` django-filter makes a new filter set
# class on every request.
class AccessScopeFilterSet(filters.FilterSet):
    class Meta:
        model = AccessScope
        fields = ["user"]


class UserFilterSet(filters.FilterSet):
    class Meta:
        model = User
        fields = ["is_active"]


class GroupRoleMappingSerializer(RecordSerializer):
    class Meta(RecordSerializer.Meta):
        model = GroupRoleMapping
        fields = ["id", "group", "role", "note", "retired_at", "version", "change_reason"]
        read_only_fields = ("id", "retired_at")


class GroupRoleMappingViewSet(RecordViewSet):
    record_type = group_mappings
    queryset = group_mappings.queryset()
    serializer_class = GroupRoleMappingSerializer
    filterset_class = GroupRoleMappingFilterSet
    search_fields = GroupRoleMappingFilterSet.search_fields
    ordering_fields = ["group"]  # a short list: one row per provider group and role


class AccessScopeSerializer(serializers.ModelSerializer):
    class Meta:
        model = AccessScope
        fields = ["id", "user", "teams", "systems", "note", "version", "updated_at"]


class AccessScopeViewSet(viewsets.ReadOnlyModelViewSet):
    """Every user's scope: the owning teams and AI systems their access is limited to."""

    queryset = AccessScope.objects.prefetch_related("teams", "systems").order_by("pk")
    serializer_class = AccessScopeSerializer
    filterset_class = AccessScopeFilterSet
    ordering_fields = ["updated_at"]
    search_fields = ["note"]


class UserSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField(help_text="Roles and responsibilities held.")
    two_factor = serializers.BooleanField(source="has_two_factor", read_only=True)
    single_sign_on = serializers.BooleanField(source="has_sso", read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "email",
            "first_name",
            "last_name",
            "is_active",
            "last_login",
            "access_from",
            "access_until",
            "roles",
            "two_factor",
            "single_sign_on",
        ]
        read_only_fields = fields

    def get_roles(self, user) -> list[str]:
        return sorted(services.held_roles(user))


class ReasonSerializer(serializers.Serializer):
    change_reason = serializers.CharField(max_length=500, help_text="Kept in the history.")


class RolesSerializer(ReasonSerializer):
    roles = serializers.ListField(child=serializers.ChoiceField(choices=grantable_roles()))


class WindowSerializer(ReasonSerializer):
    access_from = serializers.DateTimeField(allow_null=True)
    access_until = serializers.DateTimeField(allow_null=True)


class ScopeSerializer(ReasonSerializer):
    teams = serializers.PrimaryKeyRelatedField(many=True, queryset=Team.objects.all())
    systems = serializers.PrimaryKeyRelatedField(many=True, queryset=AISystem.objects.all())
    note = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")


class InviteSerializer(serializers.Serializer):
    email = serializers.EmailField()
    first_name = serializers.CharField(max_length=150, allow_blank=True, required=False)
    last_name = serializers.CharField(max_length=150, allow_blank=True, required=False)
    roles = serializers.ListField(
        child=serializers.ChoiceField(choices=grantable_roles()), required=False
    )


class UserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Portal users as administrators manage them. Writes go through the actions below, each
    with a reason kept in the user's history."""

    area = "administration"
    serializer_class = UserSerializer
    matrix_actions = {
        "invite": "create",
        "roles": "change",
        "access_window": "change",
        "scope": "change",
        "deactivate": "change",
        "reactivate": "change",
    }
    filterset_class = UserFilterSet
    search_fields = ["username", "email", "first_name", "last_name"]
    ordering_fields = ["username", "last_login"]

    def get_queryset(self):
        return selectors.users(status="all")

    def _done(self, user):
        return Response(UserSerializer(self.get_queryset().get(pk=user.pk)).data)

    def _body(self, serializer_class):
        body = serializer_class(data=self.request.data)
        body.is_valid(raise_exception=True)
        return body.validated_data

    @extend_schema(request=InviteSerializer, responses=UserSerializer)
    @action(detail=False, methods=["post"])
    def invite(self, request):
        data = self._body(InviteSerializer)
        user = services.user_invite(
            actor=request.user,
            email=data["email"],
            first_name=data.get("first_name", ""),
            last_name=data.get("last_name", ""),
            roles_wanted=data.get("roles", []),
        )
        return self._done(user)

    @extend_schema(request=RolesSerializer, responses=UserSerializer)
    @action(detail=True, methods=["post"])
    def roles(self, request, pk=None):
        user, data = self.get_object(), self._body(RolesSerializer)
        services.user_roles_set(
            user, actor=request.user, roles_wanted=data["roles"], reason=data["change_reason"]
        )
        return self._done(user)

    @extend_schema(request=WindowSerializer, responses=UserSerializer)
    @action(detail=True, methods=["post"], url_path="access-window")
    def access_window(self, request, pk=None):
        user, data = self.get_object(), self._body(WindowSerializer)
        services.user_access_window_set(
            user,
            actor=request.user,
            access_from=data["access_from"],
            access_until=data["access_until"],
            reason=data["change_reason"],
        )
        return self._done(user)

    @extend_schema(request=ScopeSerializer, responses=UserSerializer)
    @action(detail=True, methods=["post"])
    def scope(self, request, pk=None):
        user, data = self.get_object(), self._body(ScopeSerializer)
        services.access_scope_set(
            user,
            actor=request.user,
            teams=data["teams"],
            systems=data["systems"],
            note=data.get("note", ""),
            reason=data["change_reason"],
        )
        return self._done(user)

    @extend_schema(request=ReasonSerializer, responses=UserSerializer)
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        user, data = self.get_object(), self._body(ReasonSerializer)
        services.user_deactivate(user, actor=request.user, reason=data["change_reason"])
        return self._done(user)

    @extend_schema(request=ReasonSerializer, responses=UserSerializer)
    @action(detail=True, methods=["post"])
    def reactivate(self, request, pk=None):
        user, data = self.get_object(), self._body(ReasonSerializer)
        services.user_reactivate(user, actor=request.user, reason=data["change_reason"])
        return self._done(user)
