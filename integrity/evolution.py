"""Schema evolution: rows hashed before a field was added or removed still verify.

A covered row's content hash is the hash of its canonical dict: every concrete field. A
migration that adds a field to a tracked model adds it to the history table too, so every
older history row now reads with one key more than it was hashed with; a migration that
removes a field drops a key that older rows were hashed with. Rules enforced here:

- **Added fields are declared** on the live model (on the history's record model for history
  rows), oldest migration first::

      _history_added_fields = {
          "0006_golive_signoffs_teams": {"source_commit": "", "training_statement": ""},
      }

  each field with the canonical value every row written before that migration holds (the
  migration's default). A row verifies in the form without a migration's fields, and
  without those of every later one, only when each of those fields still holds its declared
  value. That is sound: a row hashed with the field cannot match the form without it, and a
  row hashed without it cannot have it changed, since any other value is refused.
- **Removed fields keep their values.** The migration that removes a field first copies the
  value of every history row into ``RetiredValue`` (``retire_fields``, a RunPython step),
  and the model declares the removal in ``_history_removed_fields`` (migration -> attnames).
  Verifiers add the kept values back before hashing; editing a kept value changes the hash
  like editing the row itself, and a kept value added to a row hashed without it too.
- tests/test_ledger_schema_evolution.py fails when a history table has a field that is
  neither in its first migrated form under the ledger nor declared, so a new migration
  cannot silently make the ledger unverifiable.

The database verifiers (``verify_ledger``, the integrity page, adoption) read the
declarations from the code; evidence bundles and receipts carry every row in the form it
was hashed in, so the offline verifiers hash exactly what they are given.
"""

from functools import cache

from simple_history.models import HistoricalChanges

from .labels import ledger_label, model_for
from .verify_bundle import content_hash


def _declaring_model(model):
    """The class that declares the schema changes of ``model``'s rows."""
    if issubclass(model, HistoricalChanges):
        return model.instance_type
    return model


@cache
def added_epochs(label):
    """Declared added fields of the rows of ``label``: [{attname: old value}], oldest
    migration first; empty when nothing was added."""
    model = _resolve(label)
    if model is None:
        return ()
    declared = getattr(_declaring_model(model), "_history_added_fields", {})
    present = {f.attname for f in model._meta.concrete_fields}
    epochs = []
    for migration, fields in declared.items():
        missing = set(fields) - present
        if missing:
            raise ValueError(
                f"{label}: {migration} declares added fields it does not have: {sorted(missing)}"
            )
        epochs.append(dict(fields))
    return tuple(epochs)


@cache
def removed_fields(label):
    """Attnames declared removed from the rows of ``label`` (their values are kept)."""
    model = _resolve(label)
    if model is None:
        return ()
    declared = getattr(_declaring_model(model), "_history_removed_fields", {})
    return tuple(name for names in declared.values() for name in names)


def _resolve(label):
    return model_for(label)


def older_forms(row, epochs):
    """The forms ``row`` had before each declared addition, newest first: each drops one
    more migration's fields, and exists only while every dropped field holds its declared
    value."""
    form = row
    for fields in reversed(epochs):
        if any(name not in form or form[name] != value for name, value in fields.items()):
            return
        form = {name: value for name, value in form.items() if name not in fields}
        yield form


def hashed_form(label, row, expected):
    """(form, hash) of ``row`` as it was hashed: the full row, or the older form whose hash
    is ``expected``; the full row when none is (verification then reports the change)."""
    digest = content_hash(row)
    if digest != expected:
        for form in older_forms(row, added_epochs(label)):
            older = content_hash(form)
            if older == expected:
                return form, older
    return row, digest


def row_hash(label, row, expected):
    return hashed_form(label, row, expected)[1]


