"""Demo audits: this year's programme with a completed internal audit (checklist, findings of
every type, evidence), corrective actions in several states (one overdue, one awaiting its
effectiveness check, one verified and closed), a completed management review with an action
of its own, and a planned follow-up audit.

``load(users)`` is called by ``manage.py seed_demo`` with the demo user of each role; it does
nothing when the demo audit exists, so it can run again. The audit team (the executive and
the administrator) owns nothing in the audited scope, as the independence rule requires.
"""

from datetime import timedelta

from django.utils import timezone

from aims_portal import roles
from aims_portal.services import tracked_save
from controls.models import Control, Requirement
from registry.models import AISystem

from . import services
from .models import Audit, AuditProgramme, CertificationBody, ChecklistLine, Finding

TITLE = "AIMS internal audit: governance, model release and improvement"

RESULTS = {
    "9.2": ("conforms", "Programme approved in January; audits so far ran to plan."),
    "9.3": ("conforms", "Minutes of the last review cover every required input."),
    "10.2": (
        "nonconformity",
        "Two corrective actions were closed without anyone checking that they worked.",
    ),
    "A.2.2": ("observation", "The AI policy is approved but not yet on the intranet."),
    "A.6.2.4": (
        "nonconformity",
        "Release 4.2 of the credit model went live without a signed validation report.",
    ),
    "A.6.2.6": ("conforms", "Drift dashboards exist and were reviewed weekly."),
}

FINDINGS = [
    (
        "A.6.2.4",
        "major_nc",
        "Model release without documented validation",
        "The credit-scoring model 4.2 was deployed although its validation report was neither "
        "finished nor signed; the release checklist was skipped under time pressure.",
        "Change ticket CHG-2291; release notes of 4.2; empty sign-off field in the report.",
    ),
    (
        "10.2",
        "minor_nc",
        "Corrective actions closed without an effectiveness check",
        "Two actions from last year's supplier review were closed by their owners on the day "
        "they were implemented, with no later check that the problem stayed away.",
        "Action log export of 2 March; interviews with the action owners.",
    ),
    (
        "A.2.2",
        "observation",
        "AI policy not yet published to staff",
        "Staff we interviewed did not know where to find the approved AI policy.",
        "Three of five interviewees could not locate the policy.",
    ),
    (
        "A.6.2.6",
        "ofi",
        "Drift alerts could page the on-call engineer",
        "Drift is reviewed weekly by hand; an automated alert would shorten the time to react.",
        "",
    ),
]


def _programme(year, lead):
    existing = AuditProgramme.objects.filter(year=year).first()
    if existing:
        return existing
    return services.programme_create(
        actor=lead,
        data={
            "year": year,
            "title": f"Internal audit programme {year}",
            "objectives": "Audit every AIMS clause once a year and the Annex A controls of the "
            "high-risk systems at least once in three years.",
            "owner": lead,
        },
    )


def _line(audit, ref):
    return ChecklistLine.objects.select_related("audit").get(audit=audit, ref=ref)


def _step(action, name, actor, reason=""):
    return services.corrective_action_transition(action, name, actor=actor, reason=reason)


def _action(lead, owner, finding=None, review=None, due_in=30, **data):
    return services.corrective_action_create(
        actor=lead,
        data={
            "finding": finding,
            "review": review,
            "owner": owner,
            "due_date": timezone.localdate() + timedelta(days=due_in),
            **data,
        },
    )


def _completed_audit(lead, executive, admin, today):
    start = today - timedelta(days=2)
    systems = list(AISystem.objects.filter(slug__in=["credit-scoring", "support-assistant"]))
    # Systems whose owner would be on the team are left out of scope, not the rule bent.
    systems = [s for s in systems if s.owner_id not in (executive.pk, admin.pk)]
    audit = services.audit_create(
        actor=lead,
        data={
            "programme": _programme(start.year, lead),
            "title": TITLE,
            "scope": "AI governance at head office: the AI policy, model release and "
            "monitoring for the production systems, internal audit, management review and "
            "corrective action.",
            "systems": systems,
            "requirements": list(Requirement.objects.filter(ref__in=["9.2", "9.3", "10.2"])),
            "controls": list(Control.objects.filter(ref__in=["A.2.2", "A.6.2.4", "A.6.2.6"])),
            "lead_auditor": executive,
            "auditors": [admin],
            "planned_start": start,
            "planned_end": start + timedelta(days=2),
        },
    )
    audit = services.audit_transition(audit, "start", actor=lead)
    for ref, (result, notes) in RESULTS.items():
        line = _line(audit, ref)
        services.checklist_line_update(
            line,
            actor=executive,
            data={"result": result, "notes": notes},
            expected_version=line.version,
            reason="Result recorded during the audit",
        )
    raised = {}
    for ref, kind, title, description, seen in FINDINGS:
        raised[kind] = services.finding_raise(
            actor=executive,
            data={
                "checklist_line": _line(audit, ref),
                "kind": kind,
                "title": title,
                "description": description,
                "evidence_summary": seen,
            },
        )
    services.evidence_add(
        actor=executive,
        data={
            "kind": "link",
            "title": "Release ticket CHG-2291",
            "url": "https://tickets.example/CHG-2291",
            "checklist_line": _line(audit, "A.6.2.4"),
        },
    )
    credit = AISystem.objects.filter(slug="credit-scoring").first()
    if credit is not None:
        services.evidence_add(
            actor=executive,
            data={
                "kind": "record",
                "title": "Credit-scoring system record at the time of release",
                "record_link": credit.get_absolute_url(),
                "finding": raised["major_nc"],
            },
        )
    audit.refresh_from_db()
    audit = services.audit_update(
        audit,
        actor=executive,
        data={
            "conclusion": "The AIMS is largely effective. Model release control A.6.2.4 failed "
            "once under time pressure (major nonconformity) and effectiveness checks of "
            "corrective actions were skipped (minor). Both need corrective action before the "
            "certification audit."
        },
        expected_version=audit.version,
        reason="Conclusion written",
    )
    services.audit_transition(audit, "complete", actor=executive, reason="Closing meeting held")
    return raised


