"""Demo SoA: every control decided and justified, implementation spread over the groups,
evidence references and linked systems, one approved revision and a newer draft change,
plus controlled documents (an approved AI policy, a procedure in review, a draft).

``load(users)`` is called by ``manage.py seed_demo`` with the demo user of each role; it
creates only what is missing, so it can run again.
"""

from datetime import date, timedelta
from pathlib import Path

import yaml
from django.core.files.uploadedfile import SimpleUploadedFile

from aims_portal import roles
from aims_portal.services import tracked_save
from assessments.models import Risk
from registry.models import AISystem

from . import services
from .catalogue import load_catalogue, soa_document
from .models import (
    Control,
    ControlledDocument,
    DocumentSettings,
    Requirement,
    SoAEntry,
    SoARevision,
)

# Excluded controls: their justification and exclusion reasons.
EXCLUDED = {
    "A.10.4": (
        "We do not provide AI products or services to customers; all AI systems are "
        "for internal use or for our own customer service.",
        ["out_of_scope"],
    ),
    "A.5.5": (
        "Our systems are internal decision aids with no reach into public life; "
        "societal effects are covered by the impact assessments of individual systems.",
        ["covered_elsewhere", "no_risk"],
    ),
}
IMPLEMENTED_GROUPS = {"A.2", "A.3", "A.8"}
PARTIAL_GROUPS = {"A.4", "A.5", "A.6"}
SYSTEMS_BY_GROUP = {
    "A.5": ["support-assistant", "credit-scoring", "hr-screening"],
    "A.6": ["support-assistant", "credit-scoring", "invoice-extractor"],
    "A.7": ["credit-scoring", "support-assistant"],
    "A.10": ["support-assistant", "code-review-bot"],
}

DOCUMENTS = [
    {
        "ref": "POL-001",
        "title": "AI policy",
        "kind": "policy",
        "summary": "What we use AI for, what we will not do with it, and who decides.",
        "doc_version": "1.0",
        "controls": ["A.2.2", "A.2.3", "A.2.4", "A.9.3"],
        "information": "ai-policy",
        "approve": True,
    },
    {
        "ref": "STD-005",
        "title": "AIMS roles and responsibilities",
        "kind": "standard",
        "summary": "Who carries out, approves, advises on and hears about each AIMS process, "
        "per process and per AI system.",
        "doc_version": "1.1",
        "controls": ["A.3.2"],
        "information": "roles-responsibilities",
        "approve": True,
    },
    {
        "ref": "PLN-003",
        "title": "AI objectives 2026",
        "kind": "record",
        "summary": "Five objectives for the year, each with a measure, a target, an owner and "
        "the quarter it is due.",
        "doc_version": "1.0",
        "controls": [],
        "information": "ai-objectives",
        "approve": True,
    },
    {
        "ref": "REC-010",
        "title": "AI competence and training records",
        "kind": "record",
        "summary": "Training completed by model developers, reviewers and approvers, with "
        "certificates and expiry dates.",
        "doc_version": "2.0",
        "controls": ["A.4.6"],
        "information": "competence-evidence",
        "approve": True,
    },
    {
        "ref": "PRC-004",
        "title": "AI impact assessment procedure",
        "kind": "procedure",
        "summary": "When an impact assessment is needed, its steps, and who signs it off.",
        "doc_version": "0.3",
        "controls": ["A.5.2", "A.5.3", "A.5.4"],
        "submit": True,
    },
    {
        "ref": "STD-002",
        "title": "Model release and monitoring standard",
        "kind": "standard",
        "summary": "Checks a model passes before release and the signals watched afterwards.",
        "doc_version": "0.1",
        "controls": ["A.6.2.4", "A.6.2.5", "A.6.2.6", "A.6.2.8"],
    },
]


POSITIONS = Path(__file__).resolve().parent / "data" / "demo_soa.yaml"


def _positions():
    """Each applicable control's demo position: inclusion reasons, justification, evidence."""
    return yaml.safe_load(POSITIONS.read_text(encoding="utf-8"))


def _justification(control):
    return (
        f"Included: “{control.title}” is needed for the AI systems in scope, several of which "
        "run in production with personal data; the risk assessment relies on it."
    )


def _status(control):
    if control.group in IMPLEMENTED_GROUPS:
        return "implemented"
    if control.group in PARTIAL_GROUPS:
        return "partial" if control.ref[-1] in "2468" else "implemented"
    return "planned" if control.ref[-1] in "35" else "partial"


# Risks of the register (by position) and the controls that treat them.
RISK_CONTROLS = ["A.6.2.6", "A.7.4", "A.5.4", "A.10.3", "A.6.2.4", "A.8.4", "A.7.5", "A.9.4"]


