"""The integrity card on the dashboard: chain length, checkpoints, last verification."""

from django.urls import reverse

from aims_portal.dashboard import Card, Row, card

from .models import Checkpoint, VerificationRun
from .selectors import head


@card("ledger", order=900)
def integrity_card(user):
    url = reverse("ledger:integrity")
    last_run = VerificationRun.objects.exclude(status=VerificationRun.Status.RUNNING).first()
    top = head()
    rows = [
        Row("Ledger entries", top["sequence"] if top else 0, url, "primary"),
        Row("Signed checkpoints", Checkpoint.objects.count(), url, "secondary"),
    ]
    if last_run is not None:
        problems = len(last_run.problems)
        rows.append(
            Row(
                "Problems at the last verification",
                problems,
                url,
                "danger" if problems or last_run.status != "ok" else "success",
            )
        )
    return Card(title="Integrity ledger", rows=rows, url=url)
