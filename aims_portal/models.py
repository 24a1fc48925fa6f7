"""The portal's user and the base every record type inherits from."""

from typing import ClassVar

from django.contrib.auth.models import AbstractUser
from django.db import models, router, transaction
from simple_history.models import HistoricalRecords


class ChainedHistoricalRecords(HistoricalRecords):
    """History whose row, its m2m rows and the ledger entries chaining them are written in
    one transaction.

    The ledger appends an entry from the post_create_historical_record signal. Outside a
    transaction simple-history would commit the history row on its own and the entry after
    it, leaving a moment (and, after a crash, a row) with history the chain does not cover.
    Joining the caller's transaction when there is one costs nothing.
    """

    def create_history_model(self, model, inherited):
        # One inherited history serves every record type: each history model excludes only
        # the excluded fields its model has (simple-history looks every one of them up).
        excluded = self.excluded_fields
        present = {f.name for f in (*model._meta.fields, *model._meta.many_to_many)}
        self.excluded_fields = [name for name in excluded if name in present]
        try:
            return super().create_history_model(model, inherited)
        finally:
            self.excluded_fields = excluded

    def create_historical_record(self, instance, history_type, using=None):
        with transaction.atomic(using=using, savepoint=False):
            super().create_historical_record(instance, history_type, using=using)

    def post_save(self, instance, created, using=None, **kwargs):
        """Set the links the save carries (``instance._history_links``, see
        aims_portal.services) once the row exists and before its version is written, so
        that the one version of the save, a creation included, holds them. simple-history
        would otherwise write a version of its own for every add and remove."""
        links = instance.__dict__.pop("_history_links", None)
        if links:
            skipping = hasattr(instance, "skip_history_when_saving")
            instance.skip_history_when_saving = True
            try:
                for field, value in links.items():
                    getattr(instance, field).set(value)
            finally:
                if not skipping:
                    del instance.skip_history_when_saving
        super().post_save(instance, created, using=using, **kwargs)


class AtomicSaveMixin:
    """Save and delete the row, its history row and their ledger entries as one commit."""

    def save(self, *args, **kwargs):
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using, savepoint=False):
            super().save(*args, **kwargs)

    save.alters_data = True

    def delete(self, *args, **kwargs):
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using, savepoint=False):
            return super().delete(*args, **kwargs)

    delete.alters_data = True


class User(AtomicSaveMixin, AbstractUser):
    """A portal user; the role comes from the Django group named after it (see roles.yaml).

    ``access_from`` / ``access_until`` bound when the user may log in at all (used for
    external auditors); outside that window logins are refused and sessions end.
    """

    access_from = models.DateTimeField(
        "access from", null=True, blank=True, help_text="Login refused before this time."
    )
    access_until = models.DateTimeField(
        "access until", null=True, blank=True, help_text="Login refused after this time."
    )
    history = ChainedHistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        ordering = ["username"]

    def __str__(self):
        return self.get_full_name() or self.username


class TrackedModel(AtomicSaveMixin, models.Model):
    """Base of every AIMS record: timestamps, an edit version and full history.

    ``version`` is bumped by the services on every update; edit forms and API updates send
    back the version they were based on, and a stale one is refused (optimistic locking).
    Subclasses declare the matrix ``area`` they belong to and, when they have one, the
    ``owner_field`` used for "own records only" grants.
    """

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    # A background job's deadline (aims_portal.jobs) is bookkeeping, not part of the record.
    history = ChainedHistoricalRecords(inherit=True, excluded_fields=["deadline"])

    area: ClassVar[str]
    owner_field: ClassVar[str | None] = None

    class Meta:
        abstract = True


class AccessLog(models.Model):
    """One page view or download by a user whose reads are logged (auditors).

    Append-only: rows are written by the access-log middleware and never changed; the
    admin shows them read-only and nothing offers to edit or delete them.
    """

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="access_log")
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=2000)
    query = models.CharField(max_length=2000, blank=True)
    status = models.PositiveSmallIntegerField()
    is_download = models.BooleanField(default=False)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user", "at"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.user} {self.method} {self.path}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Access log entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Access log entries cannot be deleted.")


class Notification(models.Model):
    """An in-app notice to one user (also e-mailed); ``key`` names the event it is about,
    and is unique per user, so an event is notified once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    key = models.CharField(max_length=200)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="one_notification_per_event")
        ]

    def __str__(self):
        return f"{self.user}: {self.title}"


class ReferenceCounter(models.Model):
    """The last number given out under one reference stem of one model (``key`` is e.g.
    ``assessments.risk:RISK-``). ``next_reference`` locks the row while it takes the next
    number, so concurrent creates queue for it instead of taking the same reference."""

    key = models.CharField(max_length=150, primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.key} {self.last}"


from .ledger.models import (  # noqa: E402,F401
    Checkpoint,
    EvidenceBundle,
    HeldCheckpoint,
    LedgerEntry,
    VerificationRun,
)
