"""The evidence bundle: a ZIP an auditor verifies offline with verify_bundle.py.

Contents: manifest.json, ledger.jsonl (every entry, in order), records.jsonl (the covered
rows of the exported area as canonical JSON, in ledger order: record versions and the rows
of ledgered models such as attestations; then any covered row that no entry covers),
checkpoints.json, public_key.pem, verify_bundle.py, README.txt. A bundle of one area still
carries the whole chain (hashes only), so the chain verifies; only that area's rows are
included. Ledgered models may add a summary to the manifest (attestations: per system).

Rules enforced here: only roles with "export" on the ledger may request a bundle, and only
for an area that has records; the bundle is built in the background with progress, as a job
of aims_portal.jobs (refused at once when the broker is down, failed past its deadline); only
a failed bundle is tried again.
"""

import hashlib
import json
import shutil
import tempfile
import zipfile
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from aims_portal import roles

from . import coverage, evolution, selectors, services, signing, timestamping
from .current_bundle import write_current_rows
from .labels import ledger_label
from .models import Checkpoint, EvidenceBundle

# The offline verifier and the modules it imports, shipped side by side in every bundle.
VERIFIER_FILES = ("verify_bundle.py", "verify_receipt.py", "verify_current.py", "tsa_verify.py")
README = """AIMS portal evidence bundle
===========================

{title}, exported {exported_at} by {exported_by}.

To verify it (Python 3.10+ with the `cryptography` and `rfc3161-client` packages), unzip
it and run:

    python3 verify_bundle.py {zip_name} --public-key <the ledger public key you trust> \\
        --trusted-checkpoint <a checkpoint you saved earlier> --tsa-cert <the TSA's certificate>

Without --public-key the key inside the bundle is used: then compare the fingerprint the
verifier prints with the one published on the portal's integrity page. Each
--trusted-checkpoint (repeatable) must be extended by the log in this bundle: that is what
shows nothing was rewritten or dropped since you saved it.

The verifier prints OK, or names each problem: a record version changed or deleted after it
was recorded, ledger entries missing, inserted or reordered, a log that does not extend a
checkpoint, an invalid checkpoint signature or time-stamp token, a live record that differs
from its latest version.

Files: manifest.json (what is in here), ledger.jsonl (the log's entries), records.jsonl (the
record versions and attested AI outputs, canonical JSON, each in the form its entry hashed;
a version hashed before a field was added lists that field's value under "added_since"),
current.jsonl (the live records and
links, each naming the version it must equal), checkpoints.json (signed tree
heads as C2SP notes with RFC 3161 tokens), public_key.pem, tsa-certificate.pem (when the
portal time-stamps), the verifier's three Python files. The manifest's "summaries" say how
many rows of each kind the bundle holds (attestations: per AI system and model version).
"""


def bundle_dir():
    path = Path(settings.MEDIA_ROOT) / "evidence-bundles"
    path.mkdir(parents=True, exist_ok=True)
    return path


def bundle_path(bundle):
    return bundle_dir() / bundle.file_name


def _progress(bundle, done, total):
    percent = min(99, int(done * 100 / total)) if total else 99
    if percent != bundle.progress:
        bundle.progress = percent
        EvidenceBundle.objects.filter(pk=bundle.pk).update(progress=percent)


def _write_lines(target, items):
    for item in items:
        target.write(json.dumps(item, sort_keys=True, ensure_ascii=False))
        target.write("\n")


def _summaries(labels, area, head_sequence):
    """What each included ledgered model says about its rows up to the bundle's head."""
    return {
        m.label: m.bundle_summary(area=area, up_to_sequence=head_sequence)
        for m in coverage.ledgered_models()
        if m.label in labels and m.bundle_summary is not None
    }


def bundle_build(bundle_id, chunk_size=5000):
    bundle = EvidenceBundle.objects.select_related("requested_by").get(pk=bundle_id)
    EvidenceBundle.objects.filter(pk=bundle.pk).update(status=EvidenceBundle.Status.BUILDING)
    try:
        _build(bundle, chunk_size)
    except Exception as error:
        EvidenceBundle.objects.filter(pk=bundle.pk).update(
            status=EvidenceBundle.Status.FAILED, error=str(error)[:2000], finished_at=timezone.now()
        )
        raise
    bundle.refresh_from_db()
    return bundle


