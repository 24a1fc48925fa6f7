"""Demo inventory: suppliers, the example registry YAML files, and the real paths behind
them — lifecycle change requests raised by the import and approved by the executive,
model versions, incidents and a Rego policy added later that now denies one system.

``load(users)`` is called by ``manage.py seed_demo`` with the demo user of each role; it
creates only what is missing, so it can run again.
"""

from datetime import date, datetime, timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from aims_portal import roles
from aims_portal.services import tracked_save

from . import golive
from . import services as registry
from .models import (
    AISystem,
    ChangeRequest,
    DataSource,
    Incident,
    RegistryPolicy,
    Responsibility,
    Supplier,
)
from .yaml_io import yaml_files

EXAMPLES = Path(__file__).resolve().parent / "examples"

SUPPLIERS = [
    {
        "name": "Northwind Models",
        "services": "Hosted large language model API",
        "website": "https://northwind.example",
        "contact_name": "Priya Shah",
        "contact_email": "trust@northwind.example",
        "due_diligence_status": Supplier.DueDiligence.APPROVED,
        "due_diligence_notes": "SOC 2 type II report reviewed; data processing agreement signed.",
        "last_reviewed": -120,
        "next_review": 245,
    },
    {
        "name": "Labelworks",
        "services": "Data labelling and annotation",
        "contact_email": "ops@labelworks.example",
        "due_diligence_status": Supplier.DueDiligence.IN_PROGRESS,
        "due_diligence_notes": "Awaiting the sub-processor list.",
        "next_review": 20,
    },
    {
        "name": "VectorVault",
        "services": "Managed vector database for retrieval",
        "contact_email": "security@vectorvault.example",
        "due_diligence_status": Supplier.DueDiligence.CONDITIONAL,
        "due_diligence_notes": "Approved on condition that EU data residency is enabled.",
        "last_reviewed": -30,
        "next_review": 150,
    },
]

DATE_FIELDS = ("last_reviewed", "next_review")


def _dates(data):
    today = date.today()
    return {
        key: today + timedelta(days=value) if key in DATE_FIELDS else value
        for key, value in data.items()
    }


def _at(days_ago, hour=9):
    day = date.today() - timedelta(days=days_ago)
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


EVIDENCE = {
    "support-assistant": "Golden answers set v4: 94% acceptable (threshold 90%); no PII leaks "
    "in 2,000 red-team prompts. Report: https://wiki.example/eval/support-2026-10",
    "invoice-extractor": "Field accuracy 98.7% on 1,200 held-out invoices (previous 98.1%).",
}


def _approve(change, lead, executive, reason):
    change = registry.change_request_update(
        change,
        actor=lead,
        data={
            "regression_evidence": EVIDENCE.get(change.system.slug, "Not needed for this stage.")
        },
        expected_version=change.version,
        reason="Regression evaluation attached",
    )
    return registry.change_request_transition(change, "approve", actor=executive, reason=reason)


def _approve_imported_changes(lead, executive):
    """The import asks for each file's stage at once; stages move in order, so a request that
    skips stages is withdrawn and the system walked there one approved step at a time, up to
    validation: going live waits for the impact assessment and the sign-offs (go_live)."""
    for change in ChangeRequest.objects.filter(status=ChangeRequest.Status.SUBMITTED):
        if change.policy_passed:
            _approve(change, lead, executive, "Evidence reviewed; check passed")
            continue
        registry.change_request_transition(
            change, "withdraw", actor=lead, reason="Stages move in order: requested step by step"
        )
        system, target = change.system, change.target_stage
        last = min(golive.ORDER.index(target), golive.ORDER.index(AISystem.Stage.VALIDATION))
        for stage in golive.ORDER[golive.ORDER.index(system.stage) + 1 : last + 1]:
            step = registry.change_request_create(
                actor=lead,
                data={
                    "system": system,
                    "kind": ChangeRequest.Kind.STAGE,
                    "target_stage": stage,
                    "reason": f"{system.slug} moves to {stage} on its way to {target}.",
                },
            )
            _approve(step, lead, executive, "Evidence reviewed; check passed")
            system.refresh_from_db()


# Who holds the governance responsibilities in the demo; their sign-offs are records.
RESPONSIBLE = {
    Responsibility.DPO: ("dpo", "Dana", "Ortiz"),
    Responsibility.SECURITY: ("security", "Sam", "Lee"),
}