def _actions(raised, lead, executive, admin):
    minor = _action(
        lead,
        lead,
        finding=raised["minor_nc"],
        title="Effectiveness check before closing any action",
        root_cause="The action log let owners close their own actions in one step.",
        correction="The two actions were reopened and checked by the quality lead.",
        action="The portal's workflow now needs someone other than the owner to verify.",
    )
    minor = _step(_step(minor, "start", lead), "implement", lead)
    minor = _step(
        minor, "verify", executive, "Sampled five later actions: all checked by another person."
    )
    _step(minor, "close", executive)
    services.finding_transition(
        Finding.objects.get(pk=raised["minor_nc"].pk), "close", actor=executive
    )

    waiting = _action(
        lead,
        lead,
        finding=raised["major_nc"],
        title="Block deployment without a signed validation report",
        root_cause="The release checklist was a wiki page; nothing stopped a release without it.",
        correction="Model 4.2 was validated after the fact; results were within tolerance.",
        action="The deployment pipeline now refuses a model without a signed report.",
        due_in=20,
    )
    _step(_step(waiting, "start", lead), "implement", lead)

    late = _action(
        lead,
        admin,
        finding=raised["major_nc"],
        title="Train release managers on the validation procedure",
        root_cause="New release managers had not been shown the procedure.",
        action="Half-day training for all release managers, with attendance recorded.",
        due_in=10,
    )
    late = _step(late, "start", admin)
    # The training slipped: the date agreed at the closing meeting has passed. Written as a
    # tracked save so that the history shows the date the demo needs.
    late.due_date = timezone.localdate() - timedelta(days=12)
    late.version += 1
    tracked_save(late, lead, "Due date as agreed at the closing meeting")


def _review(lead, executive, owner, today):
    review = services.review_create(
        actor=lead,
        data={
            "title": "AIMS management review",
            "meeting_date": today,
            "chair": executive,
            "attendees": [executive, lead, owner],
            "other_attendees": "Data protection officer",
            "changes_in_issues": "The EU AI Act obligations for high-risk systems now have "
            "dates; the credit-scoring model falls under them.",
            "interested_parties_feedback": "Two customer complaints about unexplained credit "
            "decisions; works council asked to see the HR screening assessment.",
            "objectives_performance": "Impact assessments for every production system: met. "
            "Drift detected within a week: met for two of three systems.",
            "improvement_opportunities": "Automate drift alerts; publish the AI policy.",
            "decisions": "Fund a second internal auditor. Publish the AI policy this quarter. "
            "Keep the release freeze on the credit model until the pipeline check is live.",
        },
    )
    _action(
        lead,
        executive,
        review=review,
        title="Publish the AI policy on the intranet",
        action="Publish the approved policy and announce it to all staff.",
        due_in=45,
    )
    services.review_complete(review, actor=executive, reason="Minutes agreed at the meeting")


def _planned_audit(lead, executive, today):
    start = today + timedelta(days=35)
    services.audit_create(
        actor=lead,
        data={
            "programme": _programme(start.year, lead),
            "title": "Follow-up audit: data for AI systems",
            "scope": "Data quality, provenance and preparation for the production systems.",
            "requirements": list(Requirement.objects.filter(ref__in=["8.2", "8.3"])),
            "controls": list(Control.objects.filter(ref__in=["A.7.4", "A.7.5"])),
            "lead_auditor": executive,
            "planned_start": start,
            "planned_end": start + timedelta(days=1),
        },
    )


