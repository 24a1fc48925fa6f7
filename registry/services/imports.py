"""YAML import (services): registry files into the inventory, all or nothing.

Rules enforced here:
- every file is parsed and validated before anything is written; any problem in any file
  (syntax, unknown key, wrong type, duplicate id, unknown owner or supplier) refuses the
  whole import, and every problem of every file is reported at once, each naming the file,
  the line and the key path;
- ``owner`` names a team (its lead becomes the accountable user) or a user (username or
  e-mail);
- systems are created or updated through the normal services (roles, history with the
  file name as the reason); a record already equal to its file is left alone;
- the file's lifecycle stage is never written: where it differs from the portal's, the
  import raises a lifecycle change request (policy result frozen) for approval, unless one
  for that stage is already waiting.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet

from aims_portal.models import User

from .. import policy, yaml_io
from ..documents import SOURCE_KEYS, source_document, system_document
from ..models import AISystem, ChangeRequest, DataSource, Supplier, Team
from .changes import change_request_create
from .inventory import (
    ai_system_create,
    ai_system_update,
    data_source_create,
    data_source_retire,
    data_source_update,
)

SYSTEM_FIELDS = {
    # document path -> model field
    ("name",): "name",
    ("description",): "description",
    ("contact",): "contact",
    ("deployment", "environment"): "environment",
    ("deployment", "regions"): "regions",
    ("deployment", "endpoint"): "endpoint",
    ("classification", "purpose"): "purpose",
    ("classification", "data_sensitivity"): "data_sensitivity",
    ("classification", "risk_tier"): "risk_tier",
    ("classification", "eu_ai_act_tier"): "eu_ai_act_tier",
    ("classification", "affected_parties"): "affected_parties",
    ("model", "type"): "model_type",
    ("model", "base_model"): "base_model",
    ("model", "provider"): "provider",
    ("model", "version_pinned"): "version_pinned",
    ("model", "weights_location"): "weights_location",
    ("governance", "impact_assessment_id"): "impact_assessment_ref",
    ("governance", "last_reviewed"): "last_reviewed",
    ("governance", "next_review"): "next_review",
    ("governance", "approved_by"): "approved_by",
    ("lifecycle", "decommission_date"): "decommission_date",
}


@dataclass
class ImportResult:
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    change_requests: list = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.change_requests)} change requests raised"
        )


def _get(doc: dict[str, Any], path: tuple[str, ...]) -> Any:
    for key in path:
        doc = doc[key]
    return doc


@dataclass(frozen=True)
class Owner:
    """Who a file's ``owner`` names: a team (its lead is the accountable user) or a user."""

    user: object
    team: object = None


def _resolve(
    files: list[yaml_io.SystemFile],
) -> tuple[list[tuple[yaml_io.SystemFile, Owner | None, Supplier | None]], list[str]]:
    """Owner and supplier objects for each file, or every problem found."""
    User = get_user_model()
    names = {f.doc["owner"] for f in files if f.doc["owner"]}
    teams = {t.slug: t for t in Team.objects.filter(slug__in=names).select_related("lead")}
    users = {}
    for user in User.objects.filter(Q(username__in=names) | Q(email__in=names), is_active=True):
        users.setdefault(user.username, user)
        users.setdefault(user.email, user)
    suppliers = {s.name: s for s in Supplier.objects.active()}
    problems, resolved = [], []
    for f in files:
        name = f.doc["owner"]
        team = teams.get(name)
        owner = Owner(team.lead, team) if team else Owner(users[name]) if name in users else None
        if owner is None and name:
            problems.append(
                yaml_io.located(f.name, f.lines, "owner", f"no team or active user {name!r}")
            )
        elif team and not team.lead.is_active:
            problems.append(
                yaml_io.located(f.name, f.lines, "owner", f"the lead of team {name!r} is inactive")
            )
        supplier_name = f.doc["model"]["supplier"]
        supplier = suppliers.get(supplier_name) if supplier_name else None
        if supplier_name and supplier is None:
            problems.append(
                yaml_io.located(
                    f.name, f.lines, "model.supplier", f"no active supplier {supplier_name!r}"
                )
            )
        resolved.append((f, owner, supplier))
    return resolved, problems


def _value(doc: dict[str, Any], path: tuple[str, ...], model_field: str) -> Any:
    value = _get(doc, path)
    if value is None:
        # A key the file leaves out: the field's default (environment: development), or "".
        field_ = AISystem._meta.get_field(model_field)
        if not field_.null:
            return field_.get_default()
    return value


def _system_data(doc: dict[str, Any], owner: Owner, supplier: Supplier | None) -> dict[str, Any]:
    data = {field_: _value(doc, path, field_) for path, field_ in SYSTEM_FIELDS.items()}
    training = doc["data"]["training_sources"]
    return {
        **data,
        "owner": owner.user,
        "owner_team": owner.team,
        "supplier": supplier,
        "training_statement": training if isinstance(training, str) else "",
    }


def _sync_sources(
    system: AISystem, existing: list[DataSource], doc: dict[str, Any], actor: User, reason: str
) -> bool:
    """Make the system's active sources (``existing``, in order) those of ``doc``; whether
    anything changed."""

    changed = False
    for kind, key in SOURCE_KEYS.items():
        have = [s for s in existing if s.kind == kind]
        want = doc["data"][key]
        if isinstance(want, str):  # a statement such as "none-fine-tuning": no sources
            want = []
        for position, item in enumerate(want):
            if position < len(have):
                source = have[position]
                if source_document(source) != item or source.position != position:
                    changed = True
                    data_source_update(
                        source,
                        actor=actor,
                        data={**item, "position": position},
                        expected_version=source.version,
                        reason=reason,
                    )
            else:
                changed = True
                data_source_create(actor=actor, data={**item, "system": system, "kind": kind})
        for source in have[len(want) :]:
            changed = True
            data_source_retire(source, actor=actor, reason=reason)
    return changed


