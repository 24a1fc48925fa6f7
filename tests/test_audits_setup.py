"""Shared fixtures of the audits tests (imported by each test_audits_* module)."""

import datetime

import pytest

from aims_portal import roles
from audits.models import ChecklistLine

from . import factories
from .test_controls_catalogue import catalogue  # autouse: the catalogue

__all__ = ["catalogue", "ia", "ia2", "nc_finding", "planned_audit", "started_audit"]

TODAY = datetime.date.today()


@pytest.fixture
def ia(make_user):
    """An internal auditor: a governance lead who owns nothing in the audited scope."""
    return make_user(roles.GOVERNANCE_LEAD, username="ia", first_name="Ina", last_name="Auditor")


@pytest.fixture
def ia2(make_user):
    return make_user(roles.GOVERNANCE_LEAD, username="ia2", first_name="Ivo", last_name="Second")


@pytest.fixture
def planned_audit(lead, ia):
    return factories.audit(lead, ia, controls=("A.6.2.4",))


@pytest.fixture
def started_audit(planned_audit, lead):
    from audits import services

    return services.audit_transition(planned_audit, "start", actor=lead)


def line(audit, ref):
    return ChecklistLine.objects.select_related("audit").get(audit=audit, ref=ref)


@pytest.fixture
def nc_finding(started_audit, ia):
    """A minor nonconformity raised on line 9.2 of an audit in progress."""
    nc_line = factories.record_line(line(started_audit, "9.2"), ia, "nonconformity")
    return factories.finding(nc_line, ia)
