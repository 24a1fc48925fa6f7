"""The portal's user and the base every record type inherits from."""

import hashlib
import secrets
import uuid
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.search import SearchVectorField
from django.db import models, router, transaction
from simple_history.models import HistoricalRecords

from .links import record_url


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

    def get_meta_options(self, model):
        """The history table's indexes: a record's versions are read newest first, one page
        at a time, and the version that started its link history is looked up (see
        aims_portal.history). Without an index on (record, version) PostgreSQL walks the
        versions of every record back from the newest, or reads all of this record's, to
        find one page; without the partial index, finding the start of the links reads every
        version of a record created after link history began."""
        options = super().get_meta_options(model)
        record = model._meta.pk.attname
        indexes = [*options.get("indexes", ()), models.Index(fields=(record, "history_id"))]
        reason = getattr(model, "_history_links_start_reason", None)
        if reason is not None:
            table = f"{model._meta.app_label}_historical{model._meta.model_name}"
            digest = hashlib.md5(table.encode(), usedforsecurity=False).hexdigest()[:8]
            indexes.append(
                models.Index(
                    fields=(record, "history_id"),
                    condition=models.Q(history_change_reason=reason),
                    name=f"history_links_start_{digest}",
                )
            )
        options["indexes"] = tuple(indexes)
        # A record type that moved to another app keeps its tables, its history's included.
        table = getattr(model, "_history_table", None)
        if table is not None:
            options["db_table"] = table
        return options

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
    # Groups carry the roles: every version keeps them (aims_portal.history_links), so the
    # current-state check sees a group membership granted behind the portal's back.
    _history_m2m_fields: ClassVar[list[str]] = ["groups"]
    _history_links_start_reason: ClassVar[str] = (
        "Role history starts: the user's groups are recorded from this version on "
        "(they were not versioned before)"
    )

    class Meta:
        ordering = ["username"]

    # What __str__ reads: all a list page loads of a joined user (records/joins.py).
    name_fields = ("username", "first_name", "last_name")

    def __str__(self):
        return self.get_full_name() or self.username


def sort_indexes(*columns):
    """One index per sort a record list offers (a column name, or a tuple for a sort on
    several columns), so that PostgreSQL reads the first page of a large table in order
    instead of sorting all of it. A descending sort reads the same index backwards."""
    return [models.Index(fields=[c] if isinstance(c, str) else list(c)) for c in columns]


class RecordQuerySet(models.QuerySet):
    """Filters every record type shares, by name, so that "active" and "retired" mean the
    same everywhere. A record is retired when its ``retired_at`` is set; AI systems, whose
    retirement is a lifecycle stage, override both (registry.models.AISystemQuerySet)."""

    def active(self):
        """Records still in use: not retired."""
        return self.filter(retired_at__isnull=True)

    def retired(self):
        return self.filter(retired_at__isnull=False)


class TrackedModel(AtomicSaveMixin, models.Model):
    """Base of every AIMS record: timestamps, an edit version and full history.

    ``version`` is bumped by the services on every update; edit forms and API updates send
    back the version they were based on, and a stale one is refused (optimistic locking).
    Subclasses declare the matrix ``area`` they belong to and, when they have one, the
    ``owner_field`` used for "own records only" grants, and ``system_link``: the field (a
    foreign key or a many-to-many) that ties the record to AI systems, which someone with
    only "own" grants may point only at systems they own.
    """

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    # A background job's deadline (aims_portal.jobs) is bookkeeping, not part of the record.
    history = ChainedHistoricalRecords(inherit=True, excluded_fields=["deadline"])

    objects = RecordQuerySet.as_manager()

    area: ClassVar[str]
    owner_field: ClassVar[str | None] = None
    system_link: ClassVar[str | None] = None

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
    event = models.CharField(
        max_length=40, blank=True, help_text="The event type (see aims_portal.events)."
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="one_notification_per_event")
        ]

    def __str__(self):
        return f"{self.user}: {self.title}"


