import django_tables2 as tables

from aims_portal.records.tables import RecordTable
from controls.tables import BadgeColumn

from .models import (
    Communication,
    Competence,
    ContextIssue,
    InterestedParty,
    Measurement,
    Objective,
    PolicyAcknowledgement,
    RaciAssignment,
    ScopeStatement,
    TrainingRecord,
)

SCOPE_TONES = {"draft": "secondary", "in_review": "warning", "approved": "success"}
KIND_TONES = {"internal": "info", "external": "primary"}
RACI_TONES = {"R": "primary", "A": "danger", "C": "info", "I": "secondary"}


class ContextIssueTable(RecordTable):
    reference = tables.Column(linkify=True)
    title = tables.Column(linkify=True)
    kind = BadgeColumn(KIND_TONES)
    owner = tables.Column(order_by=("owner__username",))

    class Meta:
        model = ContextIssue
        fields = ("reference", "title", "kind", "category", "owner", "review_date")
        empty_text = "No context issues match."


class InterestedPartyTable(RecordTable):
    reference = tables.Column(linkify=True)
    name = tables.Column(linkify=True)
    owner = tables.Column(order_by=("owner__username",))
    addressed = tables.Column(accessor="how_addressed", verbose_name="Addressed", orderable=False)

    class Meta:
        model = InterestedParty
        fields = ("reference", "name", "category", "basis", "addressed", "owner")
        empty_text = "No interested parties match."

    def render_addressed(self, value):
        return "Yes" if value else "Not yet"

    def value_addressed(self, value):
        return "yes" if value else "no"


class ScopeStatementTable(RecordTable):
    title = tables.Column(linkify=True)
    status = BadgeColumn(SCOPE_TONES)
    approved_by = tables.Column(orderable=False)

    class Meta:
        model = ScopeStatement
        fields = ("title", "scope_version", "status", "owner", "approved_by", "approved_at")
        empty_text = "No scope statement yet."


class PolicyAcknowledgementTable(RecordTable):
    document = tables.Column(linkify=True, order_by=("document__ref",))
    person = tables.Column(order_by=("person__username",))
    acknowledged_at = tables.Column(linkify=True)

    class Meta:
        model = PolicyAcknowledgement
        fields = ("person", "document", "doc_version", "acknowledged_at")
        empty_text = "No acknowledgements match."


class RaciAssignmentTable(RecordTable):
    activity = tables.Column(linkify=True)
    system = tables.Column(orderable=False)
    person = tables.Column(order_by=("person__username",))
    role = BadgeColumn(RACI_TONES)

    class Meta:
        model = RaciAssignment
        fields = ("process", "system", "activity", "role", "person")
        empty_text = "No RACI lines match."


class ObjectiveTable(RecordTable):
    reference = tables.Column(linkify=True)
    title = tables.Column(linkify=True)
    owner = tables.Column(order_by=("owner__username",))
    # Targets and readings are in each objective's own unit: sorting them mixes units.
    target = tables.Column(orderable=False)
    unit = tables.Column(orderable=False)
    latest_value = tables.Column(verbose_name="Latest reading", orderable=False)

    class Meta:
        model = Objective
        fields = ("reference", "title", "owner", "target", "unit", "latest_value", "due_date")
        empty_text = "No objectives match."

    def render_target(self, value):
        return format(value.normalize(), "f")

    def render_latest_value(self, value):
        return format(value.normalize(), "f")


class MeasurementTable(RecordTable):
    objective = tables.Column(order_by=("objective__reference",))
    measured_on = tables.Column(linkify=True)
    source = tables.Column(orderable=False)
    recorded_by = tables.Column(orderable=False)
    note = tables.Column(orderable=False)

    class Meta:
        model = Measurement
        fields = ("objective", "measured_on", "value", "source", "recorded_by", "note")
        empty_text = "No measurements match."


class CompetenceTable(RecordTable):
    reference = tables.Column(linkify=True)
    name = tables.Column(linkify=True)
    system = tables.Column(orderable=False)
    validity_months = tables.Column(orderable=False)

    class Meta:
        model = Competence
        fields = ("reference", "name", "role", "system", "validity_months")
        empty_text = "No competences match."


class TrainingRecordTable(RecordTable):
    activity = tables.Column(linkify=True)
    person = tables.Column(order_by=("person__username",))
    competence = tables.Column(order_by=("competence__reference",))

    class Meta:
        model = TrainingRecord
        fields = ("person", "competence", "activity", "completed_on", "expires_on")
        empty_text = "No training records match."


class CommunicationTable(RecordTable):
    topic = tables.Column(linkify=True)
    responsible = tables.Column(order_by=("responsible__username",))
    audience = tables.Column(orderable=False)
    timing = tables.Column(orderable=False)
    channel = tables.Column(orderable=False)

    class Meta:
        model = Communication
        fields = (
            "topic",
            "audience",
            "audience_kind",
            "timing",
            "channel",
            "responsible",
            "next_due",
        )
        empty_text = "No communications match."
