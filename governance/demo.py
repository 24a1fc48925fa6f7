"""Demo management-system registers: context issues and interested parties, an approved
scope statement, acknowledgements of the AI policy (one person still to read it), a RACI,
objectives with readings over several months, competences, training records (one about to
expire, one expired) and a communication plan.

``load(users)`` is called by ``manage.py seed_demo`` with the demo user of each role; each
register is filled only while it is empty, so it can run again.
"""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from aims_portal import roles
from controls.models import ControlledDocument
from registry.models import AISystem, Supplier

from . import services
from .models import (
    Communication,
    Competence,
    ContextIssue,
    InterestedParty,
    Objective,
    PolicyAcknowledgement,
    RaciAssignment,
    ScopeStatement,
)

ISSUES = [
    (
        "EU AI Act obligations phase in",
        "external",
        "legal",
        "High-risk obligations apply to credit scoring from August 2026; providers and deployers "
        "must show risk management, logging and human oversight.",
        "Credit scoring is treated as high risk now: impact assessment, logging and oversight "
        "controls are in the SoA and tracked as objective OBJ-002.",
    ),
    (
        "Reliance on one foundation-model provider",
        "external",
        "supply",
        "The support assistant depends on a single hosted model; a price change or withdrawal "
        "would interrupt customer service.",
        "Supplier due diligence is annual, and the change procedure includes a tested fallback "
        "model before any base-model switch.",
    ),
    (
        "Customers ask how AI decisions are made",
        "external",
        "market",
        "Enterprise customers now add AI transparency questions to security reviews and tenders.",
        "A public AI statement and a standard answer pack are kept by the governance lead.",
    ),
    (
        "Public concern about automated hiring",
        "external",
        "societal",
        "Press coverage of biased screening tools makes candidates wary of automated shortlisting.",
        "HR screening stays a proposal until its fairness evaluation and impact assessment pass.",
    ),
    (
        "Data science team of six, growing fast",
        "internal",
        "organisation",
        "New hires arrive without knowledge of our AI rules; two teams build models in parallel.",
        "Onboarding includes the AI policy and the model release standard; a training matrix "
        "shows who holds which competence.",
    ),
    (
        "Legacy data warehouse without lineage",
        "internal",
        "technology",
        "Training data for older models comes from tables whose origin is not recorded.",
        "Data sources are registered per system with provenance; new models may not train on "
        "unregistered sources.",
    ),
    (
        "Board wants AI to cut service costs",
        "internal",
        "organisation",
        "Management targets a 20% lower cost per support ticket within the year.",
        "The cost target is weighed against customer-harm risks in each impact assessment.",
    ),
]

PARTIES = [
    (
        "Financial conduct regulator",
        "regulator",
        "regulatory",
        "Fair treatment of customers in credit decisions; explanations on request; records kept "
        "for five years.",
        "Credit scoring has an approved impact assessment, reason codes on every decision and "
        "log retention of five years.",
    ),
    (
        "Data protection authority",
        "regulator",
        "regulatory",
        "Lawful basis for personal data in AI, DPIAs where required, data subject rights honoured.",
        "The DPO signs off systems processing personal data before production; registry policy "
        "blocks production with PII and no assessment.",
    ),
    (
        "Enterprise customers",
        "customer",
        "contractual",
        "Contract clauses: no customer data used to train shared models; notice of material AI "
        "changes 30 days ahead.",
        "Supplier terms forbid training on our data; change records flag customer-visible changes "
        "for notice.",
    ),
    (
        "Retail borrowers",
        "affected",
        "expectation",
        "Decisions they can understand and contest; no discrimination.",
        "Adverse decisions carry reason codes and a human review path; fairness is tested each "
        "release.",
    ),
    (
        "Support agents",
        "staff",
        "expectation",
        "Assistant suggestions they can trust and override; training before using it.",
        "Agents complete the assistant's training before access; overrides are logged and "
        "reviewed.",
    ),
    (
        "Model and data providers",
        "supplier",
        "contractual",
        "Clear acceptable-use terms and incident notice from us.",
        "",
    ),
]

