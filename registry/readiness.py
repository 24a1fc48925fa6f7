"""Certification readiness checks on the inventory, computed from live data.

Each check returns the records that fail it, with what is missing; an empty list passes.
Checks about operation (logs, monitoring, runbooks) apply to systems in production; the
others to every system that is not retired.
"""

import string
from collections import namedtuple
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db.models import Exists, F, OuterRef, Q, TextField
from django.db.models.functions import Cast, Length, Substr
from django.db.models.lookups import In, LessThanOrEqual, Regex
from django.urls import reverse
from django.utils import timezone

from aims_portal.readiness import Failure, check, detail_url

from . import yaml_io
from .documents import system_document
from .models import (
    AISystem,
    ChangeRequest,
    DataSource,
    ModelVersion,
    Responsibility,
    SignOff,
    Supplier,
)

RUNBOOK_TEST_MAX_AGE = timedelta(days=365)

# What a failure's label needs, read as plain rows: checks may list thousands of records, and
# building model instances for them costs more than the queries.
SYSTEM_LABEL = ("pk", "slug", "name")
SOURCE_LABEL = ("pk", "name", "kind", "system__slug")
SystemLabel = namedtuple("SystemLabel", SYSTEM_LABEL)

# What registry.documents.system_document reads of a data source.
SourceRow = namedtuple(
    "SourceRow",
    "pk system_id kind position name location pii retention_days provenance licence",
)


def active_systems():
    return AISystem.objects.in_service()


def production_systems():
    return AISystem.objects.filter(stage=AISystem.Stage.PRODUCTION).order_by("slug")


def _system_failure(system, problem):
    """``system``: an AISystem or a SystemLabel row."""
    url = detail_url("registry:aisystem-detail")
    return Failure(f"{system.name} ({system.slug})", url(system.pk), problem)


def _system_rows(systems, *more):
    """``(SystemLabel, *values of more)`` for each of ``systems``, by slug."""
    for pk, slug, name, *values in systems.order_by("slug").values_list(*SYSTEM_LABEL, *more):
        yield SystemLabel(pk, slug, name), *values


def _system_labels(systems):
    return (row[0] for row in _system_rows(systems))


def _none_in_production():
    return "No AI system is in production yet, so there is nothing to check."


# --- 1. the inventory against the registry schema ------------------------------------------
#
# Validating every system's document in Python takes seconds at 10,000 systems. The database
# first picks the systems whose stored values might break the schema (yaml_io.SCHEMA); only
# those are exported and validated, so failures and messages are exactly the validator's.
# The conditions are derived from the schema itself and err towards picking: a value they do
# not recognise as certainly valid (e.g. a name starting with a non-ASCII letter) is validated.

# Where documents.system_document reads each leaf of the schema ("data" is the sources).
SCHEMA_COLUMNS = {
    "id": "slug",
    "name": "name",
    "description": "description",
    "owner": "owner__username",
    "contact": "contact",
    "deployment.environment": "environment",
    "deployment.regions": "regions",
    "deployment.endpoint": "endpoint",
    "classification.purpose": "purpose",
    "classification.data_sensitivity": "data_sensitivity",
    "classification.risk_tier": "risk_tier",
    "classification.eu_ai_act_tier": "eu_ai_act_tier",
    "classification.affected_parties": "affected_parties",
    "model.type": "model_type",
    "model.base_model": "base_model",
    "model.provider": "provider",
    "model.supplier": "supplier__name",
    "model.version_pinned": "version_pinned",
    "model.weights_location": "weights_location",
    "governance.impact_assessment_id": "impact_assessment_ref",
    "governance.last_reviewed": "last_reviewed",
    "governance.next_review": "next_review",
    "governance.approved_by": "approved_by",
    "lifecycle.stage": "stage",
    "lifecycle.decommission_date": "decommission_date",
}
SOURCE_COLUMNS = {key: key for key in yaml_io.SOURCE}
# A text value starting with one of these is certainly not blank.
ALNUM = tuple(string.ascii_letters + string.digits)
# Stricter than yaml_io.EMAIL (what matches here matches there), in syntax every database
# that Django's ``__regex`` supports reads alike.
PLAIN_EMAIL = r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z0-9-]+$"
# A stored JSON list of plain strings (no escapes) of at most {n} characters each.
PLAIN_LIST = r'^\[("[^"\\]{{0,{n}}}"(, ?"[^"\\]{{0,{n}}}")*)?\]$'