@dataclass
class _Stored:
    """The systems a set of files names and their active sources, read in a few queries."""

    systems: dict
    sources: dict
    waiting: set

    @classmethod
    def load(cls, slugs: list[str]) -> "_Stored":
        systems = {
            s.slug: s
            for s in AISystem.objects.select_related("owner", "owner_team", "supplier").filter(
                slug__in=slugs
            )
        }
        sources = {}
        active = DataSource.objects.active().filter(system__slug__in=slugs)
        for source in active.order_by("position", "pk"):
            sources.setdefault(source.system_id, []).append(source)
        waiting = set(
            ChangeRequest.objects.filter(
                system__slug__in=slugs,
                kind=ChangeRequest.Kind.STAGE,
                status=ChangeRequest.Status.SUBMITTED,
            ).values_list("system_id", "target_stage")
        )
        return cls(systems, sources, waiting)


def _import_one(
    f: yaml_io.SystemFile,
    owner: Owner,
    supplier: Supplier | None,
    actor: User,
    result: ImportResult,
    stored: _Stored,
    policies: policy.PolicySet,
    commit: str = "",
) -> None:

    doc = f.doc
    reason = f"Synced from {f.name} at {commit[:12]}" if commit else f"Imported from {f.name}"
    data = _system_data(doc, owner, supplier)
    system = stored.systems.get(doc["id"])
    existing = stored.sources.get(system.pk, []) if system else []
    stamp = {"source_commit": commit} if commit else {}
    if system is None:
        system = ai_system_create(
            actor=actor, data={**data, **stamp, "slug": doc["id"]}, reason=reason
        )
        result.created.append(system)
    else:
        current = _system_data(
            yaml_io.validate(system_document(system, existing), f.name),
            Owner(system.owner, system.owner_team),
            system.supplier,
        )
        if current != data:
            system = ai_system_update(
                system,
                actor=actor,
                data={**data, **stamp},
                expected_version=system.version,
                reason=reason,
            )
            result.updated.append(system)
        else:
            result.unchanged.append(system)
    if _sync_sources(system, existing, doc, actor, reason) and system in result.unchanged:
        result.unchanged.remove(system)
        result.updated.append(system)
    stage = doc["lifecycle"]["stage"] or AISystem.Stage.PROPOSED
    if stage != system.stage and (system.pk, stage) not in stored.waiting:
        change = change_request_create(
            policies=policies,
            actor=actor,
            data={
                "system": system,
                "kind": ChangeRequest.Kind.STAGE,
                "target_stage": stage,
                "reason": f"{f.name} lists the system as {stage}.",
                **stamp,
            },
        )
        result.change_requests.append(change)


def _file_order(paths: list) -> Callable[[str], int]:
    """Sort problems by file (in the order given), then as found: a file's problems together."""
    order = {Path(p).name: n for n, p in enumerate(paths)}
    return lambda problem: order.get(problem.split(":", 1)[0], len(order))


def _stored_doc(system: AISystem) -> dict[str, Any]:
    return system_document(
        AISystem.objects.select_related("owner", "owner_team", "supplier").get(pk=system.pk)
    )


@transaction.atomic
def import_files(paths: list, *, actor: User, commit: str = "") -> ImportResult:
    """Import registry YAML files; ValidationError with every problem and nothing written.
    ``commit`` (a git sync) is recorded on every system version and change request made."""
    files, problems = yaml_io.read_all(paths)
    resolved, more = _resolve(files)
    problems += [p for f in files for p in f.problems] + more
    if problems:
        raise ValidationError(sorted(problems, key=_file_order(paths)))
    if not files:
        raise ValidationError("No .yaml files to import.")
    result = ImportResult()
    stored = _Stored.load([f.doc["id"] for f in files])
    policies = policy.policy_set()  # read once for every change request raised
    for f, owner, supplier in resolved:
        try:
            _import_one(f, owner, supplier, actor, result, stored, policies, commit)
        except ValidationError as error:
            messages = (
                [f"{k}: {m}" for k, ms in error.message_dict.items() for m in ms]
                if hasattr(error, "error_dict")
                else error.messages
            )
            raise ValidationError([f"{f.name}: {m}" for m in messages]) from None
    return result


def export_all(systems: QuerySet[AISystem] | None = None) -> Iterator[tuple[str, str]]:
    """(file name, YAML text) for every system of ``systems`` (by default all), in slug
    order."""
    systems = (
        (AISystem.objects.all() if systems is None else systems)
        .select_related("owner", "owner_team", "supplier")
        .order_by("slug")
    )
    sources = {}
    for source in DataSource.objects.active().order_by("position", "pk"):
        sources.setdefault(source.system_id, []).append(source)
    for system in systems.iterator(chunk_size=2000):
        doc = system_document(system, sources.get(system.pk, []))
        yield yaml_io.file_name(doc), yaml_io.dump(doc)


def export_one(system: AISystem) -> tuple[str, str]:
    doc = _stored_doc(system)
    return yaml_io.file_name(doc), yaml_io.dump(doc)