def _build(bundle, chunk_size):
    models = selectors.models_for_area(bundle.area)
    labels = {ledger_label(m) for m in models}
    head = selectors.head() or {"sequence": 0, "entry_hash": ""}
    total = head["sequence"]
    exported_at = timezone.now()
    area_label = roles.matrix().areas.get(bundle.area, "") if bundle.area else ""
    title = f"Evidence bundle #{bundle.pk}: " + (area_label or "whole AIMS")
    zip_name = f"aims-evidence-{bundle.pk}-{exported_at:%Y%m%d-%H%M%S}.zip"
    entries = records = 0
    with tempfile.TemporaryDirectory(dir=bundle_dir()) as work:
        ledger_file = Path(work) / "ledger.jsonl"
        records_file = Path(work) / "records.jsonl"
        with (
            ledger_file.open("w", encoding="utf-8") as ledger,
            records_file.open("w", encoding="utf-8") as rows,
        ):
            for chunk in selectors.entry_chunks(chunk_size):
                if chunk[-1]["sequence"] > total:
                    chunk = [e for e in chunk if e["sequence"] <= total]
                    if not chunk:
                        break
                _write_lines(ledger, chunk)
                entries += len(chunk)
                wanted = {}
                for entry in chunk:
                    if entry["covered_model"] in labels:
                        wanted.setdefault(entry["covered_model"], {})[entry["covered_id"]] = entry[
                            "content_hash"
                        ]
                # Full rows for the current-state check; each written in the form its entry
                # hashed, with the declared values of fields added since beside it.
                found = {lbl: selectors.canonical_rows(lbl, list(ex)) for lbl, ex in wanted.items()}
                for entry in chunk:
                    label = entry["covered_model"]
                    row = found.get(label, {}).get(entry["covered_id"])
                    if row is not None:
                        records += 1
                        form, _ = evolution.hashed_form(label, row, entry["content_hash"])
                        item = {
                            "sequence": entry["sequence"],
                            "model": label,
                            "id": entry["covered_id"],
                            "row": form,
                        }
                        if form is not row:
                            item["added_since"] = {k: v for k, v in row.items() if k not in form}
                        _write_lines(rows, [item])
                _progress(bundle, entries, total)
            for model in models:
                label = ledger_label(model)
                stray = selectors.uncovered(model).values_list("pk", flat=True)
                for pk, row in selectors.canonical_rows(label, list(stray[:10_000])).items():
                    records += 1
                    _write_lines(rows, [{"sequence": None, "model": label, "id": pk, "row": row}])
        current_file = Path(work) / "current.jsonl"
        with current_file.open("wb") as current:
            live_items = write_current_rows(current, bundle.area, up_to_sequence=total)
        checkpoints = [
            services.checkpoint_dict(c)
            for c in Checkpoint.objects.filter(sequence__lte=total).order_by("sequence")
        ]
        manifest = {
            "format": "aims-portal-evidence-bundle/1",
            "title": title,
            "area": bundle.area or "all",
            "exported_at": exported_at.isoformat(),
            "exported_by": bundle.requested_by.get_username(),
            "record_models": sorted(labels),
            "entries": entries,
            "records": records,
            "live_items": live_items,
            "head": {"sequence": total, "entry_hash": head["entry_hash"]},
            "checkpoints": len(checkpoints),
            "public_key_fingerprint": signing.fingerprint(),
            "origin": settings.LEDGER_ORIGIN,
            "anchoring_required": timestamping.is_configured(),
            "summaries": _summaries(labels, bundle.area, total),
        }
        readme = README.format(
            title=title,
            exported_at=manifest["exported_at"],
            exported_by=manifest["exported_by"],
            zip_name=zip_name,
        )
        partial = Path(work) / zip_name
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
            archive.write(ledger_file, "ledger.jsonl")
            archive.write(records_file, "records.jsonl")
            archive.write(current_file, "current.jsonl")
            archive.writestr("checkpoints.json", json.dumps(checkpoints, indent=1))
            archive.writestr("public_key.pem", signing.public_key_pem())
            tsa_pem = timestamping.tsa_certificate_pem()
            if tsa_pem:
                archive.writestr("tsa-certificate.pem", tsa_pem)
            for name in VERIFIER_FILES:
                archive.write(Path(__file__).with_name(name), name)
            archive.writestr("README.txt", readme)
        digest = hashlib.sha256()
        with partial.open("rb") as done:
            for block in iter(lambda: done.read(1 << 20), b""):
                digest.update(block)
        shutil.move(partial, bundle_dir() / zip_name)
    EvidenceBundle.objects.filter(pk=bundle.pk).update(
        status=EvidenceBundle.Status.READY,
        progress=100,
        entries=entries,
        records=records,
        file_name=zip_name,
        size=(bundle_dir() / zip_name).stat().st_size,
        sha256=digest.hexdigest(),
        finished_at=timezone.now(),
    )
