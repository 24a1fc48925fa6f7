"""User-written registry rules in Rego; the built-in rules live in registry/policy.py."""

from django.db import models

from aims_portal.links import record_url
from aims_portal.models import TrackedModel, sort_indexes


class RegistryPolicy(TrackedModel):
    """A Rego module whose ``deny`` set lists the reasons a system record is refused."""

    area = "inventory"

    name = models.SlugField(max_length=80, unique=True, help_text="e.g. production-needs-region")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    rego = models.TextField(
        "Rego source",
        help_text="A module with a package line and a `deny` set of messages; the system "
        "record is `input`, in the registry YAML layout.",
    )
    enabled = models.BooleanField(default=True)
    retired_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = "registry policy"
        indexes = sort_indexes("title", "enabled", "updated_at")
        verbose_name_plural = "registry policies"

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return record_url("registry:policy-detail", self.pk)
