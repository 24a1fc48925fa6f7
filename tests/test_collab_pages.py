"""My work, search, comments and webhook pages: what each shows, to whom, and at a constant
number of queries whatever the number of records."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aims_portal import search
from aims_portal.models import Comment, WebhookEndpoint
from assessments import services as assessments

from . import factories

pytestmark = pytest.mark.django_db


def submitted_assessments(lead, n):
    for _ in range(n):
        assessments.assessment_transition(factories.impact_assessment(lead), "submit", actor=lead)


def queries(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured), response


def test_my_work_lists_the_approvals_waiting_and_counts_them_in_the_header(client, lead, executive):
    submitted_assessments(lead, 2)
    client.force_login(executive)
    response = client.get(reverse("my-work"))
    assert response.status_code == 200
    assert response.context["my_work_count"] == 2
    approvals = response.context["groups"][0]
    assert approvals["source"].key == "approvals"
    assert all(item.url.endswith("#steps") for item in approvals["items"])
    assert b'id="my-work-count"' in response.content
    # The submitter sees nothing to approve: four-eyes.
    client.force_login(lead)
    assert client.get(reverse("my-work")).context["my_work_count"] == 0


def test_my_work_lists_the_owner_s_overdue_risk_review(client, owner):
    action_owner_sees = factories.risk(owner, review_date="2026-01-01")
    client.force_login(owner)
    response = client.get(reverse("my-work"))
    keys = [group["source"].key for group in response.context["groups"]]
    assert "risk-reviews" in keys
    item = response.context["groups"][keys.index("risk-reviews")]["items"][0]
    assert item.record == action_owner_sees and item.overdue


def test_my_work_keeps_its_query_count(client, lead, executive):
    client.force_login(executive)
    submitted_assessments(lead, 1)
    small, _ = queries(client, reverse("my-work"))
    submitted_assessments(lead, 6)
    large, response = queries(client, reverse("my-work"))
    assert len(response.context["groups"][0]["items"]) == 7
    assert large == small


def test_search_finds_by_words_and_keeps_its_query_count(client, lead):
    factories.risk(lead, title="Prompt injection through retrieved documents")
    client.force_login(lead)
    small, response = queries(client, reverse("search") + "?q=injection")
    assert response.context["results"][0].title.endswith(
        "Prompt injection through retrieved documents"
    )
    for i in range(6):
        factories.risk(lead, title=f"Injection variant {i}")
    large, response = queries(client, reverse("search") + "?q=injection")
    assert len(response.context["results"]) == 7
    assert large == small


def test_search_never_shows_an_area_the_user_may_not_view(client, lead, owner):
    factories.risk(lead, title="Quarterly vendor injection review")
    # A webhook is administration; even if indexed, nobody but administrators sees it.
    search.SearchEntry.objects.create(
        content_type=ContentType.objects.get_for_model(WebhookEndpoint),
        object_id=999999,
        area="administration",
        title="injection secret admin entry",
        url="/admin/",
    )
    client.force_login(owner)
    titles = [e.title for e in client.get(reverse("search") + "?q=injection").context["results"]]
    assert any("vendor injection" in t for t in titles)
    assert not any("secret admin" in t for t in titles)


def test_a_scoped_auditor_finds_only_records_within_the_scope(client, admin_user, lead, auditor):
    from identity import services as identity

    inside = factories.ai_system(lead, name="Injection scoring inside")
    outside = factories.ai_system(lead, name="Injection scoring outside")
    factories.risk(lead, title="Injection risk inside", systems=[inside])
    factories.risk(lead, title="Injection risk outside", systems=[outside])
    client.force_login(auditor)
    unscoped, response = queries(client, reverse("search") + "?q=injection")
    assert "outside" in " | ".join(e.title for e in response.context["results"])
    identity.access_scope_set(
        auditor, actor=admin_user, teams=[], systems=[inside], reason="Engaged for one system"
    )
    scoped, response = queries(client, reverse("search") + "?q=injection")
    titles = " | ".join(e.title for e in response.context["results"])
    assert "inside" in titles
    assert "outside" not in titles
    assert scoped <= unscoped + 2  # the narrowing is subqueries of the same search query
    api = client.get("/api/v1/search/?q=injection").json()
    assert "outside" not in str(api) and "inside" in str(api)


def test_a_bad_query_shows_the_page(client, lead):
    client.force_login(lead)
    for q in ("", "\x00", "a" * 5000, '"unbalanced', "-", "&|!"):
        assert client.get(reverse("search"), {"q": q}).status_code == 200


def test_commenting_on_a_record_page(client, owner, lead):
    system = factories.ai_system(owner)
    client.force_login(owner)
    url = reverse("comment-add", args=["registry", "aisystem", system.pk])
    response = client.post(url, {"body": "Ready for review, @lead"})
    assert response.status_code == 302
    page = client.get(system.get_absolute_url())
    assert b"Ready for review, @lead" in page.content
    assert page.context["record_comments"][0].mentions.get() == lead
    # Nothing but whitespace: refused with a message, nothing stored.
    client.post(url, {"body": "  "})
    assert Comment.objects.count() == 1


def test_a_record_page_keeps_its_query_count_with_comments(client, owner, lead):
    from aims_portal import comments

    system = factories.ai_system(owner)
    comments.comment_create(system, actor=owner, body="First @lead")
    client.force_login(lead)
    small, _ = queries(client, system.get_absolute_url())
    for i in range(8):
        comments.comment_create(system, actor=owner, body=f"Note {i} @lead")
    large, response = queries(client, system.get_absolute_url())
    assert len(response.context["record_comments"]) == 9
    assert large == small


def test_only_administrators_manage_webhooks(client, lead, admin_user):
    client.force_login(lead)
    assert client.get(reverse("webhook-list")).status_code == 403
    assert client.post(reverse("webhook-create"), {}).status_code == 403
    client.force_login(admin_user)
    data = {"name": "Slack", "url": "https://hooks.example.test/x", "events": ["mentioned"]}
    response = client.post(reverse("webhook-create"), {**data, "active": "on"})
    endpoint = WebhookEndpoint.objects.get()
    assert response.status_code == 302
    assert endpoint.events == ["mentioned"] and endpoint.history.count() == 1
    assert "secret" not in {f.name for f in endpoint.history.model._meta.fields}
    # No event chosen: refused, nothing changed.
    refused = client.post(
        reverse("webhook-edit", args=[endpoint.pk]),
        {**data, "events": [], "expected_version": endpoint.version},
    )
    assert refused.status_code == 400
    endpoint.refresh_from_db()
    assert endpoint.version == 1
    page = client.get(reverse("webhook-detail", args=[endpoint.pk]))
    assert endpoint.secret.encode() in page.content
    assert client.get(reverse("webhook-deliveries") + "?status=zzz").status_code == 200


def test_the_header_badge_counts_up_to_its_cap(client, lead, executive, monkeypatch):
    from aims_portal import mywork

    submitted_assessments(lead, 3)
    assert mywork.count_for(executive) == 3
    assert mywork.count_for(executive, cap=1) == 2  # "more than one": counting stops there
    monkeypatch.setattr(mywork, "count_for", lambda user: mywork.BADGE_CAP + 1)
    client.force_login(executive)
    page = client.get(reverse("my-work")).content.decode()
    assert '<span class="badge rounded-pill text-bg-warning" id="my-work-count">99+</span>' in page
    assert 'aria-label="My work: more than 99 waiting"' in page
