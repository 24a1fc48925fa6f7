"""factory-boy factories. Records are built through the services where rules apply, so the
test data carries history with a user, as real data does."""

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from registry import services as registry
from registry.models import AISystem, Supplier

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            # get_or_create: transactional tests flush the groups the migration made.
            self.groups.add(Group.objects.get_or_create(name=extracted)[0])
        if create:
            self.save()


def supplier(actor, **overrides):
    data = {
        "name": f"Supplier {Supplier.objects.count() + 1}",
        "services": "Hosted model API",
        "owner": actor,
        **overrides,
    }
    return registry.supplier_create(actor=actor, data=data)


def ai_system(actor, **overrides):
    n = AISystem.objects.count() + 1
    data = {
        "slug": f"system-{n}",
        "name": f"System {n}",
        "owner": actor,
        "contact": "owner@example.test",
        "purpose": "Answer questions",
        "data_sensitivity": AISystem.DataSensitivity.INTERNAL,
        "risk_tier": AISystem.RiskTier.LOW,
        "eu_ai_act_tier": AISystem.EUAIActTier.MINIMAL,
        **overrides,
    }
    return registry.ai_system_create(actor=actor, data=data)


def form_data(form_class, instance=None, **overrides):
    """POST data a user would send from ``form_class`` filled from ``instance``."""
    form = form_class(instance=instance)
    data = {}
    for name, field in form.fields.items():
        value = field.prepare_value(form[name].value())
        data[name] = "" if value is None else value
    data.update(overrides)
    return data


def edit_data(form_class, record, reason="Routine update", **overrides):
    """POST data for a record's edit form, based on the version the editor loaded."""
    return form_data(
        form_class,
        instance=record,
        expected_version=record.version,
        change_reason=reason,
        **overrides,
    )


# --- assessments (appended by the assessments app) -----------------------------------------


def risk(actor, **overrides):
    from assessments import services as assessments

    data = {
        "title": "Model output leaks personal data",
        "owner": actor,
        "inherent_likelihood": 3,
        "inherent_impact": 4,
        "treatment": "mitigate",
        "treatment_plan": "Filter outputs for personal data.",
        "residual_likelihood": 2,
        "residual_impact": 2,
        **overrides,
    }
    return assessments.risk_create(actor=actor, data=data)


COMPLETE_IMPACT = {
    "category": "privacy",
    "direction": "negative",
    "description": "Answers could reveal another customer's details.",
    "likelihood": 3,
    "severity": 4,
    "technical_mitigations": "Retrieval filtered by customer.",
    "procedural_mitigations": "Agents review every answer.",
    "residual_likelihood": 1,
    "residual_severity": 4,
}


def impact_assessment(actor, system=None, complete=True, impacts=None, **overrides):
    """An assessment; ``complete`` fills every section so that it can be submitted."""
    from assessments import services as assessments

    data = {"system": system or ai_system(actor), "owner": actor}
    if complete:
        data |= {
            "purpose": "Suggest replies to support agents.",
            "intended_users": "Support agents",
            "environment": "Production, EU region",
            "data_flows": "Tickets in, suggested replies out",
            "direct_users": "Support agents",
            "third_parties": "Customers who wrote the tickets",
            "vulnerable_groups": "Customers in financial difficulty",
            "decision": "mitigate",
            "decision_rationale": "Acceptable with the listed mitigations.",
            "next_review": "2027-06-30",
        }
    data |= overrides
    data["impacts"] = impacts if impacts is not None else ([COMPLETE_IMPACT] if complete else [])
    return assessments.assessment_create(actor=actor, data=data)


# --- controls (SoA) -------------------------------------------------------------------------


def soa_decide_all(actor, justification="Needed for our AI systems: {ref}.", **overrides):
    """Decide every SoA entry (applicable, justified) through the service, as a user would."""
    from controls import services as controls
    from controls.models import SoAEntry

    entries = list(SoAEntry.objects.select_related("control"))
    for entry in entries:
        data = {
            "applicability": SoAEntry.Applicability.APPLICABLE,
            "justification": justification.format(ref=entry.control.ref),
            "inclusion_reasons": ["risk_treatment"],
            **overrides,
        }
        controls.soa_entry_update(
            entry, actor=actor, data=data, expected_version=entry.version, reason="Decided"
        )
    return entries


