"""Management reviews: the inputs the top management looks at, what it decides, and the
figures of the day frozen into the record when the review is completed."""

from typing import ClassVar

from django.conf import settings
from django.db import models

from aims_portal.history_links import LINKS_START_REASON
from aims_portal.links import record_url
from aims_portal.models import TrackedModel, sort_indexes


class ManagementReview(TrackedModel):
    area = "audits"
    # Every version keeps its links too (aims_portal.history_links).
    _history_m2m_fields: ClassVar[list[str]] = ["attendees"]
    _history_links_start_reason: ClassVar[str] = LINKS_START_REASON
    # Removed: a text copy of the links; older versions keep its value for the ledger
    # (integrity.evolution).
    _history_removed_fields: ClassVar = {"0006_remove_link_text_copies": ("attendee_names",)}

    class Status(models.TextChoices):
        DRAFT = "draft", "In preparation"
        COMPLETED = "completed", "Completed"

    reference = models.CharField("ID", max_length=20, unique=True, editable=False)
    title = models.CharField(max_length=200, default="AIMS management review")
    meeting_date = models.DateField("meeting date")
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="chaired_reviews"
    )
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="attended_reviews"
    )
    other_attendees = models.CharField(
        max_length=500, blank=True, help_text="People without a portal account, comma-separated."
    )
    # Inputs the portal cannot count: written by whoever prepares the review.
    changes_in_issues = models.TextField(
        "changes in external and internal issues",
        blank=True,
        help_text="What changed around the AIMS since the last review (law, market, technology).",
    )
    interested_parties_feedback = models.TextField("feedback from interested parties", blank=True)
    objectives_performance = models.TextField(
        "performance against AI objectives",
        blank=True,
        help_text="How far the AI objectives were met; monitoring and measurement results.",
    )
    improvement_opportunities = models.TextField("opportunities for improvement", blank=True)
    decisions = models.TextField(
        blank=True, help_text="What the review decided; needed to complete it."
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    completed_at = models.DateTimeField(null=True, blank=True, editable=False)
    figures = models.JSONField(
        "frozen figures",
        default=dict,
        blank=True,
        editable=False,
        help_text="The live figures at completion; later changes to records do not alter them.",
    )

    class Meta:
        ordering = ["-meeting_date", "-reference"]
        verbose_name = "management review"
        indexes = sort_indexes(("meeting_date", "reference"), "title", "status", "completed_at")

    # What __str__ reads: all a list page loads of a joined management review (records/joins.py).
    name_fields = ("reference", "title")

    def __str__(self):
        return f"{self.reference} {self.title}"

    def get_absolute_url(self):
        return record_url("audits:review-detail", self.pk)

    @property
    def is_completed(self):
        return self.status == self.Status.COMPLETED
