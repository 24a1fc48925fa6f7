"""The SoA's own title and scope: edited through one service from the page and the API, by
the roles that may change controls only, under the entries' workflow rules, printed on the
PDF and listed among a revision's changes."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from aims_portal.services import StaleVersionError
from controls import exports, services
from controls.catalogue import soa_document
from controls.models import SoAEntry

from . import factories
from .test_controls_catalogue import catalogue  # noqa: F401  (autouse fixture)

pytestmark = pytest.mark.django_db

TITLE = "Statement of Applicability — Acme AI services"
SCOPE = "AI systems operated by Acme Ltd from its Leeds and Lyon sites."


def update(actor, reason="Scope agreed with the board", **data):
    soa = soa_document()
    return services.soa_document_update(
        soa, actor=actor, data=data, expected_version=soa.version, reason=reason
    )


def approved(lead, executive):
    factories.soa_decide_all(lead)
    return factories.soa_approve(lead, executive)


# --- the service ------------------------------------------------------------------------------


def test_the_governance_lead_edits_title_and_scope_with_a_reason(lead):
    soa = update(lead, title=TITLE, scope=SCOPE)
    assert (soa.title, soa.scope, soa.version) == (TITLE, SCOPE, 2)
    latest = soa.history.first()
    assert latest.history_user == lead
    assert latest.history_change_reason == "Scope agreed with the board"


@pytest.mark.parametrize("role", ["auditor", "executive", "owner"])
def test_roles_that_may_not_change_controls_are_refused(request, role):
    with pytest.raises(PermissionDenied):
        update(request.getfixturevalue(role), title=TITLE)
    assert soa_document().title == "Statement of Applicability"


@pytest.mark.parametrize(
    ("data", "reason", "field"),
    [
        ({"title": "   "}, "Tidy", "title"),
        ({"scope": "x" * 5001}, "Tidy", "scope"),
        ({"title": TITLE}, "  ", "change_reason"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_changes(lead, data, reason, field):
    with pytest.raises(ValidationError) as error:
        update(lead, reason=reason, **data)
    assert field in error.value.message_dict
    soa = soa_document()
    assert (soa.title, soa.scope, soa.version) == ("Statement of Applicability", "", 1)


def test_saving_the_same_title_and_scope_is_refused(lead):
    with pytest.raises(ValidationError, match="Nothing to save"):
        update(lead, title="Statement of Applicability", scope="")


def test_a_stale_version_is_refused(lead, admin_user):
    soa = soa_document()
    update(admin_user, title="Changed meanwhile")
    with pytest.raises(StaleVersionError):
        services.soa_document_update(
            soa, actor=lead, data={"title": TITLE}, expected_version=soa.version, reason="Mine"
        )
    assert soa_document().title == "Changed meanwhile"


def test_title_and_scope_cannot_change_while_the_soa_is_in_review(lead):
    factories.soa_decide_all(lead)
    services.soa_transition(soa_document(), "submit", actor=lead)
    with pytest.raises(ValidationError, match="in review"):
        update(lead, title=TITLE)
    assert soa_document().title == "Statement of Applicability"


def test_editing_an_approved_soa_starts_a_new_draft_and_the_next_revision_lists_it(lead, executive):
    first = approved(lead, executive)
    soa = update(lead, title=TITLE, scope=SCOPE)
    assert soa.status == "draft"
    assert soa.history.first().history_change_reason == (
        "Start a new draft: Title or scope changed: Scope agreed with the board"
    )
    # Only the title and scope changed: that is enough to submit a new revision.
    second = factories.soa_approve(lead, executive)
    assert second.number == 2
    assert [(c["field"], c["old"], c["new"]) for c in second.changes] == [
        ("Title", "Statement of Applicability", TITLE),
        ("Scope", "—", SCOPE),
    ]
    first.refresh_from_db()
    assert first.changes[0]["field"] != "Title"


def test_nothing_changed_since_the_revision_still_blocks_submitting(lead, executive):
    approved(lead, executive)
    update(lead, title=TITLE)
    update(lead, title="Statement of Applicability", reason="Back to the old title")
    with pytest.raises(ValidationError, match="Nothing changed since revision 1"):
        services.soa_transition(soa_document(), "submit", actor=lead)


# --- PDF and other exports --------------------------------------------------------------------


def pdf_text(data):
    import subprocess

    pdf = exports.render_pdf(data)
    return subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def test_the_draft_pdf_prints_the_edited_title_and_scope_on_cover_and_pages(lead):
    update(lead, title=TITLE, scope=SCOPE)
    text = pdf_text(exports.document_data())
    assert text.count(TITLE) >= 3  # cover heading, document control, running page headers
    assert SCOPE in text
    changes = text.split("Changes since the last approved revision")[-1]
    assert "Title" not in changes  # no revision yet: nothing to compare with


def test_a_revision_prints_the_title_and_scope_it_was_approved_with(lead, executive):
    update(lead, title=TITLE, scope=SCOPE)
    revision = approved(lead, executive)
    update(lead, title="A later title", scope="A later scope")
    data = exports.document_data(revision)
    assert data["document"] == {"title": TITLE, "scope": SCOPE}
    html = exports.render_html(data)
    assert TITLE in html and SCOPE in html and "A later" not in html
    draft = exports.document_data()
    assert draft["document"]["title"] == "A later title"
    assert ("Title", TITLE, "A later title") in [
        (c["field"], c["old"], c["new"]) for c in draft["changes"]
    ]


def test_the_xlsx_heading_uses_the_title(lead):
    import io

    from openpyxl import load_workbook

    update(lead, title=TITLE)
    book = load_workbook(io.BytesIO(exports.render_xlsx(exports.document_data())))
    assert book["SoA"]["A1"].value.startswith(TITLE)


# --- the pages --------------------------------------------------------------------------------

EDIT_LINK = "Edit title and scope"


def test_the_soa_page_shows_the_scope_and_offers_the_edit_to_the_lead(client_for, lead):
    update(lead, scope=SCOPE)
    html = client_for(lead).get("/controls/soa/").content.decode()
    assert EDIT_LINK in html and 'href="/controls/soa/edit/"' in html
    assert SCOPE in html


@pytest.mark.parametrize("role", ["auditor", "executive"])
def test_auditors_and_executives_see_no_edit_and_are_refused(client_for, request, role):
    client = client_for(request.getfixturevalue(role))
    assert EDIT_LINK not in client.get("/controls/soa/").content.decode()
    assert client.get("/controls/soa/edit/").status_code == 403
    response = client.post(
        "/controls/soa/edit/",
        {"title": TITLE, "scope": "", "change_reason": "x", "expected_version": 1},
    )
    assert response.status_code == 403
    assert soa_document().title == "Statement of Applicability"


def test_the_edit_is_not_offered_while_in_review(client_for, lead):
    factories.soa_decide_all(lead)
    services.soa_transition(soa_document(), "submit", actor=lead)
    client = client_for(lead)
    assert EDIT_LINK not in client.get("/controls/soa/").content.decode()
    response = client.get("/controls/soa/edit/", follow=True)
    assert "its title and scope cannot change now" in response.content.decode()


def test_the_form_saves_and_returns_to_the_soa(client_for, lead):
    client = client_for(lead)
    form = client.get("/controls/soa/edit/").content.decode()
    assert 'name="expected_version"' in form and "Statement of Applicability" in form
    response = client.post(
        "/controls/soa/edit/",
        {"title": TITLE, "scope": SCOPE, "change_reason": "Board", "expected_version": 1},
        follow=True,
    )
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == "/controls/soa/"
    assert "Title and scope saved." in html and f'<h1 class="h3 mb-1">{TITLE}</h1>' in html
    assert soa_document().title == TITLE


def test_the_form_shows_a_refusal_and_changes_nothing(client_for, lead):
    response = client_for(lead).post(
        "/controls/soa/edit/",
        {"title": "", "scope": SCOPE, "change_reason": "", "expected_version": 1},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Nothing was saved" in html and "This field is required." in html
    assert soa_document().scope == ""


def test_the_form_reports_a_stale_version(client_for, lead, admin_user):
    update(admin_user, title="Changed meanwhile")
    response = client_for(lead).post(
        "/controls/soa/edit/",
        {"title": TITLE, "scope": "", "change_reason": "Mine", "expected_version": 1},
    )
    assert response.status_code == 400
    assert "Your changes were not saved" in response.content.decode()
    assert soa_document().title == "Changed meanwhile"


def test_the_form_warns_that_an_approved_soa_gets_a_new_draft(client_for, lead, executive):
    approved(lead, executive)
    client = client_for(lead)
    assert "saving starts a new draft" in client.get("/controls/soa/edit/").content.decode()
    response = client.post(
        "/controls/soa/edit/",
        {
            "title": TITLE,
            "scope": "",
            "change_reason": "Rename",
            "expected_version": soa_document().version,
        },
        follow=True,
    )
    assert "A new draft was started" in response.content.decode()
    assert soa_document().status == "draft"


def test_the_revision_page_shows_the_title_it_was_approved_with(client_for, lead, executive):
    update(lead, title=TITLE)
    approved(lead, executive)
    update(lead, title="A later title")
    html = client_for(lead).get("/controls/soa/revisions/1/").content.decode()
    assert TITLE in html and "A later title" not in html


# --- the API ----------------------------------------------------------------------------------


def api(client, method, data):
    soa = soa_document()
    return getattr(client, method)(
        f"/api/v1/controls/soa/{soa.pk}/", data, content_type="application/json"
    )


def test_the_api_changes_title_and_scope_through_the_service(client_for, lead):
    response = api(
        client_for(lead),
        "patch",
        {"title": TITLE, "scope": SCOPE, "version": 1, "change_reason": "Board"},
    )
    assert response.status_code == 200, response.json()
    assert response.json()["title"] == TITLE and response.json()["version"] == 2
    assert soa_document().history.first().history_change_reason == "Board"


@pytest.mark.parametrize("role", ["auditor", "executive"])
def test_the_api_refuses_auditors_and_executives(client_for, request, role):
    client = client_for(request.getfixturevalue(role))
    response = api(client, "patch", {"title": TITLE, "version": 1, "change_reason": "x"})
    assert response.status_code == 403
    assert soa_document().title == "Statement of Applicability"


@pytest.mark.parametrize(
    ("body", "status", "key"),
    [
        ({"title": "", "version": 1, "change_reason": "x"}, 400, "title"),
        ({"title": TITLE, "change_reason": "x"}, 400, "version"),
        ({"title": TITLE, "version": 1}, 400, "change_reason"),
        ({"title": TITLE, "version": 7, "change_reason": "x"}, 409, "detail"),
    ],
)
def test_the_api_refuses_bad_input(client_for, lead, body, status, key):
    response = api(client_for(lead), "patch", body)
    assert response.status_code == status, response.json()
    assert key in response.json()
    assert soa_document().title == "Statement of Applicability"


def test_the_api_reopens_an_approved_soa(client_for, lead, executive):
    approved(lead, executive)
    soa = soa_document()
    response = api(
        client_for(lead), "patch", {"scope": SCOPE, "version": soa.version, "change_reason": "x"}
    )
    assert response.status_code == 200
    assert response.json()["status"] == "draft"
    assert SoAEntry.objects.filter(applicability="applicable").count() == 38


def test_the_as_of_view_shows_the_title_and_scope_of_the_date(client_for, lead):
    from datetime import timedelta

    from django.utils import timezone

    from controls.models import StatementOfApplicability

    StatementOfApplicability.history.update(history_date=timezone.now() - timedelta(days=30))
    update(lead, title=TITLE, scope=SCOPE)
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    html = client_for(lead).get(f"/controls/soa/?as_of={yesterday}").content.decode()
    assert '<h1 class="h3 mb-1">Statement of Applicability</h1>' in html
    assert TITLE not in html and SCOPE not in html
    html = client_for(lead).get("/controls/soa/").content.decode()
    assert TITLE in html and SCOPE in html
