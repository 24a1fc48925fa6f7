"""A diff of a list marks the items removed and added, not the whole old list struck out."""

import pytest
from django.urls import reverse

from aims_portal import history
from aims_portal.display import list_diff
from assessments import services
from assessments.models import Risk
from controls.selectors import snapshot_changes

from . import factories

pytestmark = pytest.mark.django_db


def test_list_diff_marks_only_what_changed():
    assert list_diff(["a", "b"], ["b", "c"]) == {
        "before": [["a", True], ["b", False]],
        "after": [["b", False], ["c", True]],
    }


def test_a_link_change_marks_the_added_and_removed_systems(lead, client_for):
    alpha = factories.ai_system(lead, slug="alpha", name="Alpha")
    beta = factories.ai_system(lead, slug="beta", name="Beta")
    gamma = factories.ai_system(lead, slug="gamma", name="Gamma")
    risk = factories.risk(lead, systems=[alpha, beta])
    risk = services.risk_update(
        risk, actor=lead, data={"systems": [beta, gamma]}, expected_version=1, reason="Moved"
    )
    older, newer = risk.history.order_by("history_id")
    [change] = history.diff(Risk, older, newer)
    assert change.items == {
        "before": [[str(alpha), True], [str(beta), False]],
        "after": [[str(beta), False], [str(gamma), True]],
    }
    url = reverse("record-history-diff", args=["assessments", "risk", risk.pk])
    page = client_for(lead).get(url, {"from": older.history_id, "to": newer.history_id})
    text = page.content.decode()
    assert page.status_code == 200
    assert f'<del><span class="visually-hidden">Removed: </span>{alpha}</del>' in text
    assert f'<ins><span class="visually-hidden">Added: </span>{gamma}</ins>' in text
    assert f"<del>{beta}" not in text and f"Removed: </span>{beta}" not in text


def test_soa_revision_changes_mark_list_items():
    older = [{"ref": "A.2.2", "title": "Policy", "systems": ["Alpha", "Beta"]}]
    newer = [{"ref": "A.2.2", "title": "Policy", "systems": ["Beta", "Gamma"]}]
    [change] = snapshot_changes(older, newer)
    assert change["items"] == {
        "before": [["Alpha", True], ["Beta", False]],
        "after": [["Beta", False], ["Gamma", True]],
    }
