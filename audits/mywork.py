"""This app's part of "My work" and of the events: corrective actions assigned to the user,
open findings of the audits they lead, and a notice when a finding is raised."""

from django.db.models import Q

from aims_portal import events, mywork, roles
from aims_portal.event_types import FINDING_RAISED

from .models import CorrectiveAction, Finding

mywork.owned_due(
    CorrectiveAction,
    key="actions",
    label="Corrective actions assigned to you",
    date_field="due_date",
    step="Work on the action and take its next step",
    open_filter=Q(status__in=CorrectiveAction.OPEN_STATUSES),
    within_days=36500,  # every open action, however far its due date
    anchor="#steps",
    order=20,
)


def _led_findings(user):
    if not roles.can(user, "view", Finding.area):
        return []
    return [
        Finding.objects.select_related("audit")
        .filter(status=Finding.Status.OPEN, audit__lead_auditor=user)
        .order_by("created_at", "pk")
    ]


mywork.register(
    mywork.WorkSource(
        "findings",
        "Open findings in audits you lead",
        _led_findings,
        lambda finding: mywork.WorkItem(
            finding, "Agree corrective actions, then close", finding.get_absolute_url() + "#steps"
        ),
        order=25,
    )
)


def _finding_recipients(finding):
    """An internal finding goes to the programme owner and the lead auditor; one from the
    certification body goes to whoever coordinates that certification audit."""
    if finding.audit_id is None:
        external = finding.certification_audit
        return [external.owner] if external is not None else []
    audit = finding.audit
    return [audit.programme.owner, audit.lead_auditor]


events.on_create(
    Finding,
    FINDING_RAISED,
    title=lambda finding: f"Finding raised: {finding}",
    recipients=_finding_recipients,
)
