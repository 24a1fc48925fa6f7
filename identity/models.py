"""Identity records: who a provider's user is here, which provider groups give which roles,
and the AI systems a user's access is limited to."""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from aims_portal import roles
from aims_portal.links import record_url
from aims_portal.models import TrackedModel
from registry.models import AISystem, Responsibility, Team


def grantable_roles():
    """Everything a group can give: the matrix roles, then the sign-off responsibilities."""
    return [(name, roles.role_label(name)) for name in roles.role_names()] + list(
        Responsibility.choices
    )


class GroupRoleMapping(TrackedModel):
    """One provider group that gives one role (or responsibility) at single sign-on."""

    area = "administration"
    scope_path = None

    group = models.CharField(
        max_length=200,
        help_text="The group exactly as the provider sends it in the groups claim: a name "
        "(Okta, Keycloak, Google) or an object id (Entra ID).",
    )
    role = models.CharField(max_length=40, choices=grantable_roles)
    note = models.CharField(max_length=200, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["group", "role"]
        verbose_name = "group mapping"
        constraints = [
            models.UniqueConstraint(fields=["group", "role"], name="one_mapping_per_group_role")
        ]

    def __str__(self):
        return f"{self.group} → {self.get_role_display()}"

    def get_absolute_url(self):
        return record_url("identity:groupmapping-detail", self.pk)

    @property
    def is_retired(self):
        return self.retired_at is not None


class ExternalIdentity(TrackedModel):
    """The account at an OpenID provider (issuer + subject) that signs in as a portal user."""

    area = "administration"
    scope_path = None

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="external_identities"
    )
    issuer = models.CharField(max_length=300)
    subject = models.CharField(max_length=255)

    class Meta:
        verbose_name = "external identity"
        verbose_name_plural = "external identities"
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="one_user_per_subject")
        ]

    def __str__(self):
        return f"{self.subject} at {self.issuer}"


class AccessScope(TrackedModel):
    """Limits what one user sees and changes to some AI systems and the records that reach
    them: an owner of one business unit (the systems of an owning team), an auditor engaged
    for a few systems. A user without a scope is not limited."""

    area = "administration"
    scope_path = None
    _history_m2m_fields: ClassVar[list[str]] = ["teams", "systems"]

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_scope"
    )
    teams = models.ManyToManyField(
        Team,
        blank=True,
        related_name="+",
        verbose_name="business units (owning teams)",
        help_text="Every AI system these teams own is in scope.",
    )
    systems = models.ManyToManyField(
        AISystem, blank=True, related_name="+", verbose_name="AI systems"
    )
    note = models.CharField(
        max_length=200, blank=True, help_text="Why: e.g. the engagement letter of an audit."
    )

    class Meta:
        verbose_name = "access scope"

    def __str__(self):
        return f"Scope of {self.user}"


def scoped_system_ids(user):
    """The ids of the AI systems ``user`` is limited to (an unevaluated queryset), or None
    when they have no scope (or an empty one). One query to learn whether there is one."""
    scope = (
        AccessScope.objects.filter(user=user)
        .filter(Q(teams__isnull=False) | Q(systems__isnull=False))
        .values_list("pk", flat=True)
        .first()
    )
    if scope is None:
        return None
    systems = AccessScope.systems.through.objects.filter(accessscope_id=scope)
    teams = AccessScope.teams.through.objects.filter(accessscope_id=scope)
    return AISystem.objects.filter(
        Q(pk__in=systems.values("aisystem_id")) | Q(owner_team__in=teams.values("team_id"))
    ).values("pk")