def soa_approve(submitter, approver, reason=""):
    """Submit the SoA and approve it: returns the frozen revision."""
    from controls import services as controls
    from controls.catalogue import soa_document

    controls.soa_transition(soa_document(), "submit", actor=submitter)
    controls.soa_transition(soa_document(), "approve", actor=approver, reason=reason)
    return soa_document().revisions.order_by("-number").first()


def responsible(responsibility, role="executive", **kwargs):
    """A user holding a governance responsibility ("dpo", "security_officer") beside a role
    (a responsibility grants no access of its own)."""
    user = UserFactory(role=role, **kwargs)
    user.groups.add(Group.objects.get_or_create(name=responsibility)[0])
    return user


def approver():
    return UserFactory(role="executive")


def approved_assessment(actor, system, approver_user=None, **overrides):
    """An impact assessment of ``system``, submitted by ``actor`` and approved by another."""
    from assessments import services as assessments

    assessment = impact_assessment(actor, system=system, **overrides)
    assessment = assessments.assessment_transition(assessment, "submit", actor=actor)
    return assessments.assessment_transition(
        assessment, "approve", actor=approver_user or approver(), reason="Approved"
    )


def advance(system, stage, requester, approver_user=None):
    """Walk ``system`` through the stages, in order, up to ``stage`` by approved changes."""
    from registry.golive import ORDER

    approver_user = approver_user or approver()
    system.refresh_from_db()
    while ORDER.index(system.stage) < ORDER.index(stage):
        target = ORDER[ORDER.index(system.stage) + 1]
        change = change_request(requester, system, target_stage=target, reason=f"To {target}")
        registry.change_request_transition(change, "approve", actor=approver_user)
        system.refresh_from_db()
    return system


def sign_off(system, responsibility, signer=None):
    from registry import golive

    system.refresh_from_db()
    return golive.sign_off_record(
        system, responsibility, actor=signer or responsible(responsibility), note="Reviewed"
    )


def production_ready(actor, **overrides):
    """An AI system in validation that passes every registry rule and the go-live gate once
    in production: an approved assessment it names, DPO and security sign-offs of its
    current version. Overriding ``impact_assessment_ref`` skips the assessment."""
    import datetime

    from registry import services as registry_services

    data = {
        "data_sensitivity": "pii",
        "risk_tier": "high",
        "approved_by": ["dpo:Dana Ortiz"],
        "last_reviewed": datetime.date(2026, 10, 1),
        **overrides,
    }
    system = ai_system(actor, **data)
    if "impact_assessment_ref" not in overrides:
        assessment = approved_assessment(actor, system)
        system = registry_services.ai_system_update(
            system,
            actor=actor,
            data={"impact_assessment_ref": assessment.reference},
            expected_version=system.version,
            reason="Assessment approved",
        )
    system = advance(system, "validation", actor)
    sign_off(system, "dpo")
    sign_off(system, "security_officer")
    system.refresh_from_db()
    return system


def change_request(actor, system, **overrides):
    from registry import services as registry_services

    data = {
        "system": system,
        "kind": "stage",
        "target_stage": "production",
        "reason": "Ready for go-live",
        "regression_evidence": "All regression checks passed.",
        **overrides,
    }
    return registry_services.change_request_create(actor=actor, data=data)


# --- audits (appended by the audits app) ----------------------------------------------------


def audit_programme(actor, year=None, **overrides):
    import datetime

    from audits import services as audits

    data = {
        "year": year or datetime.date.today().year,
        "title": "Internal audit programme",
        "objectives": "Cover every clause and the high-risk controls once a year.",
        "owner": actor,
        **overrides,
    }
    return audits.programme_create(actor=actor, data=data)


