"""Demo SoA: every control decided and justified, implementation spread over the groups,
evidence references and linked systems, one approved revision and a newer draft change,
plus controlled documents (an approved AI policy, a procedure in review, a draft).

``load(users)`` is called by ``manage.py seed_demo`` with the demo user of each role; it
creates only what is missing, so it can run again.
"""

from datetime import date, timedelta

from aims_portal import roles
from assessments.models import Risk
from registry.models import AISystem

from . import services
from .catalogue import load_catalogue, soa_document
from .models import Control, ControlledDocument, SoAEntry, SoARevision

EXCLUDED = {
    "A.10.4": "We do not provide AI products or services to customers; all AI systems are "
    "for internal use or for our own customer service.",
    "A.5.5": "Our systems are internal decision aids with no reach into public life; "
    "societal effects are covered by the impact assessments of individual systems.",
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
    for entry in SoAEntry.objects.select_related("control"):
        if entry.applicability != SoAEntry.Applicability.UNDECIDED:
            continue
        control = entry.control
        excluded = control.ref in EXCLUDED
        data = {
            "applicability": "excluded" if excluded else "applicable",
            "justification": EXCLUDED.get(control.ref) or _justification(control),
            "implementation_status": "not_started" if excluded else _status(control),
            "owner": owner if control.group in {"A.6", "A.7"} else lead,
            "evidence": []
            if excluded
            else [
                f"{control.group.replace('.', '')}-PLAYBOOK §{control.ref.split('.')[-1]}",
                f"https://wiki.aims.example/controls/{control.ref}",
            ],
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
        if spec.get("approve") or spec.get("submit"):
            document = services.document_transition(document, "submit", actor=lead)
        if spec.get("approve"):
            services.document_transition(
                document, "approve", actor=executive, reason="Approved by the board"
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
        soa._history_user = lead
        soa._change_reason = "Scope set"
        soa.save()
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