def schema_leaves(schema=yaml_io.SCHEMA, prefix=""):
    """``{path: Field}`` of every leaf of a schema, e.g. "classification.risk_tier"."""
    leaves = {}
    for key, spec in schema.items():
        if spec.kind == "map":
            leaves.update(schema_leaves(spec.children, f"{prefix}{key}."))
        else:
            leaves[f"{prefix}{key}"] = spec
    return leaves


def _value_fits(spec, ref):
    """A condition, never NULL, under which yaml_io accepts the value of the alias ``ref``."""
    value = F(ref)
    fits = Q(**{f"{ref}__isnull": False})
    if spec.kind == "int":
        fits &= Q(**{f"{ref}__gte": 0})
    elif spec.kind == "list":
        pattern = PLAIN_LIST.format(n=spec.max_length)
        fits &= Q(**{ref: "[]"}) | Q(Regex(value, pattern))
    elif spec.kind in ("str", "text", "email", "slug", "choice"):
        if spec.kind != "text":
            fits &= Q(LessThanOrEqual(Length(value), spec.max_length))
        if spec.kind == "email":
            fits &= Q(Regex(value, PLAIN_EMAIL))
        elif spec.kind == "slug":
            fits &= Q(Regex(value, yaml_io.SLUG.pattern))
        elif spec.kind == "choice":
            fits &= Q(In(value, list(spec.choices)))
        elif spec.required:
            fits &= Q(In(Substr(value, 1, 1), list(ALNUM)))
    elif spec.kind not in ("date", "bool"):  # dates and booleans from the database fit
        raise AssertionError(f"no database condition for schema kind {spec.kind!r}")
    if not spec.required:
        fits |= Q(**{f"{ref}__isnull": True})
    return fits


def _fitting(queryset, columns, schema):
    """``queryset`` with an alias per schema leaf, and the condition that all of them fit."""
    aliases, fits = {}, Q()
    for n, (path, spec) in enumerate(schema_leaves(schema).items()):
        if spec.kind == "sources":  # the data sources, checked on their own rows
            continue
        ref = f"schema_{n}"
        column = F(columns[path])
        aliases[ref] = Cast(column, TextField()) if spec.kind == "list" else column
        fits &= _value_fits(spec, ref)
    return queryset.alias(**aliases), fits


def systems_to_validate():
    """Systems in service whose document might fail the registry schema: every system
    that does, and few that do not."""
    systems, fits = _fitting(active_systems(), SCHEMA_COLUMNS, yaml_io.SCHEMA)
    sources, source_fits = _fitting(
        DataSource.objects.active().filter(system=OuterRef("pk")),
        SOURCE_COLUMNS,
        yaml_io.SOURCE,
    )
    return systems.filter(~fits | Exists(sources.filter(~source_fits)))


@check(
    "inventory-machine-readable",
    "Inventory is complete and machine-readable",
    "Every AI system that is not retired exports to a model-registry YAML document that passes "
    "the registry schema, so the inventory can be read, diffed and checked by tools.",
    order=10,
)
def inventory_machine_readable():
    systems = list(
        systems_to_validate().select_related("owner", "owner_team", "supplier").order_by("slug")
    )
    if not systems and not active_systems().exists():
        return [
            Failure(
                "AI system inventory",
                reverse("registry:aisystem-list"),
                "No AI systems are recorded: an inventory is the first thing an auditor asks for.",
            )
        ]
    sources = {}
    if systems:
        # Sources as light rows rather than model instances.
        rows = _active_sources().filter(system__in=[system.pk for system in systems])
        for row in rows.values(*SourceRow._fields).order_by("system_id", "position", "pk"):
            sources.setdefault(row["system_id"], []).append(SourceRow(**row))
    failures = []
    for system in systems:
        try:
            yaml_io.validate(system_document(system, sources.get(system.pk, [])), system.slug)
        except yaml_io.YAMLProblem as problem:
            lines = [line.split(": ", 1)[-1] for line in str(problem).splitlines()]
            failures.append(_system_failure(system, "; ".join(lines)))
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
    return DataSource.objects.active().exclude(system__stage=AISystem.Stage.RETIRED)


