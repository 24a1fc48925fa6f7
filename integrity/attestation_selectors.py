"""Reads of attestations and attestation tokens, for the pages, the API and the bundle.

Every list here runs a fixed number of queries whatever its length: related rows are
joined, and each attestation's ledger position comes from a correlated subquery on the
ledger's (covered_model, covered_id) index.
"""

from django.db.models import Count, F, Max, Min, OuterRef, Q, Subquery

from .labels import ledger_label
from .models import Attestation, AttestationToken, LedgerEntry

LABEL = ledger_label(Attestation)


def _entries():
    return LedgerEntry.objects.filter(covered_model=LABEL, covered_id=OuterRef("pk"))


def attestations(system=None, model_version=None, decision=None, sha256=None):
    """Attestations, newest first, with their ledger ``sequence`` and ``entry_hash``;
    ``sha256`` (lower-case hex) keeps those whose input or output has that digest (both
    columns are indexed)."""
    queryset = Attestation.objects.select_related("system", "model_version", "token").annotate(
        sequence=Subquery(_entries().values("sequence")[:1]),
        entry_hash=Subquery(_entries().values("entry_hash")[:1]),
    )
    if system is not None:
        queryset = queryset.filter(system=system)
    if model_version is not None:
        queryset = queryset.filter(model_version=model_version)
    if decision:
        queryset = queryset.filter(decision=decision)
    if sha256:
        queryset = queryset.filter(Q(input_sha256=sha256) | Q(output_sha256=sha256))
    return queryset.order_by("-id")


def attestations_as_listed(**filters):
    """``attestations`` as the API lists them: the system's slug, the model version's label
    and the token's name read as columns of each row (``system_slug``,
    ``model_version_label``, ``token_name``), and no AI system, model version or token row
    loaded. An AI system row is wide, and a page of attestations would otherwise build three
    records per attestation for one field each."""
    return (
        attestations(**filters)
        .select_related(None)
        .annotate(
            system_slug=F("system__slug"),
            model_version_label=F("model_version__label"),
            token_name=F("token__name"),
        )
    )


def system_summary(system):
    """How many attestations the system has and when the last one was registered."""
    return Attestation.objects.filter(system=system).aggregate(
        total=Count("id"), last_recorded=Max("recorded_at")
    )


def tokens(system):
    return (
        AttestationToken.objects.filter(system=system)
        .select_related("created_by", "revoked_by")
        .order_by("revoked_at", "-created_at", "-id")
    )


def active_token_count(system):
    return AttestationToken.objects.filter(system=system, revoked_at__isnull=True).count()


def bundle_summary(up_to_sequence):
    """Attestations in the chain up to ``up_to_sequence``, per AI system and model version
    (what an evidence bundle's manifest says about the attestations it holds)."""
    in_chain = LedgerEntry.objects.filter(covered_model=LABEL, sequence__lte=up_to_sequence).values(
        "covered_id"
    )
    rows = (
        Attestation.objects.filter(pk__in=in_chain)
        .values("system__slug", "model_version__label")
        .annotate(count=Count("id"), first=Min("recorded_at"), last=Max("recorded_at"))
        .order_by("system__slug", "model_version__label")
    )
    systems = {}
    for row in rows:
        entry = systems.setdefault(
            row["system__slug"],
            {"attestations": 0, "model_versions": {}, "first": row["first"], "last": row["last"]},
        )
        entry["attestations"] += row["count"]
        versions = entry["model_versions"]
        versions[row["model_version__label"]] = (
            versions.get(row["model_version__label"], 0) + row["count"]
        )
        entry["first"] = min(entry["first"], row["first"])
        entry["last"] = max(entry["last"], row["last"])
    for entry in systems.values():
        entry["first"], entry["last"] = entry["first"].isoformat(), entry["last"].isoformat()
    return {"per_system": systems}
