"""Lineage and incidents: model versions close the previous one, data sources and incidents
belong to active systems their owner may touch, the incident workflow needs its write-ups."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from registry import services
from registry.models import Incident, ModelVersion

from . import factories

pytestmark = pytest.mark.django_db


def at(day):
    return timezone.make_aware(datetime.datetime(2026, 1, day, 9))


def version(actor, system, label, day):
    return services.model_version_create(
        actor=actor, data={"system": system, "label": label, "deployed_at": at(day)}
    )


def test_a_new_version_closes_the_previous_one(lead):
    system = factories.ai_system(lead)
    first = version(lead, system, "v1", 1)
    version(lead, system, "v2", 10)
    first.refresh_from_db()
    assert first.superseded_at == at(10)
    assert list(
        ModelVersion.objects.filter(superseded_at__isnull=True).values_list("label", flat=True)
    ) == ["v2"]
    assert first.history.latest("history_id").history_change_reason == "Superseded by version v2"


def test_version_cannot_end_before_it_starts(lead):
    system = factories.ai_system(lead)
    with pytest.raises(ValidationError, match="cannot end before"):
        services.model_version_create(
            actor=lead,
            data={"system": system, "label": "v1", "deployed_at": at(5), "superseded_at": at(2)},
        )


def test_owner_adds_sources_only_to_own_systems(owner, lead):
    mine = factories.ai_system(lead, owner=owner)
    theirs = factories.ai_system(lead)
    source = services.data_source_create(
        actor=owner, data={"system": mine, "kind": "rag", "name": "KB", "pii": False}
    )
    assert source.position == 0
    with pytest.raises(PermissionDenied):
        services.data_source_create(
            actor=owner, data={"system": theirs, "kind": "rag", "name": "KB"}
        )


def test_nothing_new_on_a_retired_system(lead, executive):
    system = factories.ai_system(lead)
    change = factories.change_request(lead, system, target_stage="retired")
    services.change_request_transition(change, "approve", actor=executive)
    system.refresh_from_db()
    assert system.decommission_date == timezone.localdate()
    with pytest.raises(ValidationError, match="retired"):
        services.incident_create(
            actor=lead,
            data={
                "system": system,
                "title": "x",
                "severity": "low",
                "detected_at": at(1),
                "detection": "staff",
                "description": "x",
            },
        )


def incident(actor, system, **extra):
    return services.incident_create(
        actor=actor,
        data={
            "system": system,
            "title": "Wrong answer",
            "severity": "high",
            "detected_at": at(3),
            "detection": "user_report",
            "description": "A customer was told the wrong refund policy.",
            **extra,
        },
    )


def test_incident_steps_need_their_write_ups(owner, lead):
    system = factories.ai_system(lead, owner=owner)
    case = incident(owner, system)
    assert case.reported_by == owner
    with pytest.raises(ValidationError, match="containment"):
        services.incident_transition(case, "contain", actor=owner)
    case = services.incident_update(
        case,
        actor=owner,
        data={"containment": "Answers on refunds switched off."},
        expected_version=case.version,
        reason="Contained",
    )
    case = services.incident_transition(case, "contain", actor=owner)
    assert case.status == Incident.Status.CONTAINED
    with pytest.raises(ValidationError, match="investigation"):
        services.incident_transition(case, "resolve", actor=owner)


def test_closing_needs_a_postmortem_and_another_person(owner, lead):
    system = factories.ai_system(lead, owner=owner)
    case = incident(
        owner, system, investigation="Stale policy page.", postmortem="Refresh nightly."
    )
    case = services.incident_transition(case, "resolve", actor=owner)
    with pytest.raises(PermissionDenied, match="Four-eyes"):
        services.incident_transition(case, "close", actor=owner)
    case = services.incident_transition(case, "close", actor=lead)
    assert case.status == Incident.Status.CLOSED
    with pytest.raises(ValidationError, match="closed incident"):
        services.incident_update(
            case, actor=lead, data={"title": "x"}, expected_version=case.version, reason="late"
        )


def test_incident_steps_over_the_api(client_for, owner, lead):
    system = factories.ai_system(lead, owner=owner)
    case = incident(owner, system, containment="Switched off.")
    response = client_for(owner).post(
        f"/api/v1/registry/incidents/{case.pk}/step/contain/", {}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "contained"
    bad = client_for(owner).post(
        f"/api/v1/registry/incidents/{case.pk}/step/close/", {}, content_type="application/json"
    )
    assert bad.status_code == 400
