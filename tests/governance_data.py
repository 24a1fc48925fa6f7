"""Records of the management-system registers for tests, made through the services."""

from datetime import date, timedelta
from decimal import Decimal

from controls import services as controls
from governance import services

from . import factories


def issue(actor, **overrides):
    data = {
        "title": "Regulation of credit models",
        "kind": "external",
        "category": "legal",
        "description": "New duties for high-risk models.",
        "response": "Covered by the impact assessment procedure.",
        "owner": actor,
        **overrides,
    }
    return services.issue_create(actor=actor, data=data)


def party(actor, **overrides):
    data = {
        "name": "Regulator",
        "category": "regulator",
        "basis": "regulatory",
        "requirements": "Explain decisions on request.",
        "how_addressed": "Reason codes on each decision.",
        "owner": actor,
        **overrides,
    }
    return services.party_create(actor=actor, data=data)


def scope(actor, systems=(), **overrides):
    data = {
        "scope_version": "1.0",
        "boundaries": "Lending and customer service in the EU.",
        "units_in": "Lending; Customer Service",
        "interfaces": "The model provider hosts the model; we own prompts and evaluation.",
        "systems_in": list(systems),
        "owner": actor,
        **overrides,
    }
    return services.scope_create(actor=actor, data=data)


def approved_scope(lead, executive, systems):
    draft = scope(lead, systems)
    submitted = services.scope_transition(draft, "submit", actor=lead)
    return services.scope_transition(submitted, "approve", actor=executive)


def policy(lead, executive, doc_version="1.0", ref="POL-001"):
    document = controls.document_create(
        actor=lead,
        data={
            "ref": ref,
            "title": "AI policy",
            "kind": "policy",
            "owner": lead,
            "doc_version": doc_version,
            "review_date": date.today() + timedelta(days=300),
        },
    )
    document = controls.document_transition(document, "submit", actor=lead)
    return controls.document_transition(document, "approve", actor=executive)


def new_policy_version(document, lead, executive, doc_version):
    document = controls.document_transition(document, "revise", actor=lead, reason="Yearly")
    document = controls.document_update(
        document,
        actor=lead,
        data={"doc_version": doc_version},
        expected_version=document.version,
        reason="New version",
    )
    document = controls.document_transition(document, "submit", actor=lead)
    return controls.document_transition(document, "approve", actor=executive)


def objective(actor, **overrides):
    data = {
        "title": "Assess every production system",
        "owner": actor,
        "measure": "Share of production systems with an approved assessment",
        "metric": "manual",
        "unit": "%",
        "target": Decimal("100"),
        "direction": "at_least",
        "due_date": date.today() + timedelta(days=90),
        "plan": "Finish open assessments.",
        **overrides,
    }
    return services.objective_create(actor=actor, data=data)


def reading(actor, objective, value, days_ago=0):
    return services.measurement_create(
        actor=actor,
        data={
            "objective": objective,
            "value": Decimal(str(value)),
            "measured_on": date.today() - timedelta(days=days_ago),
        },
    )


def competence(actor, **overrides):
    data = {"name": "AI policy", "description": "Knows the policy.", "role": "all staff"}
    return services.competence_create(actor=actor, data={**data, **overrides})


def training(actor, person, competence, **overrides):
    data = {
        "person": person,
        "competence": competence,
        "activity": "Policy e-learning",
        "completed_on": date.today() - timedelta(days=30),
        **overrides,
    }
    return services.training_create(actor=actor, data=data)


def raci(actor, person, **overrides):
    data = {"process": "audit", "activity": "Run the audit", "person": person, "role": "R"}
    return services.raci_create(actor=actor, data={**data, **overrides})


def communication(actor, **overrides):
    data = {
        "topic": "AI policy changes",
        "audience": "All staff",
        "audience_kind": "internal",
        "timing": "At each version",
        "channel": "Intranet",
        "responsible": actor,
        **overrides,
    }
    return services.communication_create(actor=actor, data=data)


def system(actor, **overrides):
    return factories.ai_system(actor, **overrides)
