"""Reminder source: corrective actions past their due date. One notice per action and due
date, to its owner and to the owner of the audit programme or review it comes from, so a
new due date is a new event and the same one is never notified twice."""

from django.utils import timezone

from aims_portal.notifications import Reminder, reminder_source

from . import selectors


@reminder_source
def overdue_corrective_actions():
    today = timezone.localdate()
    late = selectors.overdue_actions().select_related(
        "owner", "finding__audit__programme__owner", "review__chair"
    )
    for action in late:
        key = f"action-overdue:{action.pk}:{action.due_date.isoformat()}"
        days = (today - action.due_date).days
        body = (
            f"{action.reference} “{action.title}” was due on {action.due_date:%d %b %Y} "
            f"({days} day{'s' if days != 1 else ''} ago) and is "
            f"{action.get_status_display().lower()}."
        )
        url = action.get_absolute_url()
        yield Reminder(
            action.owner, key, f"Corrective action {action.reference} is overdue", body, url
        )
        accountable = (
            action.finding.audit.programme.owner if action.finding_id else action.review.chair
        )
        if accountable.pk != action.owner_id:
            yield Reminder(
                accountable,
                key,
                f"{action.reference} is overdue (owner: {action.owner})",
                body,
                url,
            )
