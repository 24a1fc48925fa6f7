"""An AI system as a registry document: the nested layout of the model-registry YAML
(registry/examples/ shows it), in one canonical key order. Policies read it, YAML export
writes it."""

from .models import AISystem, DataSource

SOURCE_KEYS = {
    DataSource.Kind.TRAINING: "training_sources",
    DataSource.Kind.FINE_TUNING: "fine_tuning_sources",
    DataSource.Kind.RAG: "rag_sources",
    DataSource.Kind.EVALUATION: "evaluation_sources",
}
PERSONAL_DATA = {AISystem.DataSensitivity.PII, AISystem.DataSensitivity.SPECIAL}


# version_pinned holds a version, or the true/false a file gave.
PINNED = {"true": True, "false": False}


def _owner(system):
    if system.owner_team_id:
        return system.owner_team.slug
    return system.owner.username if system.owner_id else None


def _date(value):
    return value.isoformat() if value else None


def source_document(source):
    return {
        "name": source.name,
        "location": source.location,
        "pii": source.pii,
        "retention_days": source.retention_days,
        "provenance": source.provenance,
        "licence": source.licence,
    }


def system_document(system, sources=None, **overrides):
    """The document of ``system``; ``sources`` are its active data sources (fetched if None).

    ``overrides`` replace top-level fields before conversion, e.g. ``stage="production"`` to
    ask what the policies would say about the system after a change.
    """
    if sources is None:
        sources = system.data_sources.active()
    values = {f: getattr(system, f) for f in ("stage", "base_model")}
    values.update(overrides)
    by_kind = {key: [] for key in SOURCE_KEYS.values()}
    for source in sorted(sources, key=lambda s: (s.position, s.pk or 0)):
        by_kind[SOURCE_KEYS[source.kind]].append(source_document(source))
    if not by_kind["training_sources"] and system.training_statement:
        by_kind["training_sources"] = system.training_statement
    return {
        "id": system.slug,
        "name": system.name,
        "description": system.description,
        "owner": _owner(system),
        "contact": system.contact,
        "deployment": {
            "environment": system.environment,
            "regions": list(system.regions),
            "endpoint": system.endpoint,
        },
        "classification": {
            "purpose": system.purpose,
            "data_sensitivity": system.data_sensitivity,
            "risk_tier": system.risk_tier,
            "eu_ai_act_tier": system.eu_ai_act_tier,
            "affected_parties": list(system.affected_parties),
        },
        "model": {
            "type": system.model_type,
            "base_model": values["base_model"],
            "provider": system.provider,
            "supplier": system.supplier.name if system.supplier_id else None,
            "version_pinned": PINNED.get(system.version_pinned, system.version_pinned),
            "weights_location": system.weights_location,
        },
        "data": by_kind,
        "governance": {
            "impact_assessment_id": system.impact_assessment_ref,
            "last_reviewed": _date(system.last_reviewed),
            "next_review": _date(system.next_review),
            "approved_by": list(system.approved_by),
        },
        "lifecycle": {
            "stage": values["stage"],
            "decommission_date": _date(system.decommission_date),
        },
    }