class APIToken(models.Model):
    """A user's personal API key, stored only as its SHA-256.

    The key is 20 random bytes (160 bits), shown once when it is made; a hash of that much
    randomness cannot be reversed or guessed, so a plain SHA-256 (no salt, no slow hash) is
    enough and lets a request find its token by one indexed lookup. ``key_prefix`` (the first
    characters) lets the owner recognise the token afterwards.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="api_token")
    key_hash = models.CharField(max_length=64, unique=True)
    key_prefix = models.CharField(max_length=12)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "API token"

    def __str__(self):
        return f"{self.user} ({self.key_prefix}…)"


class ReferenceCounter(models.Model):
    """The last number given out under one reference stem of one model (``key`` is e.g.
    ``assessments.risk:RISK-``). ``next_reference`` locks the row while it takes the next
    number, so concurrent creates queue for it instead of taking the same reference."""

    key = models.CharField(max_length=150, primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.key} {self.last}"


# --- Working together: comments, notification preferences, webhooks, the search index ----
class Comment(models.Model):
    """A remark on any record, with @mentions; kept in history (and so in the ledger).

    Who may read or write one follows the commented record's area (``record_area``, copied
    so that lists filter by it): the services check it. The model's own ``area`` (where the
    ledger files its history) is the dashboard's, which every role may view.
    """

    area: ClassVar[str] = "dashboard"

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    record_area = models.CharField(max_length=30)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="comments"
    )
    body = models.TextField(max_length=5000)
    mentions = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="mentioned_in"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    # The mentions are kept in every version (aims_portal.history_links).
    _history_m2m_fields: ClassVar[list[str]] = ["mentions"]
    history = ChainedHistoricalRecords()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id", "created_at"])]

    def __str__(self):
        return f"Comment by {self.author} on {self.created_at:%d %b %Y %H:%M}"


class NotificationPreference(models.Model):
    """How one user wants to be told: each notice by e-mail, or one e-mail a day."""

    area: ClassVar[str] = "administration"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    daily_digest = models.BooleanField(
        "daily digest",
        default=False,
        help_text="One e-mail a day with the day's notifications, instead of one per event.",
    )
    history = ChainedHistoricalRecords()

    def __str__(self):
        return f"{self.user}: {'daily digest' if self.daily_digest else 'each event'}"


def new_webhook_secret():
    return secrets.token_urlsafe(32)


class WebhookEndpoint(models.Model):
    """A URL the portal POSTs signed JSON to when one of ``events`` happens.

    The secret signs every delivery (HMAC-SHA256); it is not kept in the history, so the
    ledger and evidence bundles never carry it.
    """

    area: ClassVar[str] = "administration"

    name = models.CharField(max_length=100)
    url = models.URLField("URL", max_length=500)
    events = models.JSONField(default=list, help_text="Event types sent to this URL.")
    secret = models.CharField(max_length=100, default=new_webhook_secret, editable=False)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    history = ChainedHistoricalRecords(excluded_fields=["secret"])

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):

        return record_url("webhook-detail", self.pk)


class WebhookDelivery(models.Model):
    """One event sent (or to be sent) to one endpoint: the delivery log.

    ``event_key`` names the event; it is unique per endpoint, so an event is queued once
    for each endpoint however often it is raised. ``delivery_id`` goes out in the request,
    so a receiver can drop a delivery it has already processed.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RETRYING = "retrying", "Retrying"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    delivery_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event = models.CharField(max_length=40)
    event_key = models.CharField(max_length=200)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_key"], name="one_delivery_per_event")
        ]
        indexes = [models.Index(fields=["endpoint", "created_at"])]

    def __str__(self):
        return f"{self.event} → {self.endpoint} ({self.get_status_display()})"


class SearchEntry(models.Model):
    """One searchable record: its title and text, kept current by aims_portal.search.

    On PostgreSQL ``vector`` holds the weighted text search vector (title A, text B) behind
    a GIN index (migration 0010); on SQLite it stays empty and the search reads the text.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    area = models.CharField(max_length=30)
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500)
    updated_at = models.DateTimeField(auto_now=True)
    vector = SearchVectorField(null=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id"], name="one_search_entry")
        ]
        indexes = [models.Index(fields=["area"])]

    def __str__(self):
        return self.title
