"""Attestations of AI outputs and the per-system API tokens that register them.

An attestation says: this AI system, running this model version, turned an input with this
SHA-256 into an output with that SHA-256, and the gateway decided this about it. The portal
never sees the input or output themselves, only their hashes. Each attestation is a link of
the integrity ledger (``integrity.coverage``; the app registers it when it is ready), so it
cannot be changed, removed or slipped in afterwards without verification naming it.

The tables are the ones the registry created (the models moved here without a change of
table), and the ledger still knows them by their registry labels (``integrity.labels``).
"""

from typing import ClassVar

from django.conf import settings
from django.db import models

from aims_portal.links import record_url
from aims_portal.models import TrackedModel
from registry.models import AISystem, ModelVersion
from registry.models.lineage import SystemOwned


class AttestationToken(SystemOwned, TrackedModel):
    """A credential an AI gateway uses to register attestations for one AI system.

    Only the SHA-256 of the key is stored; the key itself is shown once, when an
    administrator creates the token. A revoked token stays, with its history, so that the
    attestations it registered still say which credential sent them.
    """

    area = "inventory"
    # Written without a version (integrity.current_state does not compare it).
    _history_unversioned_fields: ClassVar[tuple[str, ...]] = ("last_used_at",)
    _history_table: ClassVar[str] = "registry_historicalattestationtoken"

    system = models.ForeignKey(
        AISystem,
        on_delete=models.PROTECT,
        related_name="attestation_tokens",
        verbose_name="AI system",
    )
    name = models.CharField(max_length=100, help_text="Which gateway or job uses it.")
    key_prefix = models.CharField(
        max_length=16, help_text="The start of the key, to recognise it in logs."
    )
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Updated without a history row (at most once a minute): usage is not a record change.
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    revoke_reason = models.CharField(max_length=500, blank=True, editable=False)

    class Meta:
        db_table = "registry_attestationtoken"
        ordering = ["-created_at", "-id"]
        verbose_name = "attestation API token"

    def __str__(self):
        return f"{self.name} ({self.key_prefix}…)"

    @property
    def is_active(self):
        return self.revoked_at is None


class Attestation(SystemOwned, models.Model):
    """One AI output registered by a gateway. Append-only: never updated, never deleted."""

    area = "inventory"

    class Decision(models.TextChoices):
        ALLOWED = "allowed", "Delivered as produced"
        MODIFIED = "modified", "Delivered after modification"
        BLOCKED = "blocked", "Withheld"
        ESCALATED = "escalated", "Sent for human review"
        OVERRIDDEN = "overridden", "Replaced by a human decision"

    # No single-column indexes on these two: the (system, -id) and (model_version, -id)
    # indexes below serve every look-up by either, and each index is written 1,000 times
    # per batch.
    system = models.ForeignKey(
        AISystem,
        on_delete=models.PROTECT,
        related_name="attestations",
        verbose_name="AI system",
        db_index=False,
    )
    model_version = models.ForeignKey(
        ModelVersion, on_delete=models.PROTECT, related_name="attestations", db_index=False
    )
    input_sha256 = models.CharField("input SHA-256", max_length=64)
    output_sha256 = models.CharField("output SHA-256", max_length=64)
    decision = models.CharField(max_length=12, choices=Decision.choices)
    metadata = models.JSONField(default=dict, blank=True)
    occurred_at = models.DateTimeField(
        "produced at", help_text="When the output was produced (the gateway's clock)."
    )
    recorded_at = models.DateTimeField("registered at", help_text="The portal's clock.")
    token = models.ForeignKey(
        AttestationToken, on_delete=models.PROTECT, related_name="attestations"
    )

    class Meta:
        db_table = "registry_attestation"
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["system", "-id"], name="attestation_system"),
            models.Index(fields=["model_version", "-id"], name="attestation_version"),
            models.Index(fields=["output_sha256"], name="attestation_output"),
            models.Index(fields=["input_sha256"], name="attestation_input"),
        ]

    def __str__(self):
        return f"Attestation #{self.pk}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("Attestations cannot be changed once registered.")
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return record_url("attestations:attestation-detail", self.pk)

    def delete(self, *args, **kwargs):
        raise ValueError("Attestations cannot be deleted.")


class AttestationIdempotencyKey(models.Model):
    """The answer given to an attestation POST that carried an ``Idempotency-Key`` header, so
    that a retry with the same key (from the same token) gets the same answer and registers
    nothing again. Kept as long as the attestations: a key is never reused for other data."""

    token = models.ForeignKey(
        AttestationToken, on_delete=models.PROTECT, related_name="idempotency_keys"
    )
    key = models.CharField(max_length=255)
    request_hash = models.CharField(
        max_length=64, help_text="SHA-256 of the endpoint and the canonical request body."
    )
    status_code = models.PositiveSmallIntegerField()
    # Text, not JSON: jsonb would reorder the keys, and a retry gets the answer as it was.
    response = models.TextField(help_text="The JSON answer, exactly as first sent.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "registry_attestationidempotencykey"
        constraints = [
            models.UniqueConstraint(fields=["token", "key"], name="attestation_idempotency_key")
        ]

    def __str__(self):
        return f"Idempotency key {self.key!r} of token {self.token_id}"