def with_retired(label, rows):
    """Add to ``rows`` ({id: canonical dict}) the kept values of fields removed from
    ``label`` (one query, none when the model declares no removal)."""
    if not rows or not removed_fields(label):
        return rows
    from .models import RetiredValue

    kept = RetiredValue.objects.filter(covered_model=label, covered_id__in=list(rows))
    for covered_id, values in kept.values_list("covered_id", "values"):
        rows[covered_id].update(values)
    return rows


def retire_fields(apps, schema_editor, app_label, model_name, fields, chunk_size=2000):
    """A migration's RunPython step before it removes ``fields`` (names) from a tracked
    model: keep the value every history row was hashed with, as its canonical value. Run
    it on the migration-state models, before the RemoveField operations.

    A row whose entry hashed it without the fields (written after an earlier run of this
    migration, then given a blank column by reversing it) keeps nothing: its form is
    already the one without them. Every other row keeps its values, so a changed row is
    still reported as changed."""
    from .canonical import canonical_row, row_spec
    from .migration_state import state_model
    from .verify_bundle import content_hash

    using = schema_editor.connection.alias
    history = apps.get_model(app_label, f"Historical{model_name}")
    kept_model = state_model(apps, "RetiredValue")
    entries = state_model(apps, "LedgerEntry").objects.using(using)
    label = ledger_label(history)
    attnames = {history._meta.get_field(name).attname for name in fields}
    names, _ = row_spec(history)
    pk_index = names.index(history._meta.pk.attname)
    last = 0
    while True:
        rows = list(
            history.objects.using(using)
            .filter(pk__gt=last)
            .order_by("pk")
            .values_list(*names)[:chunk_size]
        )
        if not rows:
            return
        last = rows[-1][pk_index]
        hashed = dict(
            entries.filter(
                covered_model=label, covered_id__in=[r[pk_index] for r in rows]
            ).values_list("covered_id", "content_hash")
        )
        values = {}
        for raw in rows:
            row = canonical_row(history, raw)
            without = {name: value for name, value in row.items() if name not in attnames}
            expected = hashed.get(raw[pk_index])
            if expected is not None and content_hash(without) == expected:
                continue
            values[raw[pk_index]] = {name: row[name] for name in attnames}
        existing = kept_model.objects.using(using).filter(
            covered_model=label, covered_id__in=list(values)
        )
        for kept in existing:  # a second removal from the same rows: merge
            kept.values = {**kept.values, **values.pop(kept.covered_id)}
            kept.save(update_fields=["values"])
        kept_model.objects.using(using).bulk_create(
            kept_model(covered_model=label, covered_id=pk, values=held)
            for pk, held in values.items()
        )


def restore_fields(apps, schema_editor, app_label, model_name, fields):
    """The reverse of ``retire_fields``, once the reversed migration has added the fields
    back: put the kept values back into the history rows and forget them."""
    from .migration_state import state_model

    using = schema_editor.connection.alias
    history = apps.get_model(app_label, f"Historical{model_name}")
    kept_model = state_model(apps, "RetiredValue")
    label = ledger_label(history)
    by_attname = {
        history._meta.get_field(name).attname: history._meta.get_field(name) for name in fields
    }
    for kept in kept_model.objects.using(using).filter(covered_model=label).iterator():
        restored = {
            name: None if value is None else by_attname[name].to_python(value)
            for name, value in kept.values.items()
            if name in by_attname
        }
        if restored:
            history.objects.using(using).filter(pk=kept.covered_id).update(**restored)
        rest = {name: value for name, value in kept.values.items() if name not in by_attname}
        if rest:
            kept.values = rest
            kept.save(update_fields=["values"])
        else:
            kept.delete()


def retire_step(app_label, model_name, fields):
    """``migrations.RunPython`` keeping the history values of ``fields`` before a migration
    removes them (reversible: the values go back when it is reversed)."""
    from django.db import migrations

    def forwards(apps, schema_editor):
        retire_fields(apps, schema_editor, app_label, model_name, fields)

    def backwards(apps, schema_editor):
        restore_fields(apps, schema_editor, app_label, model_name, fields)

    return migrations.RunPython(forwards, backwards)
