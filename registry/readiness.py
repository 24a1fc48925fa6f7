"""Certification readiness checks on the inventory (DESIGN.md §4), computed from live data.

Each check returns the records that fail it, with what is missing; an empty list passes.
Checks about operation (logs, monitoring, runbooks) apply to systems in production; the
others to every system that is not retired.
"""

from collections import namedtuple
from datetime import timedelta

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from aims_portal.readiness import Failure, check, detail_url

from . import yaml_io
from .documents import system_document
from .models import AISystem, ChangeRequest, DataSource, ModelVersion, Supplier

RUNBOOK_TEST_MAX_AGE = timedelta(days=365)

# What a failure's label needs, so checks that list thousands of records load little.
SYSTEM_LABEL = ("pk", "slug", "name")
SOURCE_LABEL = ("pk", "name", "kind", "system__slug")

# What registry.documents.system_document reads of a data source.
SourceRow = namedtuple(
    "SourceRow",
    "pk system_id kind position name location pii retention_days provenance licence",
)
SIGN_OFF_ROLES = {"dpo": "data protection officer", "security": "security"}


def active_systems():
    return AISystem.objects.exclude(stage=AISystem.Stage.RETIRED)


def production_systems():
    return AISystem.objects.filter(stage=AISystem.Stage.PRODUCTION).order_by("slug")


def _system_failure(system, problem):
    url = detail_url("registry:aisystem-detail")
    return Failure(f"{system.name} ({system.slug})", url(system.pk), problem)


def _none_in_production():
    return "No AI system is in production yet, so there is nothing to check."


@check(
    "inventory-machine-readable",
    "Inventory is complete and machine-readable",
    "Every AI system that is not retired exports to a model-registry YAML document that passes "
    "the registry schema, so the inventory can be read, diffed and checked by tools.",
    order=10,
)
def inventory_machine_readable():
    systems = active_systems().select_related("owner", "supplier").order_by("slug")
    # Sources as light rows rather than model instances: this check reads every one.
    sources = {}
    for row in _active_sources().values(*SourceRow._fields).order_by("system_id", "position", "pk"):
        sources.setdefault(row["system_id"], []).append(SourceRow(**row))
    failures, seen = [], 0
    for system in systems:
        seen += 1
        try:
            yaml_io.validate(system_document(system, sources.get(system.pk, [])), system.slug)
        except yaml_io.YAMLProblem as problem:
            lines = [line.split(": ", 1)[-1] for line in str(problem).splitlines()]
            failures.append(_system_failure(system, "; ".join(lines)))
    if not seen:
        return [
            Failure(
                "AI system inventory",
                reverse("registry:aisystem-list"),
                "No AI systems are recorded: an inventory is the first thing an auditor asks for.",
            )
        ]
    return failures


@check(
    "owner-and-contact",
    "Owner and contact for every system",
    "Every AI system that is not retired has an owner who can still sign in and a contact "
    "address for questions and incidents.",
    order=20,
)
def owner_and_contact():
    failures = []
    systems = active_systems().filter(Q(contact="") | Q(owner__is_active=False))
    for system in systems.select_related("owner").order_by("slug"):
        problems = []
        if not system.owner.is_active:
            problems.append(f"owner {system.owner.username} is no longer an active user")
        if not system.contact:
            problems.append("no contact address")
        failures.append(_system_failure(system, "; ".join(problems)))
    return failures


def _active_sources():
    return DataSource.objects.filter(retired_at__isnull=True).exclude(
        system__stage=AISystem.Stage.RETIRED
    )


def _source_failure(source, problem):
    return Failure(
        f"{source.name} ({source.system.slug}, {source.get_kind_display().lower()})",
        detail_url("registry:datasource-detail")(source.pk),
        problem,
    )


@check(
    "training-data-provenance",
    "Training data provenance",
    "Every training and fine-tuning data source of a live system records where the data comes "
    "from and under which licence it may be used.",
    order=40,
)
def training_data_provenance():
    sources = _active_sources().filter(
        kind__in=[DataSource.Kind.TRAINING, DataSource.Kind.FINE_TUNING]
    )
    if not sources.exists():
        return [], "No training or fine-tuning data sources are recorded."
    failures = []
    missing = sources.filter(Q(provenance="") | Q(licence=""))
    for source in missing.select_related("system").only(*SOURCE_LABEL, "provenance", "licence"):
        missing = [name for name in ("provenance", "licence") if not getattr(source, name)]
        failures.append(_source_failure(source, f"no {' and no '.join(missing)}"))
    return failures


@check(
    "rag-corpus-versioning",
    "RAG corpus versioning and access logging",
    "Reads of every retrieval (RAG) corpus are logged, and each system in validation or "
    "production that retrieves from a corpus records the corpus version in the model version "
    "it runs.",
    order=50,
)
def rag_corpus_versioning():
    rag = _active_sources().filter(kind=DataSource.Kind.RAG)
    failures = [
        _source_failure(source, "where reads of the corpus are logged is not recorded")
        for source in rag.filter(access_logging="").select_related("system").only(*SOURCE_LABEL)
    ]
    snapshot_in_use = ModelVersion.objects.filter(
        system=OuterRef("pk"), superseded_at__isnull=True
    ).exclude(data_snapshot="")
    unversioned = (
        AISystem.objects.filter(
            stage__in=[AISystem.Stage.VALIDATION, AISystem.Stage.PRODUCTION],
        )
        .filter(Exists(rag.filter(system=OuterRef("pk"))))
        .exclude(Exists(snapshot_in_use))
        .only(*SYSTEM_LABEL)
        .order_by("slug")
    )
    failures += [
        _system_failure(
            system, "the model version in use does not record which corpus version it reads"
        )
        for system in unversioned
    ]
    if not failures and not rag.exists():
        return [], "No retrieval (RAG) corpora are recorded."
    return failures


