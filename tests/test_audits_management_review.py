"""Management review: inputs pre-filled from live data while in preparation, frozen into the
review on completion, and never moved by later changes."""

import pytest
from django.core.exceptions import ValidationError

from audits import services
from audits.models import ManagementReview

from . import factories
from .test_audits_setup import *  # noqa: F403  (fixtures)
from .test_audits_setup import TODAY, line

pytestmark = pytest.mark.django_db


def open_by_kind(figures):
    return {row["kind"]: row["open"] for row in figures["findings"]}


def test_a_review_in_preparation_shows_live_figures(nc_finding, lead, client):
    review = factories.management_review(lead, lead)
    client.force_login(lead)
    page = client.get(review.get_absolute_url())
    assert page.context["frozen"] is False
    assert open_by_kind(page.context["figures"])["minor_nc"] == 1
    assert "the figures below are live" in page.content.decode()


def test_completing_freezes_the_figures(nc_finding, started_audit, lead, ia, executive, client):
    system = factories.ai_system(lead)
    factories.risk(lead, systems=[system])
    review = factories.management_review(lead, executive)
    review = services.review_complete(review, actor=executive, reason="Held as planned")
    assert review.status == ManagementReview.Status.COMPLETED
    assert review.completed_by == executive
    assert open_by_kind(review.figures)["minor_nc"] == 1
    assert review.figures["risks"]["open_total"] == 1
    frozen = dict(review.figures)

    # Later changes to the records...
    observed = factories.record_line(line(started_audit, "10.2"), ia, "observation")
    factories.finding(observed, ia, kind="observation", title="Agenda unclear")
    factories.risk(lead, title="Another risk")

    # ...leave the completed review as it was.
    review.refresh_from_db()
    assert review.figures == frozen
    client.force_login(lead)
    page = client.get(review.get_absolute_url())
    assert page.context["frozen"] is True
    assert open_by_kind(page.context["figures"])["observation"] == 0
    assert page.context["figures"]["risks"]["open_total"] == 1


def test_completion_needs_decisions_and_a_held_meeting(lead):
    import datetime

    review = factories.management_review(
        lead, lead, decisions="", meeting_date=TODAY + datetime.timedelta(days=3)
    )
    with pytest.raises(ValidationError) as error:
        services.review_complete(review, actor=lead)
    text = " ".join(error.value.messages)
    assert "Record the decisions" in text and "meeting date is in the future" in text
    review.refresh_from_db()
    assert review.status == "draft" and review.figures == {}


def test_a_completed_review_cannot_be_edited(lead):
    review = services.review_complete(factories.management_review(lead, lead), actor=lead)
    with pytest.raises(ValidationError, match="frozen"):
        services.review_update(
            review, actor=lead, data={"decisions": "x"}, expected_version=review.version, reason="x"
        )
    with pytest.raises(ValidationError, match="not possible"):
        services.review_complete(review, actor=lead)


def test_the_next_review_lists_the_previous_review_s_actions(lead, ia2):
    import datetime

    first = factories.management_review(
        lead, lead, meeting_date=TODAY - datetime.timedelta(days=90)
    )
    action = factories.corrective_action(lead, ia2, review=first, title="Hire a second auditor")
    services.review_complete(first, actor=lead)
    second = factories.management_review(lead, lead)
    figures = services.review_complete(second, actor=lead).figures
    assert figures["previous_review"]["reference"] == first.reference
    assert [a["reference"] for a in figures["previous_actions"]] == [action.reference]
    assert figures["previous_actions"][0]["status_label"] == "Open"


def test_review_pages_show_the_charts(lead, client):
    review = factories.management_review(lead, lead)
    client.force_login(lead)
    html = client.get(review.get_absolute_url()).content.decode()
    assert '<title id="findings-open-t">Open findings by type</title>' in html
    assert 'aria-label="Open risks, residual"' in html
