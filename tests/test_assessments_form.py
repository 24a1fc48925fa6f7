"""The assessment form: sections and inline impacts, save as draft, submit with all problems."""

import pytest

from assessments.forms import AssessmentForm
from assessments.models import ImpactAssessment

from . import factories

pytestmark = pytest.mark.django_db


def impact_rows(*impacts, initial=0):
    data = {
        "impacts-TOTAL_FORMS": str(len(impacts)),
        "impacts-INITIAL_FORMS": str(initial),
        "impacts-MIN_NUM_FORMS": "0",
        "impacts-MAX_NUM_FORMS": "1000",
    }
    for n, impact in enumerate(impacts):
        for key, value in impact.items():
            data[f"impacts-{n}-{key}"] = value
        data.setdefault(f"impacts-{n}-direction", "negative")
    return data


COMPLETE = {
    "purpose": "Suggest replies",
    "intended_users": "Agents",
    "environment": "Production",
    "data_flows": "Tickets in, replies out",
    "direct_users": "Agents",
    "third_parties": "Customers",
    "vulnerable_groups": "None identified",
    "decision": "mitigate",
    "decision_rationale": "Mitigations in place",
    "next_review": "2027-05-01",
}


def test_save_draft_keeps_a_half_filled_assessment(client_for, lead):
    system = factories.ai_system(lead)
    response = client_for(lead).post(
        "/assessments/impact/new/",
        {
            "system": system.pk,
            "owner": lead.pk,
            "purpose": "Only this so far",
            "save": "1",
            **impact_rows({"category": "privacy", "likelihood": "3"}),
        },
    )
    assessment = ImpactAssessment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/assessments/impact/{assessment.pk}/edit/"
    assert assessment.status == "draft"
    assert assessment.reference.startswith("IA-")
    [impact] = assessment.impacts.all()
    assert (impact.category, impact.likelihood, impact.severity) == ("privacy", 3, None)


def test_submit_saves_then_shows_every_problem_at_once(client_for, lead):
    system = factories.ai_system(lead)
    response = client_for(lead).post(
        "/assessments/impact/new/",
        {
            "system": system.pk,
            "owner": lead.pk,
            "purpose": "Half done",
            "submit": "1",
            **impact_rows({"category": "fairness"}),
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    problems = response.context["problems"]
    assert len(problems) >= 10
    assert "Not submitted yet" in html
    for problem in problems:
        assert problem.replace("“", "&ldquo;")[:20] in html or problem[:20] in html
    assessment = ImpactAssessment.objects.get()
    assert assessment.status == "draft"
    assert "Half done</textarea>" in html


def test_submit_of_a_complete_form_puts_it_in_review(client_for, lead):
    system = factories.ai_system(lead)
    response = client_for(lead).post(
        "/assessments/impact/new/",
        {
            "system": system.pk,
            "owner": lead.pk,
            **COMPLETE,
            "submit": "1",
            **impact_rows(
                {
                    "category": "privacy",
                    "description": "Leak",
                    "likelihood": "3",
                    "severity": "4",
                    "technical_mitigations": "Filter",
                    "residual_likelihood": "1",
                    "residual_severity": "4",
                }
            ),
        },
    )
    assert response.status_code == 302
    assert ImpactAssessment.objects.get().status == "in_review"


def test_removing_and_adding_impacts_in_one_save(client_for, lead):
    assessment = factories.impact_assessment(
        lead,
        impacts=[
            {**factories.COMPLETE_IMPACT, "description": "First"},
            {**factories.COMPLETE_IMPACT, "description": "Second"},
        ],
    )
    first, second = assessment.impacts.all()
    data = factories.form_data(AssessmentForm, instance=assessment)
    data |= impact_rows(
        {"id": first.pk, "description": "First", "DELETE": "on"},
        {"id": second.pk, "description": "Second, reworded", "category": "privacy"},
        {"description": "Third", "category": "safety", "likelihood": "2", "severity": "2"},
        initial=2,
    )
    data |= {"expected_version": assessment.version, "save": "1"}
    response = client_for(lead).post(f"/assessments/impact/{assessment.pk}/edit/", data)
    assert response.status_code == 302
    descriptions = list(assessment.impacts.values_list("description", flat=True))
    assert descriptions == ["Second, reworded", "Third"]
    # the removed impact stays in the history
    assert first.history.filter(history_type="-").exists()


def test_a_rating_outside_the_choices_is_refused_and_nothing_is_saved(client_for, lead):
    system = factories.ai_system(lead)
    response = client_for(lead).post(
        "/assessments/impact/new/",
        {"system": system.pk, "owner": lead.pk, "save": "1", **impact_rows({"likelihood": "9"})},
    )
    assert response.status_code == 400
    assert "Impact 1, likelihood" in response.content.decode()
    assert not ImpactAssessment.objects.exists()


def test_a_stale_save_is_refused(client_for, lead):
    assessment = factories.impact_assessment(lead)
    data = {
        "system": assessment.system.pk,
        "owner": lead.pk,
        "purpose": "Mine",
        "expected_version": assessment.version,
        "save": "1",
        **impact_rows(),
    }
    client = client_for(lead)
    assert client.post(f"/assessments/impact/{assessment.pk}/edit/", data).status_code == 302
    response = client.post(f"/assessments/impact/{assessment.pk}/edit/", data)
    assert response.status_code == 409
    assert "changed while you were editing" in response.content.decode()


def test_the_form_page_carries_the_levels_and_live_matrix(client_for, lead):
    html = client_for(lead).get("/assessments/impact/new/").content.decode()
    assert 'id="scoring-levels"' in html
    assert 'data-matrix="inherent"' in html
    assert "js/assessments.js" in html
    assert 'id="impact-template"' in html


def test_an_auditor_cannot_open_the_form(client_for, auditor):
    assert client_for(auditor).get("/assessments/impact/new/").status_code == 403