def _decide(lead, owner):
    systems = {s.slug: s for s in AISystem.objects.all()}
    risks = list(Risk.objects.order_by("pk"))
    treated = {}
    for i, risk in enumerate(risks):
        treated.setdefault(RISK_CONTROLS[i % len(RISK_CONTROLS)], []).append(risk)
    positions = _positions()
    for entry in SoAEntry.objects.select_related("control"):
        if entry.applicability != SoAEntry.Applicability.UNDECIDED:
            continue
        control = entry.control
        excluded = control.ref in EXCLUDED
        position = positions.get(control.ref, {})
        data = {
            "applicability": "excluded" if excluded else "applicable",
            "inclusion_reasons": [] if excluded else position.get("reasons", ["good_practice"]),
            "exclusion_reasons": EXCLUDED[control.ref][1] if excluded else [],
            "justification": (
                (EXCLUDED[control.ref][0] if excluded else None)
                or position.get("justification")
                or _justification(control)
            ),
            "implementation_status": "not_started" if excluded else _status(control),
            "owner": owner if control.group in {"A.6", "A.7"} else lead,
            "evidence": [] if excluded else position.get("evidence", []),
            "last_reviewed": date.today() - timedelta(days=30),
            "systems": [
                systems[slug] for slug in SYSTEMS_BY_GROUP.get(control.group, []) if slug in systems
            ],
            "risks": treated.get(control.ref, []),
        }
        services.soa_entry_update(
            entry, actor=lead, data=data, expected_version=entry.version, reason="Initial SoA"
        )


def _documents(lead, executive, owner):
    controls = {c.ref: c for c in Control.objects.all()}
    for spec in DOCUMENTS:
        if ControlledDocument.objects.filter(ref=spec["ref"]).exists():
            continue
        data = {k: v for k, v in spec.items() if k not in {"controls", "approve", "submit"}}
        document = services.document_create(
            actor=lead,
            data={
                **data,
                "owner": lead if spec["kind"] == "policy" else owner,
                "review_date": date.today() + timedelta(days=300),
                "controls": [controls[r] for r in spec["controls"]],
            },
        )
        upload = SimpleUploadedFile(
            f"{spec['ref']}-v{spec['doc_version']}.txt",
            f"{spec['ref']} {spec['title']}, version {spec['doc_version']}\n\n"
            f"{spec['summary']}\n".encode(),
        )
        document = services.document_attach_file(
            document,
            actor=lead,
            upload=upload,
            expected_version=document.version,
            reason="Current text attached",
        )
        if spec.get("approve") or spec.get("submit"):
            document = services.document_transition(document, "submit", actor=lead)
        if spec.get("approve"):
            services.document_transition(
                document, "approve", actor=executive, reason="Approved by the board"
            )


# Where the organisation stands on each clause requirement: status, who owns it ("lead",
# "executive" or "owner"), how it is met and where the proof is.
REQUIREMENTS = {
    "4.1": (
        "met",
        "lead",
        "Internal and external issues were reviewed at the spring "
        "workshop; the EU AI Act timetable and our dependence on two model providers "
        "are the top items.",
        ["Context workshop minutes, 14 March"],
    ),
    "4.2": (
        "met",
        "lead",
        "Regulators, customers, staff works council and model providers "
        "are listed with what each expects from us.",
        ["Stakeholder map v2"],
    ),
    "4.3": (
        "met",
        "lead",
        "The scope is written into the SoA and covers the customer "
        "service, credit and finance systems; the code-review bot is out of scope.",
        ["SoA scope statement"],
    ),
    "4.4": (
        "partial",
        "lead",
        "Processes are defined; the interface with the IT change process is still informal.",
        ["AIMS process map"],
    ),
    "5.1": (
        "met",
        "executive",
        "The board sponsors the AIMS, approved its budget and chairs the management review.",
        ["Board minutes, January"],
    ),
    "5.2": (
        "met",
        "executive",
        "The AI policy was approved by the board and is due for "
        "its first yearly review in the autumn.",
        ["POL-001"],
    ),
    "5.3": (
        "met",
        "executive",
        "Roles are assigned per process and per system in a RACI the lead keeps current.",
        ["STD-005"],
    ),
    "6.1": (
        "partial",
        "lead",
        "Risks are handled in the register; opportunities are not yet recorded anywhere.",
        ["Risk register"],
    ),
    "6.1.2": (
        "met",
        "lead",
        "Risks are rated on the 5 by 5 scoring method with agreed acceptance thresholds.",
        ["Risk scoring method"],
    ),
    "6.1.3": (
        "met",
        "lead",
        "Each open risk has a treatment and the SoA names the controls that carry it out.",
        ["SoA revision 1"],
    ),
    "6.1.4": (
        "partial",
        "owner",
        "Impact assessments exist for the production systems; "
        "the HR screening pilot still lacks one.",
        ["PRC-004 draft"],
    ),
    "6.2": (
        "met",
        "executive",
        "Objectives for the year are approved with owners and targets.",
        ["PLN-003"],
    ),
    "6.3": (
        "planned",
        "lead",
        "A change-planning step for the AIMS itself will be added "
        "to the quarterly governance meeting.",
        [],
    ),
    "7.1": (
        "met",
        "executive",
        "Two governance roles and a model-risk budget were funded for the year.",
        ["Budget line AIMS-2026"],
    ),
    "7.2": (
        "partial",
        "lead",
        "Developers and reviewers are trained; approvers' training is booked for next month.",
        ["REC-010"],
    ),
    "7.3": (
        "partial",
        "lead",
        "The intranet page on the AI policy is drafted; the staff briefing has not run yet.",
        ["Intranet draft page"],
    ),
    "7.4": (
        "planned",
        "lead",
        "A communication plan naming what is said to whom and when is being written.",
        [],
    ),
    "7.5": (
        "met",
        "lead",
        "Documents are controlled in the portal with versions, approvals and review dates.",
        ["Controlled documents register"],
    ),
    "8.1": (
        "partial",
        "owner",
        "Changes to production systems go through reviewed change "
        "records; retraining runs are not yet covered.",
        ["Change records"],
    ),
    "8.2": (
        "met",
        "lead",
        "The register was reassessed after the base-model upgrade of the support assistant.",
        ["Risk register review, May"],
    ),
    "8.3": (
        "partial",
        "lead",
        "Most treatments are in place; two wait on the vendor's logging release.",
        ["Treatment tracker"],
    ),
    "8.4": (
        "partial",
        "owner",
        "Assessments are redone when purpose or data change; the "
        "trigger list is not yet written down.",
        ["Approved impact assessments"],
    ),
    "9.1": (
        "planned",
        "lead",
        "What to measure is agreed; the first quarterly measurements "
        "are due at the end of the quarter.",
        [],
    ),
    "9.2": (
        "met",
        "lead",
        "This year's internal audit ran and its report is in the portal.",
        ["Internal audit report"],
    ),
    "9.3": (
        "met",
        "executive",
        "The first management review met and its decisions are being carried out.",
        ["Review minutes"],
    ),
    "10.1": (
        "planned",
        "executive",
        "Improvement ideas will be collected from findings and "
        "incidents and reviewed twice a year.",
        [],
    ),
    "10.2": (
        "partial",
        "lead",
        "Findings get corrective actions; the effectiveness checks "
        "were missing once and are now enforced.",
        ["Corrective action log"],
    ),
}


