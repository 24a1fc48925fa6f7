"""Demo impact assessments and risks on the demo inventory, created through the services.

``load(users)`` is idempotent: it does nothing for an assessment or risk that exists.
"""

from datetime import date, timedelta

from aims_portal import roles
from registry import demo as registry_demo
from registry import services as registry
from registry.models import AISystem

from . import services
from .models import ImpactAssessment, Risk

SUPPORT_CONTEXT = {
    "purpose": "Draft replies to customer support tickets from the help-centre articles; an "
    "agent reads, edits and sends every reply.",
    "intended_users": "Tier-1 and tier-2 support agents in the EU and UK teams.",
    "environment": "Production, EU region; the model is a hosted LLM called through the "
    "internal gateway with retrieval over the help-centre index.",
    "data_flows": "Ticket text (may hold personal data) → gateway → retrieval index and hosted "
    "model → suggested reply shown to the agent. Prompts and replies are logged for 90 days.",
    "direct_users": "Support agents.",
    "third_parties": "Customers whose tickets are processed; the hosted model provider.",
    "vulnerable_groups": "Customers in financial hardship or distress who contact support.",
    "decision": "mitigate",
    "decision_rationale": "The benefit to response times is clear; the residual risks are "
    "acceptable with human review of every reply and the output filter in place.",
}

SUPPORT_IMPACTS = [
    {
        "category": "privacy",
        "description": "A suggested reply quotes details from another customer's ticket.",
        "likelihood": 3,
        "severity": 4,
        "technical_mitigations": "Retrieval restricted to public articles; output PII filter.",
        "procedural_mitigations": "Agents check every reply before sending.",
        "residual_likelihood": 1,
        "residual_severity": 4,
    },
    {
        "category": "fairness",
        "description": "Replies in languages other than English are less accurate.",
        "likelihood": 3,
        "severity": 3,
        "technical_mitigations": "Evaluation set covers the six supported languages.",
        "procedural_mitigations": "Quarterly quality review per language.",
        "residual_likelihood": 2,
        "residual_severity": 2,
    },
    {
        "category": "autonomy",
        "description": "Agents come to trust suggestions without reading them.",
        "likelihood": 4,
        "severity": 3,
        "technical_mitigations": "Replies cannot be sent unedited in one click.",
        "procedural_mitigations": "Training on review duties; sampling audits.",
        "residual_likelihood": 2,
        "residual_severity": 3,
    },
    {
        "category": "other",
        "direction": "positive",
        "description": "Faster first answers for customers waiting on support.",
        "likelihood": 4,
        "severity": 2,
        "residual_likelihood": 4,
        "residual_severity": 2,
    },
]

CREDIT_CONTEXT = {
    "purpose": "Order loan applications so that underwriters see likely approvals first.",
    "intended_users": "Underwriters.",
    "environment": "Staging; scores written back to the loan origination system.",
    "data_flows": "Application data and credit bureau data → model → priority score.",
    "direct_users": "Underwriters.",
    "third_parties": "Loan applicants; the credit bureau.",
    "vulnerable_groups": "Applicants with thin credit files; applicants from protected groups.",
    "decision": "mitigate",
    "decision_rationale": "Only with the fairness monitoring below and underwriters deciding.",
}

CREDIT_IMPACTS = [
    {
        "category": "fairness",
        "description": "Applicants from some groups are ranked lower for the same risk.",
        "likelihood": 4,
        "severity": 5,
        "technical_mitigations": "Disparate impact tests at each retraining.",
        "procedural_mitigations": "Monthly fairness report to the risk committee.",
        "residual_likelihood": 2,
        "residual_severity": 4,
    },
    {
        "category": "financial",
        "description": "Good applications wait longer and are lost to competitors.",
        "likelihood": 3,
        "severity": 3,
        "procedural_mitigations": "Service level on every application regardless of score.",
        "residual_likelihood": 2,
        "residual_severity": 2,
    },
]

RISKS = [
    ("Personal data disclosed in generated replies", "support-assistant", 4, 5, "mitigate", 2, 4),
    ("Prompt injection through ticket text", "support-assistant", 3, 4, "mitigate", 2, 3),
    ("Hosted model provider outage", "support-assistant", 2, 3, "transfer", 2, 2),
    ("Unfair ranking of credit applicants", "credit-scoring", 4, 5, "mitigate", 3, 4),
    ("Model drift after interest rate changes", "credit-scoring", 3, 4, "mitigate", 2, 3),
    ("Training data without documented provenance", "credit-scoring", 3, 3, "mitigate", 1, 3),
    ("Misread invoice amounts paid without check", "invoice-extractor", 3, 4, "mitigate", 1, 3),
    ("Scanned invoices kept longer than allowed", "invoice-extractor", 2, 3, "accept", 2, 3),
    ("Insecure code suggested and merged", "code-review-bot", 3, 3, "mitigate", 2, 2),
    ("Source code sent to an external model", "code-review-bot", 2, 4, "avoid", 1, 2),
    ("Discrimination in CV shortlisting", "hr-screening", 5, 5, "avoid", 2, 5),
    ("Applicants not told an AI screens CVs", "hr-screening", 4, 3, "mitigate", 1, 3),
    ("Staff lack AI competence for oversight", None, 3, 3, "mitigate", 2, 2),
    ("Supplier changes its model without notice", None, 3, 4, "transfer", 2, 3),
]


