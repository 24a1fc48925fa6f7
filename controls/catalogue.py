"""Loading the reference data in controls/data/catalogue.yaml into the database.

Rules: the load is idempotent (a second run changes nothing); it adds what is missing,
updates titles, purposes and crosswalks that changed in the file, and removes crosswalk rows
the file no longer has; every write leaves a history row saying it came from the catalogue.
Each control gets exactly one SoA entry, created undecided, in the single SoA document.
"""

import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from django.db import transaction

from aims_portal.services import tracked_delete, tracked_save

from .models import Control, CrosswalkMapping, Requirement, SoAEntry, StatementOfApplicability

CATALOGUE_FILE = Path(__file__).with_name("data") / "catalogue.yaml"
REASON = "Loaded from the control catalogue (controls/data/catalogue.yaml)"


def sort_key(ref):
    """ "A.10.2" after "A.9.4", "10.1" after "9.3": each number zero-padded."""
    return ".".join(f"{int(n):03}" if n.isdigit() else n for n in re.split(r"\.", ref))


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    removed: int = 0

    def __str__(self):
        return f"{self.created} created, {self.updated} updated, {self.removed} removed"


def read_catalogue(path=CATALOGUE_FILE):
    data = yaml.safe_load(Path(path).read_text())
    for control in data["controls"]:
        control["group"] = ".".join(control["id"].split(".")[:2])
        control["group_title"] = data["groups"][control["group"]]
        rows = []
        for text in control.get("crosswalk", []):
            framework, reference, label = (part.strip() for part in text.split("|"))
            rows.append({"framework": framework, "reference": reference, "label": label})
        control["crosswalk"] = rows
    return data


def _save(instance, result, created):
    if not created:
        instance.version += 1
    tracked_save(instance, None, REASON)
    if created:
        result.created += 1
    else:
        result.updated += 1
    return instance


def _upsert(model, lookup, values, result):
    instance = model.objects.filter(**lookup).first()
    if instance is None:
        return _save(model(**lookup, **values), result, created=True)
    if any(getattr(instance, k) != v for k, v in values.items()):
        for key, value in values.items():
            setattr(instance, key, value)
        _save(instance, result, created=False)
    return instance


def schema_matches_models(connection) -> bool:
    """Whether the tables the loader writes have every column of the current models.

    Migrations load the catalogue with the current models (so each row gets its history);
    an early migration on a new database finds tables that later migrations still extend,
    and leaves the load to the later one (see migrations 0003 and 0010)."""
    models = (Requirement, Control, SoAEntry, StatementOfApplicability)
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            found = {c.name for c in connection.introspection.get_table_description(cursor, table)}
            if any(f.column not in found for f in model._meta.concrete_fields):
                return False
    return True


def load_when_schema_matches(apps, schema_editor):
    """The migrations' catalogue load: only once the schema matches the current models."""
    if schema_matches_models(schema_editor.connection):
        load_catalogue()


@transaction.atomic
def load_catalogue(path=CATALOGUE_FILE):
    data = read_catalogue(path)
    result = LoadResult()
    for row in data["clauses"]:
        _upsert(
            Requirement,
            {"ref": row["id"]},
            {
                "title": row["title"],
                "clause": int(row["id"].split(".")[0]),
                "sort_key": sort_key(row["id"]),
            },
            result,
        )
    soa = StatementOfApplicability.objects.order_by("pk").first()
    if soa is None:
        soa = _save(StatementOfApplicability(), result, created=True)
    for row in data["controls"]:
        control = _upsert(
            Control,
            {"ref": row["id"]},
            {
                "title": row["title"],
                "group": row["group"],
                "group_title": row["group_title"],
                "purpose": row["purpose"].strip(),
                "sort_key": sort_key(row["id"]),
            },
            result,
        )
        wanted = set()
        for mapping in row["crosswalk"]:
            key = (mapping["framework"], mapping["reference"])
            wanted.add(key)
            _upsert(
                CrosswalkMapping,
                {"control": control, "framework": key[0], "reference": key[1]},
                {"label": mapping["label"]},
                result,
            )
        for stale in control.crosswalks.all():
            if (stale.framework, stale.reference) not in wanted:
                tracked_delete(stale, None, REASON)
                result.removed += 1
        if not SoAEntry.objects.filter(control=control).exists():
            _save(SoAEntry(control=control), result, created=True)
    return result


def soa_document():
    """The SoA document (the catalogue load creates it)."""
    return StatementOfApplicability.objects.order_by("pk").first()
