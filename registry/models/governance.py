"""Who answers for a system: teams that own systems, and the sign-offs recorded by the people
who hold a governance responsibility (data protection, security)."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from aims_portal.links import record_url
from aims_portal.models import TrackedModel

from .inventory import AISystem


class Team(TrackedModel):
    """A group of people that owns AI systems; registry YAML names it in ``owner``."""

    area = "inventory"

    slug = models.SlugField("ID", max_length=80, unique=True, help_text="e.g. team-ai-platform")
    name = models.CharField(max_length=200)
    contact = models.EmailField(help_text="Where the team is reached.")
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="led_teams",
        help_text="Accountable for the team's systems; recorded as their owner in the portal.",
    )
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="teams")

    class Meta:
        ordering = [Lower("name")]

    def __str__(self):
        return self.name


class Responsibility(models.TextChoices):
    """A governance responsibility; users hold it through the Django group of that name,
    which administrators assign on the People pages or through a group mapping."""

    DPO = "dpo", "Data protection officer"
    SECURITY = "security_officer", "Security officer"


class SignOff(TrackedModel):
    """An approval of one version of an AI system by someone holding a responsibility."""

    area = "inventory"
    scope_path = "system"

    system = models.ForeignKey(
        AISystem, on_delete=models.PROTECT, related_name="sign_offs", verbose_name="AI system"
    )
    responsibility = models.CharField(max_length=20, choices=Responsibility.choices)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    signed_at = models.DateTimeField(editable=False)
    system_version = models.PositiveIntegerField(
        "system version signed", editable=False, help_text="The system record's version."
    )
    note = models.TextField(blank=True, help_text="What was reviewed, conditions.")
    withdrawn_at = models.DateTimeField(null=True, blank=True, editable=False)
    withdrawal_reason = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["-signed_at", "-id"]
        verbose_name = "sign-off"
        indexes = [models.Index(fields=["system", "responsibility"], name="signoff_system")]

    def __str__(self):
        label = self.get_responsibility_display()
        return f"{label} sign-off of {self.system} v{self.system_version}"

    @property
    def owner_id(self):
        return self.signed_by_id

    def get_absolute_url(self):
        return record_url("registry:aisystem-detail", self.system_id)