def audit(
    actor,
    lead_auditor,
    *,
    programme=None,
    requirements=("9.2", "10.2"),
    controls=(),
    systems=(),
    auditors=(),
    **overrides,
):
    """A planned audit whose criteria are the given requirement and control IDs."""
    import datetime

    from audits import services as audits
    from audits.models import AuditProgramme
    from controls.models import Control, Requirement

    year = datetime.date.today().year
    programme = (
        programme
        or AuditProgramme.objects.filter(year=year).first()
        or audit_programme(actor, year=year)
    )
    start = datetime.date(programme.year, 3, 2)
    data = {
        "programme": programme,
        "title": "AIMS internal audit",
        "scope": "The AIMS processes at head office.",
        "requirements": list(Requirement.objects.filter(ref__in=requirements)),
        "controls": list(Control.objects.filter(ref__in=controls)),
        "systems": list(systems),
        "lead_auditor": lead_auditor,
        "auditors": list(auditors),
        "planned_start": start,
        "planned_end": start + datetime.timedelta(days=3),
        **overrides,
    }
    return audits.audit_create(actor=actor, data=data)


def record_line(line, actor, result, notes="Checked the records."):
    from audits import services as audits

    line.refresh_from_db()
    return audits.checklist_line_update(
        line,
        actor=actor,
        data={"result": result, "notes": notes},
        expected_version=line.version,
        reason="Result recorded",
    )


def finding(line, actor, kind="minor_nc", **overrides):
    from audits import services as audits

    data = {
        "checklist_line": line,
        "kind": kind,
        "title": "Audit results not reported to management",
        "description": "The last audit report never reached the management review.",
        "evidence_summary": "Minutes of the last review do not mention the audit.",
        **overrides,
    }
    return audits.finding_raise(actor=actor, data=data)


def corrective_action(actor, owner, *, finding=None, review=None, due_date=None, **overrides):
    import datetime

    from audits import services as audits

    data = {
        "finding": finding,
        "review": review,
        "title": "Put audit reports on the review agenda",
        "root_cause": "The review agenda template has no audit item.",
        "correction": "Audit report sent to the executive team.",
        "action": "Add a standing audit item to the review agenda template.",
        "owner": owner,
        "due_date": due_date or datetime.date.today() + datetime.timedelta(days=30),
        **overrides,
    }
    return audits.corrective_action_create(actor=actor, data=data)


def management_review(actor, chair, **overrides):
    import datetime

    from audits import services as audits

    data = {
        "title": "AIMS management review",
        "meeting_date": datetime.date.today(),
        "chair": chair,
        "attendees": [chair, actor],
        "decisions": "Keep the AI policy; fund a second internal auditor.",
        **overrides,
    }
    return audits.review_create(actor=actor, data=data)


def checked_ledger():
    """Sign a checkpoint over the log as it is now, then verify the whole log: a log with
    no checkpoint fails verification by design."""
    from integrity import services as ledger

    ledger.checkpoint_create()
    return ledger.chain_check()


# --- the certification cycle (audits) -------------------------------------------------------


def certification_body(actor, **overrides):
    from audits import services as audits

    data = {
        "name": "Certifying Body Ltd",
        "accreditation": "UKAS 0123 for ISO/IEC 42001",
        "contact_name": "A. Assessor",
        "contact_email": "assessor@cb.example",
        **overrides,
    }
    return audits.certification_body_create(actor=actor, data=data)


def certification_audit(actor, body, kind="stage1", start=None, days=1, **overrides):
    """A planned certification audit of ``kind`` starting ``start`` (a date)."""
    import datetime

    from audits import services as audits

    start = start or datetime.date.today() + datetime.timedelta(days=40)
    data = {
        "body": body,
        "kind": kind,
        "cycle": 1,
        "planned_start": start,
        "planned_end": start + datetime.timedelta(days=days),
        "owner": actor,
        "lead_auditor": "A. Assessor",
        **overrides,
    }
    return audits.certification_audit_create(actor=actor, data=data)
