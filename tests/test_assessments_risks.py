"""The risk register: scores, links to systems, editing rules and four-eyes acceptance."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from aims_portal import history
from assessments import services
from assessments.models import Risk

from . import factories

pytestmark = pytest.mark.django_db


def test_create_numbers_the_risk_and_stores_both_scores(lead):
    first = factories.risk(lead, inherent_likelihood=4, inherent_impact=5)
    second = factories.risk(lead)
    assert first.reference == "RISK-001"
    assert second.reference == "RISK-002"
    assert (first.inherent_score, first.residual_score) == (20, 4)


def test_linked_systems_are_kept_in_each_version(lead):
    a = factories.ai_system(lead, slug="alpha")
    b = factories.ai_system(lead, slug="beta")
    risk = factories.risk(lead, systems=[a])
    assert list(risk.systems.all()) == [a]
    risk = services.risk_update(
        risk, actor=lead, data={"systems": [a, b]}, expected_version=1, reason="Also beta"
    )
    older, newer = risk.history.order_by("history_id")
    # The links are recorded once, with the version: the diff names the change once.
    changes = history.diff(Risk, older, newer)
    assert [(c.name, c.old, c.new) for c in changes] == [("systems", str(a), f"{a}\n{b}")]
    assert set(b.risks.all()) == {risk}


def test_ratings_outside_the_matrix_are_refused(lead):
    with pytest.raises(ValidationError, match="between 1 and 5"):
        factories.risk(lead, inherent_likelihood=6)
    assert not Risk.objects.exists()


def test_request_acceptance_needs_a_plan_and_a_review_date(lead):
    risk = factories.risk(lead, treatment_plan="")
    with pytest.raises(ValidationError) as refused:
        services.risk_transition(risk, "request_acceptance", actor=lead)
    assert len(refused.value.messages) == 2


@pytest.fixture
def pending(lead, owner):
    risk = factories.risk(lead, owner=owner, review_date="2027-01-31")
    return services.risk_transition(risk, "request_acceptance", actor=lead)


def test_the_risk_owner_cannot_accept_their_risk(pending, owner, admin_user):
    pending.owner = admin_user
    pending.save()
    with pytest.raises(PermissionDenied, match="Four-eyes"):
        services.risk_transition(pending, "accept", actor=admin_user)


def test_whoever_asked_cannot_accept(lead, owner, admin_user):
    risk = factories.risk(lead, owner=owner, review_date="2027-01-31")
    risk = services.risk_transition(risk, "request_acceptance", actor=admin_user)
    with pytest.raises(PermissionDenied, match="named in its “acceptance requested by” field"):
        services.risk_transition(risk, "accept", actor=admin_user)


def test_an_approver_other_than_the_owner_accepts(pending, executive):
    accepted = services.risk_transition(pending, "accept", actor=executive, reason="In appetite")
    assert accepted.status == "accepted"
    assert accepted.accepted_by == executive
    assert accepted.accepted_at is not None
    assert accepted.history.latest("history_id").history_user == executive


def test_a_governance_lead_cannot_accept(pending, make_user):
    with pytest.raises(PermissionDenied):
        services.risk_transition(pending, "accept", actor=make_user("governance_lead"))


def test_decline_needs_a_reason_and_reopens(pending, executive):
    with pytest.raises(ValidationError, match="Say why"):
        services.risk_transition(pending, "decline", actor=executive)
    declined = services.risk_transition(pending, "decline", actor=executive, reason="Too high")
    assert declined.status == "open"
    assert declined.acceptance_requested_by is None


def test_an_accepted_risk_is_not_edited_until_reopened(pending, executive, lead):
    accepted = services.risk_transition(pending, "accept", actor=executive)
    with pytest.raises(ValidationError, match="reopen it"):
        services.risk_update(
            accepted, actor=lead, data={"title": "x"}, expected_version=accepted.version, reason="y"
        )
    reopened = services.risk_transition(accepted, "reopen", actor=lead, reason="New threat")
    assert reopened.status == "open" and reopened.accepted_by is None
    updated = services.risk_update(
        reopened,
        actor=lead,
        data={"inherent_impact": 5},
        expected_version=reopened.version,
        reason="Worse",
    )
    assert updated.inherent_score == 15


def test_close_needs_a_reason_and_is_refused_while_pending(pending, lead):
    with pytest.raises(ValidationError, match="not possible while the record is Awaiting"):
        services.risk_transition(pending, "close", actor=lead, reason="Done")
    risk = factories.risk(lead)
    with pytest.raises(ValidationError, match="Say why"):
        services.risk_transition(risk, "close", actor=lead)
    assert services.risk_transition(risk, "close", actor=lead, reason="Gone").status == "closed"


def test_a_system_owner_edits_only_their_own_risks(lead, owner):
    theirs = factories.risk(lead, owner=owner)
    others = factories.risk(lead)
    mine = services.risk_update(
        theirs, actor=owner, data={"title": "Mine"}, expected_version=1, reason="r"
    )
    assert mine.title == "Mine"
    with pytest.raises(PermissionDenied):
        services.risk_update(
            others, actor=owner, data={"title": "No"}, expected_version=1, reason="r"
        )


def test_risk_form_creates_a_risk(client_for, lead):
    system = factories.ai_system(lead)
    response = client_for(lead).post(
        "/assessments/risks/new/",
        {
            "title": "Jailbreak prompts",
            "systems": [system.pk],
            "owner": lead.pk,
            "inherent_likelihood": 4,
            "inherent_impact": 3,
            "treatment": "mitigate",
            "treatment_plan": "Input filter",
            "residual_likelihood": 2,
            "residual_impact": 3,
        },
    )
    risk = Risk.objects.get()
    assert response.status_code == 302
    assert (risk.inherent_score, list(risk.systems.all())) == (12, [system])


@pytest.mark.parametrize("bad", ["9223372036854775808", "-9223372036854775809", "12345"])
def test_an_unknown_or_impossible_system_id_is_refused_by_name(client_for, lead, bad):
    system = factories.ai_system(lead)
    response = client_for(lead).post(
        "/assessments/risks/new/",
        {
            "title": "Jailbreak prompts",
            "systems": [system.pk, bad],
            "owner": lead.pk,
            "inherent_likelihood": 4,
            "inherent_impact": 3,
            "treatment": "mitigate",
            "treatment_plan": "Input filter",
            "residual_likelihood": 2,
            "residual_impact": 3,
        },
    )
    assert response.status_code == 400
    assert f"Select a valid choice. {bad} is not one of the available choices." in (
        response.content.decode()
    )
    assert not Risk.objects.exists()