def responsible_users():
    """The demo's DPO and security officer (created once; they log in like the others)."""
    from aims_portal.management.commands.seed_demo import demo_password

    User = get_user_model()
    people = {}
    for responsibility, (username, first, last) in RESPONSIBLE.items():
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                username=username,
                first_name=first,
                last_name=last,
                email=f"{username}@aims.example",
            )
            user.set_password(demo_password(username))
            tracked_save(user, None, "Demo user")
        user.groups.add(Group.objects.get_or_create(name=responsibility)[0])
        people[responsibility] = user
    return people


def go_live(users, system, assessment_reference):
    """Take a demo system from validation to production the only way there is: it names its
    approved assessment, the DPO and the security officer sign it off, the executive approves."""
    lead, executive = users[roles.GOVERNANCE_LEAD], users[roles.EXECUTIVE]
    system.refresh_from_db()
    if system.stage != AISystem.Stage.VALIDATION:
        return system
    if system.impact_assessment_ref != assessment_reference:
        system = registry.ai_system_update(
            system,
            actor=lead,
            data={"impact_assessment_ref": assessment_reference},
            expected_version=system.version,
            reason="Names its approved impact assessment",
        )
    document = golive.change_document(ChangeRequest(system=system, kind="stage"))
    for responsibility, person in responsible_users().items():
        if responsibility in golive.needed_sign_offs(system, document):
            golive.sign_off_record(
                system, responsibility, actor=person, note="Reviewed before go-live."
            )
    change = registry.change_request_create(
        actor=lead,
        data={
            "system": system,
            "kind": ChangeRequest.Kind.STAGE,
            "target_stage": AISystem.Stage.PRODUCTION,
            "reason": "Validated; assessment approved and sign-offs recorded.",
        },
    )
    _approve(change, lead, executive, "Assessment, sign-offs and evidence checked")
    system.refresh_from_db()
    return system


def _lineage(lead, owner, executive):
    support = AISystem.objects.get(slug="support-assistant")
    registry.model_version_create(
        actor=lead,
        data={
            "system": support,
            "label": "2026-03-01",
            "base_model": "northwind-chat-medium",
            "provider": "Northwind Models",
            "configuration": "temperature 0.2; prompt template v7; top-k 5 retrieval",
            "data_snapshot": "help-centre 2026-02 export",
            "deployed_at": _at(260),
        },
    )
    registry.model_version_create(
        actor=lead,
        data={
            "system": support,
            "label": "2026-09-01",
            "base_model": "northwind-chat-large",
            "provider": "Northwind Models",
            "configuration": "temperature 0.1; prompt template v9; top-k 8 retrieval",
            "data_snapshot": "help-centre 2026-10 export; resolved tickets (90 days, masked)",
            "deployed_at": _at(80),
        },
    )
    # An approved material change on another system records a model version by itself.
    bot = AISystem.objects.get(slug="code-review-bot")
    change = registry.change_request_create(
        actor=owner,
        data={
            "system": bot,
            "kind": ChangeRequest.Kind.TOOL,
            "new_value": "repository search tool",
            "reason": "Let the helper look up call sites before commenting.",
            "regression_evidence": "False-positive comments down from 31% to 22% on 50 PRs.",
        },
    )
    registry.change_request_transition(change, "approve", actor=executive, reason="Low risk")
    # A go-live request that fails the policies: frozen as failed, it cannot be approved.
    registry.change_request_create(
        actor=owner,
        data={
            "system": AISystem.objects.get(slug="hr-screening"),
            "kind": ChangeRequest.Kind.STAGE,
            "target_stage": AISystem.Stage.PRODUCTION,
            "reason": "Recruiting wants the pilot live for the spring intake.",
        },
    )


def _incidents(lead, owner):
    support = AISystem.objects.get(slug="support-assistant")
    incident = registry.incident_create(
        actor=owner,
        data={
            "system": support,
            "title": "Draft reply quoted another customer's order number",
            "severity": Incident.Severity.HIGH,
            "detected_at": _at(30, 14),
            "detection": Incident.Detection.STAFF,
            "description": "An agent noticed a suggested reply citing an order that belonged "
            "to a different customer. The agent did not send it.",
            "containment": "Resolved-tickets source switched off within two hours.",
            "investigation": "Masking missed order numbers in free-text ticket bodies.",
            "postmortem": "Masking now covers order numbers; a leak test runs before each "
            "corpus refresh. No customer data left the company.",
        },
    )
    for step in ("contain", "resolve"):
        incident = registry.incident_transition(incident, step, actor=owner)
    registry.incident_transition(incident, "close", actor=lead, reason="Postmortem reviewed")
    incident = registry.incident_create(
        actor=owner,
        data={
            "system": AISystem.objects.get(slug="invoice-extractor"),
            "title": "Totals misread on multi-page invoices",
            "severity": Incident.Severity.MEDIUM,
            "detected_at": _at(6, 11),
            "detection": Incident.Detection.MONITORING,
            "description": "Reconciliation flagged 14 invoices whose extracted total was the "
            "first page's subtotal.",
            "containment": "Multi-page invoices are routed to manual entry until fixed.",
        },
    )
    registry.incident_transition(incident, "contain", actor=owner)