def _system(slug):
    return AISystem.objects.filter(slug=slug).first()


def _assessment(system, lead, owner, context, impacts, next_review):
    return services.assessment_create(
        actor=lead,
        data={
            "system": system,
            "owner": owner,
            **context,
            "next_review": next_review,
            "impacts": impacts,
        },
    )


def _load_assessments(lead, owner, executive, users):
    today = date.today()
    support, credit = _system("support-assistant"), _system("credit-scoring")
    invoices, hr = _system("invoice-extractor"), _system("hr-screening")
    if support and not ImpactAssessment.objects.filter(system=support).exists():
        first = _assessment(
            support, lead, owner, SUPPORT_CONTEXT, SUPPORT_IMPACTS, today + timedelta(300)
        )
        services.assessment_transition(first, "submit", actor=lead)
        approved = services.assessment_transition(
            first, "approve", actor=executive, reason="Signed off"
        )
        registry_demo.go_live(users, support, approved.reference)
        # A second revision is being written for the UK launch; revision 1 stays in force.
        services.assessment_revise(approved, actor=lead, reason="UK launch planned")
    if credit and not ImpactAssessment.objects.filter(system=credit).exists():
        draft = _assessment(
            credit, lead, owner, CREDIT_CONTEXT, CREDIT_IMPACTS, today + timedelta(180)
        )
        services.assessment_transition(
            draft, "submit", actor=lead, reason="Ready for the committee"
        )
    if invoices and not ImpactAssessment.objects.filter(system=invoices).exists():
        context = {
            **SUPPORT_CONTEXT,
            "purpose": "Extract amounts, dates and supplier details from scanned invoices.",
            "intended_users": "Accounts-payable clerks.",
            "direct_users": "Finance team.",
            "third_parties": "Suppliers whose invoices are read.",
            "vulnerable_groups": "None identified.",
            "decision": "accept",
        }
        impacts = [
            {
                "category": "financial",
                "description": "A misread amount is paid to a supplier.",
                "likelihood": 3,
                "severity": 3,
                "technical_mitigations": "Totals cross-checked with line items.",
                "procedural_mitigations": "Payments above 10,000 EUR approved by a person.",
                "residual_likelihood": 1,
                "residual_severity": 3,
            }
        ]
        approved = _assessment(invoices, lead, owner, context, impacts, today + timedelta(90))
        services.assessment_transition(approved, "submit", actor=lead)
        services.assessment_transition(approved, "approve", actor=executive)
        invoices = registry_demo.go_live(users, invoices, approved.reference)
        # The system then starts serving suppliers too: its assessment is flagged.
        invoices.refresh_from_db()
        registry.ai_system_update(
            invoices,
            actor=lead,
            data={"affected_parties": [*invoices.affected_parties, "suppliers"]},
            expected_version=invoices.version,
            reason="Suppliers now see extracted data in the portal",
        )
    registry_demo.after_go_live(users)
    if hr and not ImpactAssessment.objects.filter(system=hr).exists():
        _assessment(
            hr,
            lead,
            owner,
            {"purpose": "Shortlist applicants for recruiter review.", "decision": ""},
            [{"category": "fairness", "description": "Shortlists under-represent some groups."}],
            None,
        )


WHERE = ("impact assessment", "AI risk workshop")


def _load_risks(lead, owner, executive):
    today = date.today()
    for n, (title, slug, il, ii, treatment, rl, ri) in enumerate(RISKS):
        if Risk.objects.filter(title=title).exists():
            continue
        system = _system(slug) if slug else None
        risk = services.risk_create(
            actor=lead,
            data={
                "title": title,
                "description": f"{title}. Identified in the {WHERE[n % 2]}.",
                "source": "Impact assessment" if slug else "Internal audit",
                "systems": [system] if system else [],
                "owner": owner if n % 3 else lead,
                "inherent_likelihood": il,
                "inherent_impact": ii,
                "treatment": treatment,
                "treatment_plan": ""
                if treatment == "accept"
                else f"Plan agreed for: {title.lower()}.",
                "residual_likelihood": rl,
                "residual_impact": ri,
                "review_date": today + timedelta(days=(n * 23) % 200 - 30),
            },
        )
        if n == 7:  # accepted: asked by the lead, accepted by the executive
            services.risk_transition(risk, "request_acceptance", actor=lead)
            services.risk_transition(risk, "accept", actor=executive, reason="Within appetite")
        elif n in (2, 5):
            services.risk_transition(risk, "request_acceptance", actor=lead)
        elif n == 9:
            services.risk_transition(risk, "close", actor=lead, reason="External model not used")


def load(users):
    lead, owner = users[roles.GOVERNANCE_LEAD], users[roles.SYSTEM_OWNER]
    executive = users[roles.EXECUTIVE]
    _load_assessments(lead, owner, executive, users)
    _load_risks(lead, owner, executive)