RACI = [
    ("risk", None, "Run the AI risk assessment", [("lead", "A"), ("owner", "R"), ("exec", "I")]),
    ("impact", None, "Approve impact assessments", [("exec", "A"), ("lead", "R"), ("owner", "C")]),
    ("audit", None, "Plan and run internal audits", [("lead", "A"), ("admin", "R"), ("exec", "I")]),
    ("review", None, "Chair the management review", [("exec", "A"), ("lead", "R")]),
    ("incidents", None, "Contain an AI incident", [("owner", "R"), ("lead", "A"), ("exec", "I")]),
    ("competence", None, "Keep the training matrix", [("lead", "A"), ("admin", "R")]),
    (
        None,
        "support-assistant",
        "Approve a base-model change",
        [("exec", "A"), ("owner", "R"), ("lead", "C")],
    ),
    (None, "support-assistant", "Watch quality signals weekly", [("owner", "A"), ("lead", "I")]),
    (
        None,
        "credit-scoring",
        "Sign off the fairness evaluation",
        [("lead", "A"), ("owner", "R"), ("exec", "I")],
    ),
]

COMPETENCES = [
    (
        "AI policy and rules of use",
        "Knows what the AI policy allows and forbids, and whom to ask.",
        "all staff",
        None,
        12,
    ),
    (
        "AI risk and impact assessment",
        "Can lead an impact assessment and score risks with the portal's method.",
        "governance lead",
        None,
        24,
    ),
    (
        "ISO/IEC 42001 internal auditing",
        "Can plan and run an internal audit of the AIMS and write findings.",
        "internal auditor",
        None,
        36,
    ),
    (
        "Fairness testing for credit models",
        "Can run and read the fairness test suite for scoring models.",
        "",
        "credit-scoring",
        12,
    ),
    (
        "Operating the support assistant",
        "Knows the assistant's limits, how to override it and how to report a bad answer.",
        "",
        "support-assistant",
        12,
    ),
]

OBJECTIVES = [
    (
        "Every production AI system has an approved impact assessment",
        "lead",
        "Production systems with an approved assessment, counted by the portal each morning.",
        "assessed_production",
        "%",
        "100",
        "at_least",
        120,
        "Finish the assessments still open; block go-live without one through registry policy.",
        [],
    ),
    (
        "High-risk credit model meets AI Act duties before August 2026",
        "owner",
        "Share of the credit-scoring checklist items done, read at each steering meeting.",
        "manual",
        "%",
        "100",
        "at_least",
        240,
        "Logging to five years, reason codes, human review path, conformity file; monthly review.",
        [(150, "35"), (120, "48"), (90, "55"), (60, "61"), (30, "72"), (3, "78")],
    ),
    (
        "Staff know the AI policy",
        "lead",
        "Staff who acknowledged the current AI policy, counted by the portal.",
        "policy_acknowledged",
        "%",
        "95",
        "at_least",
        90,
        "Reminders to those who have not read it; a short briefing at each team meeting.",
        [],
    ),
    (
        "Fewer harmful answers from the support assistant",
        "owner",
        "Answers flagged harmful by agents per 10,000 answers, from the weekly quality report.",
        "manual",
        "per 10k",
        "2",
        "at_most",
        180,
        "Tighter retrieval filters, a refusal rule set and a weekly review of flagged answers.",
        [(140, "6.4"), (105, "5.1"), (70, "3.9"), (35, "2.6"), (7, "2.2")],
    ),
    (
        "Applicable Annex A controls implemented",
        "lead",
        "Applicable SoA controls marked implemented, counted by the portal.",
        "soa_implemented",
        "%",
        "90",
        "at_least",
        300,
        "Work through the partial controls group by group; owners report at the monthly meeting.",
        [],
    ),
]