BODY = "Nordcert Assurance GmbH"


def _certification(lead, executive, owner, today):
    """Certified two years ago: stage 1 and 2, the certificate, surveillance 1 with a minor
    nonconformity being corrected, and surveillance 2 coming up in three weeks."""
    if CertificationBody.objects.filter(name=BODY).exists():
        return
    body = services.certification_body_create(
        actor=lead,
        data={
            "name": BODY,
            "accreditation": "DAkkS, accreditation D-ZM-21044-01 for ISO/IEC 42001",
            "contact_name": "Dr. Katrin Vogel",
            "contact_email": "k.vogel@nordcert.example",
            "website": "https://nordcert.example/ai-management",
            "notes": "Chosen after comparing three bodies; fixed day rates for the cycle.",
        },
    )
    day = timedelta(days=1)

    def audit(kind, start, length, **data):
        return services.certification_audit_create(
            actor=lead,
            data={
                "body": body,
                "kind": kind,
                "cycle": 1,
                "planned_start": start,
                "planned_end": start + length * day,
                "owner": lead,
                **data,
            },
        )

    stage_1_start = today - 760 * day
    audit(
        "stage1",
        stage_1_start,
        1,
        lead_auditor="Dr. Katrin Vogel",
        scope="Documentation review: scope, AI policy, risk and impact processes, SoA.",
        status="completed",
        completed_on=stage_1_start + day,
        outcome="proceed",
        report_summary="Documentation complete; two areas of concern on the objectives' "
        "measures and on supplier reviews, both to be clear by stage 2.",
    )
    stage_2_start = today - 700 * day
    stage_2 = audit(
        "stage2",
        stage_2_start,
        2,
        lead_auditor="Dr. Katrin Vogel",
        audit_team="Jonas Reuter (technical expert, machine learning)",
        scope="Customer service assistant, credit pre-screening and invoice extraction, "
        "with the processes around them at the Hamburg and Leeds sites.",
        status="completed",
        completed_on=stage_2_start + 2 * day,
        outcome="recommended",
        report_summary="No nonconformity; three opportunities for improvement on monitoring.",
    )
    services.certificate_create(
        actor=lead,
        data={
            "number": "NC-AIMS-2024-0117",
            "granted_by": stage_2,
            "scope": "Development and operation of AI systems for customer service, credit "
            "pre-screening and invoice processing at Hamburg (DE) and Leeds (UK).",
            "issued_on": stage_2_start + 30 * day,
            "expires_on": stage_2_start + 30 * day + 3 * 365 * day,
            "owner": executive,
        },
    )
    surveillance_start = today - 395 * day
    surveillance = audit(
        "surveillance1",
        surveillance_start,
        1,
        lead_auditor="Marek Nowak",
        scope="Management review, internal audit, incident handling and supplier control.",
        status="completed",
        completed_on=surveillance_start + day,
        outcome="recommended",
        report_summary="Certificate maintained; one minor nonconformity on supplier control.",
    )
    finding = services.certification_finding_raise(
        actor=lead,
        data={
            "certification_audit": surveillance,
            "control": Control.objects.get(ref="A.10.3"),
            "kind": "minor_nc",
            "title": "Model provider not re-assessed after its terms changed",
            "description": "The provider of the support assistant's base model changed its "
            "data-retention terms; our due-diligence record was not updated.",
            "evidence_summary": "Supplier file last reviewed 14 months before the audit; "
            "provider notice of changed terms dated 3 months before.",
        },
    )
    _action(
        lead,
        owner,
        finding=finding,
        due_in=25,
        title="Re-assess model providers whenever their terms change",
        root_cause="Supplier reviews ran on a yearly calendar only; nothing prompted a review "
        "when a provider changed its terms.",
        correction="Due diligence of the base-model provider was redone the week after.",
        action="Subscribe to providers' term changes and open a supplier review within ten "
        "days of each one.",
    )
    audit(
        "surveillance2",
        today + 21 * day,
        1,
        lead_auditor="Marek Nowak",
        scope="Objectives and their measurement, competence records, corrective actions.",
    )


def load(users):
    _certification(
        users[roles.GOVERNANCE_LEAD],
        users[roles.EXECUTIVE],
        users[roles.SYSTEM_OWNER],
        timezone.localdate(),
    )
    if Audit.objects.filter(title=TITLE).exists():
        return
    lead = users[roles.GOVERNANCE_LEAD]
    executive, admin = users[roles.EXECUTIVE], users[roles.ADMIN]
    owner = users[roles.SYSTEM_OWNER]
    today = timezone.localdate()
    raised = _completed_audit(lead, executive, admin, today)
    _actions(raised, lead, executive, admin)
    _review(lead, executive, owner, today)
    _planned_audit(lead, executive, today)