def _requirements(users):
    people = {
        "lead": users[roles.GOVERNANCE_LEAD],
        "executive": users[roles.EXECUTIVE],
        "owner": users[roles.SYSTEM_OWNER],
    }
    lead = people["lead"]
    today = date.today()
    for n, requirement in enumerate(Requirement.objects.order_by("sort_key")):
        spec = REQUIREMENTS.get(requirement.ref)
        if spec is None or requirement.status != Requirement.Status.NOT_STARTED:
            continue
        status, owner, notes, evidence = spec
        services.requirement_update(
            requirement,
            actor=lead,
            data={
                "status": status,
                "owner": people[owner],
                "notes": notes,
                "evidence": evidence,
                "last_reviewed": today - timedelta(days=10 + 3 * n),
            },
            expected_version=requirement.version,
            reason="Compliance position recorded for the stage 1 preparation",
        )


def load(users):
    lead, executive = users[roles.GOVERNANCE_LEAD], users[roles.EXECUTIVE]
    owner = users[roles.SYSTEM_OWNER]
    load_catalogue()
    soa = soa_document()
    if not soa.scope:
        soa.scope = (
            "AI systems developed or operated by the organisation for customer service, "
            "credit pre-screening, finance operations and software development, in the EU "
            "and the UK."
        )
        tracked_save(soa, lead, "Scope set")
    _decide(lead, owner)
    if not SoARevision.objects.exists():
        services.soa_transition(soa_document(), "submit", actor=lead)
        services.soa_transition(
            soa_document(), "approve", actor=executive, reason="Approved at the AIMS kick-off"
        )
        # A later draft change, so the page shows work since the approved revision.
        entry = SoAEntry.objects.get(control__ref="A.7.5")
        services.soa_entry_update(
            entry,
            actor=lead,
            data={
                "implementation_status": "implemented",
                "evidence": [*entry.evidence, "DATA-LINEAGE dashboard"],
            },
            expected_version=entry.version,
            reason="Lineage tracking now live for all training sets",
        )
    _documents(lead, executive, owner)
    if not DocumentSettings.objects.exists():
        services.document_settings_update(
            actor=users[roles.ADMIN],
            data={
                "organisation_name": "Northwind Lending Ltd",
                "soa_document_id": "NWL-AIMS-SOA-001",
                "classification": DocumentSettings.Classification.CONFIDENTIAL,
                "distribution": (
                    "Executive committee; AIMS governance lead; internal audit; "
                    "certification body (on request)"
                ),
            },
            reason="Document settings for the demo organisation",
        )
    _requirements(users)