@check(
    "model-changes-reviewed",
    "Model changes reviewed with policy checks",
    "Every approved change passed the registry policy check, material changes carry regression "
    "evidence, and every model version after a system's first came from an approved change.",
    order=60,
)
def model_changes_reviewed():
    failures = []
    approved = ChangeRequest.objects.filter(status=ChangeRequest.Status.APPROVED).select_related(
        "system"
    )
    for change in approved.filter(policy_passed=False):
        failures.append(
            Failure(str(change), change.get_absolute_url(), "approved although the policy failed")
        )
    material = approved.exclude(kind=ChangeRequest.Kind.STAGE).filter(regression_evidence="")
    for change in material:
        failures.append(
            Failure(str(change), change.get_absolute_url(), "approved without regression evidence")
        )
    earlier = ModelVersion.objects.filter(
        system=OuterRef("system"), deployed_at__lt=OuterRef("deployed_at")
    )
    unreviewed = (
        ModelVersion.objects.filter(Exists(earlier))
        .exclude(change__status=ChangeRequest.Status.APPROVED)
        .exclude(system__stage=AISystem.Stage.RETIRED)
        .select_related("system")
    )
    for version in unreviewed:
        failures.append(
            Failure(
                str(version),
                version.get_absolute_url(),
                "deployed without an approved change request",
            )
        )
    return failures


@check(
    "log-retention",
    "Prompt and response log retention defined",
    "Every system in production states how long its prompts, responses and their metadata are "
    "kept (0 when they are deliberately not logged).",
    order=70,
)
def log_retention():
    systems = production_systems()
    if not systems.exists():
        return [], _none_in_production()
    return [
        _system_failure(system, "no retention period for prompt and response logs")
        for system in systems.filter(log_retention_days__isnull=True).only(*SYSTEM_LABEL)
    ]


@check(
    "quality-safety-monitoring",
    "Quality and safety monitoring",
    "Every system in production describes what is monitored in operation (quality, safety, "
    "drift), the thresholds and who is alerted.",
    order=80,
)
def quality_safety_monitoring():
    systems = production_systems()
    if not systems.exists():
        return [], _none_in_production()
    return [
        _system_failure(system, "no quality and safety monitoring described")
        for system in systems.filter(monitoring="").only(*SYSTEM_LABEL)
    ]


@check(
    "incident-runbook-tested",
    "Incident runbook tested",
    "Every system in production has an incident runbook that was exercised, in a drill or a "
    "real incident, within the last twelve months.",
    order=90,
)
def incident_runbook_tested():
    systems = production_systems()
    if not systems.exists():
        return [], _none_in_production()
    oldest = timezone.localdate() - RUNBOOK_TEST_MAX_AGE
    failing = systems.filter(
        Q(incident_runbook="") | Q(runbook_tested_on__isnull=True) | Q(runbook_tested_on__lt=oldest)
    )
    failures = []
    fields = (*SYSTEM_LABEL, "incident_runbook", "runbook_tested_on")
    for system in failing.only(*fields).order_by("slug"):
        if not system.incident_runbook:
            problem = "no incident runbook"
        elif not system.runbook_tested_on:
            problem = "the runbook has never been tested"
        else:
            problem = f"the runbook was last tested on {system.runbook_tested_on:%d %b %Y}"
        failures.append(_system_failure(system, problem))
    return failures


@check(
    "supplier-due-diligence",
    "Supplier due diligence",
    "Every active supplier passed due diligence (approved, possibly with conditions) and its "
    "periodic review is not overdue.",
    order=100,
)
def supplier_due_diligence():
    suppliers = Supplier.objects.filter(retired_at__isnull=True)
    if not suppliers.exists():
        return [], "No suppliers are recorded."
    passed = [Supplier.DueDiligence.APPROVED, Supplier.DueDiligence.CONDITIONAL]
    today = timezone.localdate()
    failures = []
    for supplier in suppliers.filter(
        ~Q(due_diligence_status__in=passed) | Q(next_review__lt=today)
    ):
        if supplier.due_diligence_status not in passed:
            problem = f"due diligence: {supplier.get_due_diligence_status_display().lower()}"
        else:
            problem = f"due diligence review overdue since {supplier.next_review:%d %b %Y}"
        failures.append(Failure(supplier.name, supplier.get_absolute_url(), problem))
    return failures


def sign_off_roles(approved_by):
    """The roles named in a system's sign-offs ("dpo:Dana Ortiz" → "dpo"), lower case."""
    return {str(entry).split(":", 1)[0].strip().lower() for entry in approved_by or []}


@check(
    "high-risk-sign-off",
    "DPO and security sign-off on high-risk systems",
    "Every system rated high or critical risk, or high risk under the EU AI Act, is signed off "
    "by the data protection officer (dpo:<name>) and by security (security:<name>).",
    order=110,
)
def high_risk_sign_off():
    high = active_systems().filter(
        Q(risk_tier__in=[AISystem.RiskTier.HIGH, AISystem.RiskTier.CRITICAL])
        | Q(eu_ai_act_tier=AISystem.EUAIActTier.HIGH)
    )
    failures, seen = [], False
    for system in high.only("pk", "slug", "name", "approved_by").order_by("slug"):
        seen = True
        missing = [
            label
            for role, label in SIGN_OFF_ROLES.items()
            if role not in sign_off_roles(system.approved_by)
        ]
        if missing:
            failures.append(_system_failure(system, f"no {' and no '.join(missing)} sign-off"))
    if not seen:
        return [], "No system is rated high risk."
    return failures
