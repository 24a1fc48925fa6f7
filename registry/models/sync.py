"""Syncs of the registry from a git repository: which commit was read, when, by whom."""

from django.conf import settings
from django.db import models


class RegistrySync(models.Model):
    """One run of ``registry sync`` (command, system page or Celery beat); append-only."""

    class Status(models.TextChoices):
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    repo = models.CharField("repository", max_length=500)
    ref = models.CharField(max_length=200)
    path = models.CharField("folder", max_length=200, blank=True)
    commit = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices)
    summary = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = "registry sync"

    def __str__(self):
        return f"{self.repo}@{self.ref} ({self.commit[:12] or self.status})"