COMMUNICATIONS = [
    (
        "AI policy and its changes",
        "All staff",
        "internal",
        "At each new version",
        "Intranet notice and acknowledgement in the portal",
        "lead",
        20,
    ),
    (
        "AIMS performance and objectives",
        "Board",
        "internal",
        "Quarterly",
        "Management review pack",
        "exec",
        45,
    ),
    (
        "How we use AI with customer data",
        "Enterprise customers",
        "external",
        "Yearly and on request",
        "Customer trust page and security questionnaire answers",
        "lead",
        75,
    ),
    (
        "Material changes to the support assistant",
        "Support agents",
        "internal",
        "Before each release",
        "Release note and a 15-minute briefing",
        "owner",
        10,
    ),
    (
        "Serious AI incidents",
        "Data protection authority",
        "external",
        "Within 72 hours",
        "Regulator portal, by the DPO",
        "exec",
        None,
    ),
]


def load(users):
    lead, owner, executive = (
        users[roles.GOVERNANCE_LEAD],
        users[roles.SYSTEM_OWNER],
        users[roles.EXECUTIVE],
    )
    people = {"lead": lead, "owner": owner, "exec": executive, "admin": users[roles.ADMIN]}
    today = timezone.localdate()
    systems = {s.slug: s for s in AISystem.objects.all()}

    if not ContextIssue.objects.exists():
        for n, (title, kind, category, description, response) in enumerate(ISSUES):
            services.issue_create(
                actor=lead,
                data={
                    "title": title,
                    "kind": kind,
                    "category": category,
                    "description": description,
                    "response": response,
                    "owner": owner if n == 1 else lead,
                    "review_date": today + timedelta(days=60 + 30 * n),
                },
            )

    if not InterestedParty.objects.exists():
        for name, category, basis, requirements, addressed in PARTIES:
            services.party_create(
                actor=lead,
                data={
                    "name": name,
                    "category": category,
                    "basis": basis,
                    "requirements": requirements,
                    "how_addressed": addressed,
                    "owner": lead,
                },
            )

    if not ScopeStatement.objects.exists():
        scope = services.scope_create(
            actor=lead,
            data={
                "title": "AIMS scope statement",
                "scope_version": "1.0",
                "boundaries": "The design, development, operation and retirement of AI systems "
                "by the Lending and Customer Service divisions, run from the Amsterdam and "
                "Lisbon offices and our cloud tenancy in the EU.",
                "units_in": "Lending; Customer Service; Data Science platform team; IT "
                "operations for the AI hosting tenancy.",
                "units_out": "Group HR (no AI system in production yet); the retail shop "
                "subsidiary, which runs its own management system.",
                "systems_in": [
                    s
                    for k, s in systems.items()
                    if k
                    in (
                        "support-assistant",
                        "credit-scoring",
                        "invoice-extractor",
                        "code-review-bot",
                    )
                ],
                "systems_out": [s for k, s in systems.items() if k == "hr-screening"],
                "exclusions_reason": "HR screening is a proposal only; it enters the scope "
                "before any pilot.",
                "suppliers": list(Supplier.objects.order_by("name")[:2]),
                "interfaces": "Foundation models are hosted by providers under contract: we "
                "control prompts, retrieval data, evaluation and release; the provider "
                "controls model training and hosting security, evidenced by their reports.",
                "owner": lead,
            },
        )
        services.scope_transition(scope, "submit", actor=lead)
        services.scope_transition(
            scope, "approve", actor=executive, reason="Matches the board's decision of March."
        )
        # The next version is being drafted: HR screening enters before its pilot.
        services.scope_create(
            actor=lead,
            data={
                "title": "AIMS scope statement",
                "scope_version": "1.1",
                "boundaries": scope.boundaries,
                "units_in": "Lending; Customer Service; Group HR (talent acquisition only); "
                "Data Science platform team; IT operations for the AI hosting tenancy.",
                "units_out": "The retail shop subsidiary, which runs its own management system.",
                "systems_in": [
                    s
                    for k, s in systems.items()
                    if k
                    in (
                        "support-assistant",
                        "credit-scoring",
                        "invoice-extractor",
                        "code-review-bot",
                        "hr-screening",
                    )
                ],
                "suppliers": list(Supplier.objects.order_by("name")[:3]),
                "interfaces": scope.interfaces,
                "owner": lead,
            },
        )

    policy = (
        ControlledDocument.objects.filter(kind="policy", status="approved").order_by("ref").first()
    )
    if policy is not None and not PolicyAcknowledgement.objects.exists():
        for person in (lead, owner, executive):
            services.policy_acknowledge(policy, actor=person)

    if not RaciAssignment.objects.exists():
        for process, slug, activity, holders in RACI:
            if slug and slug not in systems:
                continue
            for who, role in holders:
                services.raci_create(
                    actor=lead,
                    data={
                        "process": process or "",
                        "system": systems.get(slug),
                        "activity": activity,
                        "person": people[who],
                        "role": role,
                    },
                )

    if not Competence.objects.exists():
        for name, description, role, slug, months in COMPETENCES:
            services.competence_create(
                actor=lead,
                data={
                    "name": name,
                    "description": description,
                    "role": role,
                    "system": systems.get(slug) if slug else None,
                    "validity_months": months,
                },
            )
        comps = list(Competence.objects.order_by("reference"))
        trainings = [
            (lead, comps[0], "AI policy e-learning", "Internal academy", 200, None),
            (owner, comps[0], "AI policy e-learning", "Internal academy", 340, None),
            (executive, comps[0], "Board briefing on the AI policy", "Governance lead", 50, None),
            (lead, comps[1], "Impact assessment workshop", "External trainer", 400, None),
            (
                lead,
                comps[2],
                "ISO/IEC 42001 internal auditor course",
                "Certification academy",
                300,
                None,
            ),
            (
                users[roles.ADMIN],
                comps[2],
                "Audit shadowing on two audits",
                "Governance lead",
                800,
                760,
            ),
            (owner, comps[3], "Fairness test suite walkthrough", "Data science guild", 380, None),
            (owner, comps[4], "Support assistant operator training", "Vendor", 90, None),
        ]
        for person, competence, activity, provider, ago, valid_days in trainings:
            completed = today - timedelta(days=ago)
            data = {
                "person": person,
                "competence": competence,
                "activity": activity,
                "provider": provider,
                "completed_on": completed,
            }
            if valid_days:
                data["expires_on"] = completed + timedelta(days=valid_days)
            services.training_create(actor=lead, data=data)

    if not Objective.objects.exists():
        for title, who, measure, metric, unit, target, direction, due, plan, readings in OBJECTIVES:
            objective = services.objective_create(
                actor=lead,
                data={
                    "title": title,
                    "owner": people[who],
                    "measure": measure,
                    "metric": metric,
                    "unit": unit,
                    "target": Decimal(target),
                    "direction": direction,
                    "due_date": today + timedelta(days=due),
                    "plan": plan,
                },
            )
            for ago, value in readings:
                services.measurement_create(
                    actor=lead,
                    data={
                        "objective": objective,
                        "measured_on": today - timedelta(days=ago),
                        "value": Decimal(value),
                        "note": "Read at the monthly steering meeting.",
                    },
                )
        services.measurements_compute()

    if not Communication.objects.exists():
        for topic, audience, kind, timing, channel, who, due in COMMUNICATIONS:
            services.communication_create(
                actor=lead,
                data={
                    "topic": topic,
                    "audience": audience,
                    "audience_kind": kind,
                    "timing": timing,
                    "channel": channel,
                    "responsible": people[who],
                    "next_due": today + timedelta(days=due) if due is not None else None,
                },
            )
