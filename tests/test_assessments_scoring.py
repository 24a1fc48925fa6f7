"""The scoring method is data: admins edit it, with history, and every view re-scores."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assessments import services
from assessments.selectors import scoring_method

from . import factories

pytestmark = pytest.mark.django_db

STRICT_LEVELS = [
    {"label": "Low", "max_score": 2, "colour": "#d1e7dd"},
    {"label": "Medium", "max_score": 5, "colour": "#fff3cd"},
    {"label": "High", "max_score": 11, "colour": "#ffd8a8"},
    {"label": "Critical", "max_score": 25, "colour": "#f5c2c7"},
]


def change_levels(admin_user, levels, **extra):
    method = scoring_method()
    return services.scoring_method_update(
        method,
        actor=admin_user,
        data={"levels": levels, **extra},
        expected_version=method.version,
        reason="Lower appetite",
    )


def test_the_default_method_is_five_by_five_from_the_data_file(db):
    method = scoring_method()
    assert method.matrix_size == 5
    assert [lvl["label"] for lvl in method.levels] == ["Low", "Medium", "High", "Critical"]
    assert method.level_for(12)["label"] == "High"


def test_a_changed_method_rescores_list_filter_heat_map_and_api(admin_user, lead, client_for):
    risk = factories.risk(lead, inherent_likelihood=3, inherent_impact=4)  # 12: High
    client = client_for(admin_user)
    assert "12 · High" in client.get("/assessments/risks/").content.decode()
    change_levels(admin_user, STRICT_LEVELS)  # 12 is now Critical
    html = client.get("/assessments/risks/").content.decode()
    assert "12 · Critical" in html
    assert "12 · High" not in html
    critical = client.get("/assessments/risks/?inherent_level=Critical")
    assert risk.reference in critical.content.decode()
    high = client.get("/assessments/risks/?inherent_level=High")
    assert risk.reference not in high.content.decode()
    cells = client.get("/assessments/risks/").context["heat_maps"][0]["svg"]
    assert "1 Critical: 1 item at likelihood 3, impact 4" in cells
    api = client.get(f"/api/v1/assessments/risks/{risk.pk}/").json()
    assert (api["inherent_level"], api["residual_level"]) == ("Critical", "Medium")
    detail = client.get(risk.get_absolute_url()).content.decode()
    assert "12 · Critical" in detail


def test_a_changed_method_rescores_assessment_impacts(admin_user, lead, client_for):
    assessment = factories.impact_assessment(lead)  # impact 3 x 4 = 12
    client = client_for(lead)
    assert "12 · High" in client.get(assessment.get_absolute_url()).content.decode()
    change_levels(admin_user, STRICT_LEVELS)
    assert "12 · Critical" in client.get(assessment.get_absolute_url()).content.decode()


def test_changes_are_kept_in_the_method_history(admin_user):
    change_levels(admin_user, STRICT_LEVELS)
    method = scoring_method()
    versions = list(method.history.order_by("history_id"))
    assert versions[0].levels[0]["max_score"] == 4
    assert versions[-1].levels[0]["max_score"] == 2
    assert versions[-1].history_user == admin_user


def test_levels_must_ascend_and_reach_the_top_score(admin_user):
    bad = [{"label": "Low", "max_score": 9}, {"label": "High", "max_score": 4}]
    with pytest.raises(ValidationError) as refused:
        change_levels(admin_user, bad)
    messages = " ".join(refused.value.messages)
    assert "must ascend" in messages
    assert "top score, 25" in messages


def test_the_matrix_cannot_shrink_below_ratings_in_use(admin_user, lead):
    factories.risk(lead, inherent_likelihood=5)
    with pytest.raises(ValidationError, match="Ratings up to 5 are in use"):
        change_levels(
            admin_user,
            [{"label": "Low", "max_score": 4}, {"label": "High", "max_score": 16}],
            matrix_size=4,
        )


def test_a_bigger_matrix_allows_higher_ratings(admin_user, lead):
    levels = [{"label": "Low", "max_score": 20}, {"label": "High", "max_score": 49}]
    change_levels(admin_user, levels, matrix_size=7)
    assert factories.risk(lead, inherent_likelihood=7, inherent_impact=7).inherent_score == 49


def test_only_administrators_edit_the_method(lead, client_for):
    method = scoring_method()
    with pytest.raises(PermissionDenied):
        services.scoring_method_update(
            method, actor=lead, data={"name": "Mine"}, expected_version=1, reason="x"
        )
    assert client_for(lead).get(f"/assessments/scoring/{method.pk}/edit/").status_code == 403


def test_the_method_page_shows_levels_and_matrix(admin_user, client_for):
    method = scoring_method()
    html = client_for(admin_user).get(method.get_absolute_url()).content.decode()
    assert "up to 25" in html
    assert "Critical: " in html and "at likelihood 5, impact 5" in html


def test_an_administrator_edits_the_levels_on_the_page(admin_user, client_for):
    import json

    method = scoring_method()
    client = client_for(admin_user)
    url = f"/assessments/scoring/{method.pk}/edit/"
    data = {
        "name": method.name,
        "matrix_size": 5,
        "levels": json.dumps(STRICT_LEVELS),
        "likelihood_labels": json.dumps(method.likelihood_labels),
        "impact_labels": json.dumps(method.impact_labels),
        "description": method.description,
        "expected_version": method.version,
        "change_reason": "Board lowered the risk appetite",
    }
    bad = client.post(url, {**data, "levels": json.dumps([{"label": "Low", "max_score": 3}])})
    assert bad.status_code == 400
    assert "top score, 25" in bad.content.decode()
    response = client.post(url, data)
    assert response.status_code == 302
    method.refresh_from_db()
    assert method.level_for(12)["label"] == "Critical"
    assert method.history.latest("history_id").history_change_reason == (
        "Board lowered the risk appetite"
    )
