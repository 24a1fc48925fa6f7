"""Reminders before each certification audit and before the certificate expires: once per
record and date, again when the date moves."""

from datetime import date, timedelta

import pytest

from aims_portal.models import Notification
from aims_portal.notifications import send_reminders
from audits import services

from . import factories
from .test_controls_catalogue import catalogue  # noqa: F401  (autouse fixture)

pytestmark = pytest.mark.django_db

TODAY = date.today()
DAY = timedelta(days=1)


def notices(user, prefix):
    return list(
        Notification.objects.filter(user=user, key__startswith=prefix).values_list("key", "title")
    )


def test_an_audit_within_30_days_is_announced_once_and_again_when_moved(lead):
    body = factories.certification_body(lead)
    far = factories.certification_audit(lead, body, "stage1", start=TODAY + 60 * DAY)
    send_reminders()
    assert notices(lead, "certification-audit:") == []
    far = services.certification_audit_update(
        far,
        actor=lead,
        data={"planned_start": TODAY + 12 * DAY, "planned_end": TODAY + 13 * DAY},
        expected_version=far.version,
        reason="Body offered an earlier date",
    )
    send_reminders()
    send_reminders()
    [(key, title)] = notices(lead, "certification-audit:")
    assert key == f"certification-audit:{far.pk}:{far.planned_start.isoformat()}"
    assert "in 12 days" in title
    services.certification_audit_update(
        far,
        actor=lead,
        data={"planned_start": TODAY + 14 * DAY, "planned_end": TODAY + 15 * DAY},
        expected_version=far.version,
        reason="Moved again",
    )
    send_reminders()
    assert len(notices(lead, "certification-audit:")) == 2


def test_a_cancelled_audit_is_not_announced(lead):
    body = factories.certification_body(lead)
    audit = factories.certification_audit(lead, body, "stage1", start=TODAY + 5 * DAY)
    services.certification_audit_update(
        audit, actor=lead, data={"status": "cancelled"}, expected_version=1, reason="Off"
    )
    send_reminders()
    assert notices(lead, "certification-audit:") == []


def test_certificate_expiry_is_notified_once_per_expiry_date(lead, executive):
    body = factories.certification_body(lead)
    start = TODAY - 1000 * DAY
    for kind, offset, outcome in (("stage1", 0, "proceed"), ("stage2", 20, "recommended")):
        factories.certification_audit(
            lead,
            body,
            kind,
            start=start + offset * DAY,
            status="completed",
            completed_on=start + (offset + 1) * DAY,
            outcome=outcome,
        )
    stage_2 = body.audits.get(kind="stage2")
    certificate = services.certificate_create(
        actor=lead,
        data={
            "number": "C-77",
            "granted_by": stage_2,
            "scope": "All AI systems",
            "issued_on": start + 30 * DAY,
            "expires_on": TODAY + 200 * DAY,
            "owner": executive,
        },
    )
    send_reminders()
    assert notices(executive, "certificate-expiry:") == []
    certificate = services.certificate_update(
        certificate,
        actor=lead,
        data={"expires_on": TODAY + 60 * DAY},
        expected_version=certificate.version,
        reason="Corrected from the certificate",
    )
    send_reminders()
    send_reminders()
    [(key, title)] = notices(executive, "certificate-expiry:")
    assert key == f"certificate-expiry:{certificate.pk}:{(TODAY + 60 * DAY).isoformat()}"
    assert "C-77" in title