KIND_LABELS = {kind: str(label).lower() for kind, label in DataSource.Kind.choices}


def _source_failures(sources, problem, *more):
    """A failure per source; ``problem`` is text, or a function of the ``more`` fields."""
    url = detail_url("registry:datasource-detail")
    for pk, name, kind, slug, *values in sources.values_list(*SOURCE_LABEL, *more):
        kind = KIND_LABELS.get(kind) or str(kind).lower()
        text = problem(*values) if callable(problem) else problem
        yield Failure(f"{name} ({slug}, {kind})", url(pk), text)


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

    def problem(provenance, licence):
        gaps = [
            name for name, value in (("provenance", provenance), ("licence", licence)) if not value
        ]
        return f"no {' and no '.join(gaps)}"

    missing = sources.filter(Q(provenance="") | Q(licence=""))
    return list(_source_failures(missing, problem, "provenance", "licence"))


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
    failures = list(
        _source_failures(
            rag.filter(access_logging=""), "where reads of the corpus are logged is not recorded"
        )
    )
    snapshot_in_use = ModelVersion.objects.filter(
        system=OuterRef("pk"), superseded_at__isnull=True
    ).exclude(data_snapshot="")
    unversioned = (
        AISystem.objects.filter(
            stage__in=[AISystem.Stage.VALIDATION, AISystem.Stage.PRODUCTION],
        )
        .filter(Exists(rag.filter(system=OuterRef("pk"))))
        .exclude(Exists(snapshot_in_use))
    )
    failures += [
        _system_failure(
            system, "the model version in use does not record which corpus version it reads"
        )
        for system in _system_labels(unversioned)
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
        for system in _system_labels(systems.filter(log_retention_days__isnull=True))
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
        for system in _system_labels(systems.filter(monitoring=""))
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
    for system, runbook, tested_on in _system_rows(
        failing, "incident_runbook", "runbook_tested_on"
    ):
        if not runbook:
            problem = "no incident runbook"
        elif not tested_on:
            problem = "the runbook has never been tested"
        else:
            problem = f"the runbook was last tested on {tested_on:%d %b %Y}"
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
    suppliers = Supplier.objects.active()
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


def _valid_sign_offs(systems):
    """{system pk: responsibilities with a sign-off that counts}: recorded for the system's
    current version, not withdrawn, by someone who still holds the responsibility (the
    go-live gate's rule, golive.valid_sign_offs, for many systems in three queries)."""
    holders = {
        (user_id, name)
        for user_id, name in get_user_model()
        .groups.through.objects.filter(group__name__in=Responsibility.values)
        .values_list("user_id", "group__name")
    }
    signed = {}
    rows = SignOff.objects.filter(
        system__in=systems, withdrawn_at__isnull=True, system_version=F("system__version")
    ).values_list("system_id", "responsibility", "signed_by_id")
    for system_id, responsibility, user_id in rows:
        if (user_id, responsibility) in holders:
            signed.setdefault(system_id, set()).add(responsibility)
    return signed


@check(
    "high-risk-sign-off",
    "DPO and security sign-off on high-risk systems",
    "Every system rated high or critical risk, or high risk under the EU AI Act, has a sign-off "
    "of its current version recorded by a data protection officer and by a security officer.",
    order=110,
)
def high_risk_sign_off():
    high = active_systems().filter(
        Q(risk_tier__in=[AISystem.RiskTier.HIGH, AISystem.RiskTier.CRITICAL])
        | Q(eu_ai_act_tier=AISystem.EUAIActTier.HIGH)
    )
    signed = _valid_sign_offs(high)
    failures, seen = [], False
    for (system,) in _system_rows(high):
        seen = True
        held = signed.get(system.pk, set())
        missing = [label.lower() for value, label in Responsibility.choices if value not in held]
        if missing:
            failures.append(_system_failure(system, f"no {' and no '.join(missing)} sign-off"))
    if not seen:
        return [], "No system is rated high risk."
    return failures