@transaction.atomic
def load(users):
    _load_inventory(users)
    _load_operations(users)


# How the systems in production are run, as their owners record it on the system page (the
# registry YAML does not carry these). The CV-screening pilot's corpus is left without access
# logging, so the readiness page has something real to show.
OPERATIONS = {
    "support-assistant": {
        "log_retention_days": 90,
        "monitoring": "Weekly sample of 200 answers graded for accuracy and tone; toxicity and "
        "PII-leak classifiers on every answer, alert to the on-call owner above 0.5%.",
        "incident_runbook": "RB-014 Support assistant: disable, fall back to human agents",
        "runbook_tested_on": -45,
    },
    "invoice-extractor": {
        "log_retention_days": 30,
        "monitoring": "Field-level accuracy against the accounts team's corrections, daily; "
        "alert when it falls below 97%.",
        "incident_runbook": "RB-021 Invoice extraction: route all invoices to manual entry",
        "runbook_tested_on": -120,
    },
}
ACCESS_LOGGING = {
    "Help-centre articles": "Search gateway audit log (index rag-reads-support)",
    "Resolved tickets": "Search gateway audit log (index rag-reads-support)",
    "Engineering handbook": "Wiki read log, kept 1 year",
}


def _load_operations(users):
    owner = users[roles.SYSTEM_OWNER]
    today = timezone.localdate()
    for slug, fields in OPERATIONS.items():
        system = AISystem.objects.filter(slug=slug, log_retention_days__isnull=True).first()
        if system is not None:
            values = {**fields, "runbook_tested_on": today + timedelta(fields["runbook_tested_on"])}
            registry.system_write(
                system, actor=owner, reason="Operation details recorded", **values
            )
    for name, logging in ACCESS_LOGGING.items():
        for source in DataSource.objects.filter(name=name, access_logging=""):
            registry.data_source_update(
                source,
                actor=owner,
                data={"access_logging": logging},
                expected_version=source.version,
                reason="Where reads are logged",
            )


def _load_inventory(users):
    lead, owner = users[roles.GOVERNANCE_LEAD], users[roles.SYSTEM_OWNER]
    executive = users[roles.EXECUTIVE]
    for data in SUPPLIERS:
        if not Supplier.objects.filter(name=data["name"]).exists():
            registry.supplier_create(actor=lead, data={**_dates(data), "owner": lead})
    if AISystem.objects.filter(slug="support-assistant").exists():
        return
    # The inventory comes in as the YAML files teams keep in git; the import raises a change
    # request wherever a file's stage differs, and the executive approves them.
    registry.import_files(yaml_files(EXAMPLES), actor=lead)
    _approve_imported_changes(lead, executive)
    _lineage(lead, owner, executive)
    _incidents(lead, owner)


def after_go_live(users):
    """What happens once the demo systems are live: a material change of the support
    assistant waits for the executive, and a rule added later denies the invoice extractor."""
    lead, owner = users[roles.GOVERNANCE_LEAD], users[roles.SYSTEM_OWNER]
    support = AISystem.objects.get(slug="support-assistant")
    if not support.changes.filter(kind=ChangeRequest.Kind.EMBEDDING_MODEL).exists():
        registry.change_request_create(
            actor=owner,
            data={
                "system": support,
                "kind": ChangeRequest.Kind.EMBEDDING_MODEL,
                "new_value": "northwind-embed-3",
                "reason": "The current embedding model is deprecated by the supplier in March.",
                "regression_evidence": "Retrieval recall@8 0.91 vs 0.89 on the golden set.",
            },
        )
    if RegistryPolicy.objects.filter(name="production-needs-evaluation-data").exists():
        return
    registry.policy_create(
        actor=lead,
        data={
            "name": "production-needs-evaluation-data",
            "title": "Production systems name their evaluation data",
            "description": "Quality monitoring needs a named evaluation set for every system "
            "in production.",
            "rego": (EXAMPLES / "policies" / "production-needs-evaluation-data.rego").read_text(),
            "enabled": True,
        },
    )
