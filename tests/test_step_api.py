"""One step API: every workflow step in the API is the same action (WorkflowStepMixin.step)
with the same body, optimistic locking included; workflows are declared only in each app's
``workflows.py`` (and the shared factory in aims_portal/workflow.py)."""

import ast
from pathlib import Path

import pytest
from django.urls import get_resolver
from django.utils import timezone

from aims_portal.api import WorkflowStepMixin
from controls.catalogue import soa_document
from registry import services
from registry.models import Incident

from . import factories
from .test_controls_catalogue import catalogue  # noqa: F401  (autouse fixture)

ROOT = Path(__file__).resolve().parent.parent
APPS = ("aims_portal", "registry", "assessments", "controls", "audits")


def api_step_views():
    """(route name, viewset class) of every API route that takes a workflow step."""
    found = []
    for pattern in get_resolver().url_patterns:
        if str(pattern.pattern) != "api/v1/":
            continue
        stack = [pattern]
        while stack:
            item = stack.pop()
            if hasattr(item, "url_patterns"):
                stack.extend(item.url_patterns)
            elif (item.name or "").endswith("step"):
                found.append((item.name, item.callback.cls))
    return found


def test_every_api_step_route_is_the_one_step_action():
    views = api_step_views()
    names = {name for name, _ in views}
    assert {"incident-step", "impactassessment-step", "soa-step", "audit-step"} <= names
    for name, view in views:
        assert issubclass(view, WorkflowStepMixin), name
        for klass in view.__mro__:
            if klass is not WorkflowStepMixin:
                assert "take_step" not in vars(klass), f"{name}: {klass} takes steps itself"
                assert "step" not in vars(klass), f"{name}: {klass} defines its own step"


def test_records_without_a_workflow_have_no_step_route():
    names = {name for name, _ in api_step_views()}
    assert "supplier-step" not in names
    assert "aisystem-step" not in names


def workflow_declarations(path):
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        call = isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        if call and node.func.id in ("Workflow", "approval_workflow"):
            yield node.lineno


def test_workflows_are_declared_only_in_workflows_modules():
    outside = [
        f"{path.relative_to(ROOT)}:{line}"
        for app in APPS
        for path in sorted((ROOT / app).rglob("*.py"))
        if path.name != "workflows.py" and path.relative_to(ROOT) != Path("aims_portal/workflow.py")
        for line in workflow_declarations(path)
    ]
    assert outside == []
    assert list(workflow_declarations(ROOT / "controls" / "workflows.py"))


def incident(actor):
    system = factories.ai_system(actor)
    return services.incident_create(
        actor=actor,
        data={
            "system": system,
            "title": "Wrong answer",
            "severity": "high",
            "detected_at": timezone.now(),
            "detection": "user_report",
            "description": "A customer was told the wrong refund policy.",
            "containment": "Answers on refunds switched off.",
        },
    )


@pytest.mark.django_db
def test_a_registry_step_with_a_stale_version_is_refused_with_409(client_for, lead):
    record = incident(lead)
    stale = record.version
    services.incident_update(
        record,
        actor=lead,
        data={"title": "Wrong refund answer"},
        expected_version=stale,
        reason="Clearer title",
    )
    url = f"/api/v1/registry/incidents/{record.pk}/step/contain/"
    body = {"reason": "Contained", "version": stale}
    response = client_for(lead).post(url, body, content_type="application/json")
    assert response.status_code == 409
    record.refresh_from_db()
    assert record.status == Incident.Status.OPEN


@pytest.mark.django_db
def test_a_registry_step_with_the_current_version_is_taken(client_for, lead):
    record = incident(lead)
    url = f"/api/v1/registry/incidents/{record.pk}/step/contain/"
    body = {"reason": "Contained", "version": record.version}
    response = client_for(lead).post(url, body, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == Incident.Status.CONTAINED
    assert response.json()["version"] == record.version + 1


@pytest.mark.django_db
def test_the_soa_takes_steps_under_the_step_route_and_its_documented_names(
    client_for, lead, executive
):
    factories.soa_decide_all(lead)
    soa = soa_document()
    submitted = client_for(lead).post(
        f"/api/v1/controls/soa/{soa.pk}/step/submit/",
        {"version": soa.version},
        content_type="application/json",
    )
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["status"] == "in_review"
    approved = client_for(executive).post(
        f"/api/v1/controls/soa/{soa.pk}/approve/", {}, content_type="application/json"
    )
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "approved"
