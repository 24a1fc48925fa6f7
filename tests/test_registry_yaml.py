"""Model-registry YAML: byte-identical round trip, atomic import with clear messages on bad
files, the CI command (validate / import / export) and the API."""

import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from registry import yaml_io
from registry.golive import ORDER
from registry.models import AISystem, ChangeRequest, DataSource
from registry.services import imports

from . import factories

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).resolve().parent.parent / "registry" / "examples"
# A proposed system: importing it raises no change request, so it exports unchanged.
GOOD = (EXAMPLES / "hr-screening.yaml").read_text()


@pytest.fixture
def suppliers(lead, owner):
    for name in ("Northwind Models", "VectorVault"):
        factories.supplier(lead, name=name)


@pytest.fixture
def folder(tmp_path, suppliers):
    for path in EXAMPLES.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


def snapshot():
    return (
        AISystem.objects.count(),
        AISystem.history.count(),
        DataSource.objects.count(),
        ChangeRequest.objects.count(),
    )


def test_import_creates_systems_and_sources(folder, lead, owner):
    result = imports.import_files(yaml_io.yaml_files(folder), actor=lead)
    assert len(result.created) == 6
    support = AISystem.objects.get(slug="support-assistant")
    assert support.owner == owner
    assert support.supplier.name == "Northwind Models"
    assert [s.name for s in support.data_sources.filter(kind="rag")] == [
        "Help-centre articles",
        "Resolved tickets",
    ]
    assert support.data_sources.get(kind="evaluation").name == "Golden answers set"
    assert support.history.first().history_change_reason == "Imported from support-assistant.yaml"


def test_import_raises_change_requests_instead_of_setting_the_stage(folder, lead, owner):
    imports.import_files(yaml_io.yaml_files(folder), actor=lead)
    assert AISystem.objects.get(slug="support-assistant").stage == "proposed"
    change = ChangeRequest.objects.get(system__slug="support-assistant")
    assert (change.target_stage, change.status, change.requested_by) == (
        "production",
        "submitted",
        lead,
    )
    # Importing again does not pile up requests.
    imports.import_files(yaml_io.yaml_files(folder), actor=lead)
    assert ChangeRequest.objects.filter(system__slug="support-assistant").count() == 1


def test_export_import_export_is_byte_identical(folder, lead, owner, executive, tmp_path):
    imports.import_files(yaml_io.yaml_files(folder), actor=lead)
    from registry import services

    for change in ChangeRequest.objects.select_related("system"):
        services.change_request_transition(change, "withdraw", actor=lead)
        target = change.target_stage
        if target == "retired":
            retire = factories.change_request(lead, change.system, target_stage="retired")
            services.change_request_transition(retire, "approve", actor=executive)
            continue
        walked = factories.advance(change.system, min(target, "validation", key=ORDER.index), lead)
        if target == "production":
            # The go-live gate has its own tests (test_registry_golive.py); here only the
            # stage matters to the file.
            AISystem.objects.filter(pk=walked.pk).update(stage="production")
    first = dict(imports.export_all())
    # The exported files are the example files themselves, byte for byte.
    assert first == {p.name: p.read_text() for p in EXAMPLES.glob("*.yaml")}
    # Someone edits the portal; importing the export restores it; exporting gives the same.
    system = AISystem.objects.get(slug="credit-scoring")
    services.ai_system_update(
        system,
        actor=lead,
        data={"regions": ["us"], "approved_by": ["dpo:X"]},
        expected_version=system.version,
        reason="Edit",
    )
    out = tmp_path / "export"
    out.mkdir()
    for name, text in first.items():
        (out / name).write_text(text)
    result = imports.import_files(yaml_io.yaml_files(out), actor=lead)
    assert [s.slug for s in result.updated] == ["credit-scoring"]
    assert dict(imports.export_all()) == first


def test_export_one_file_quotes_user_text_safely(lead):
    system = factories.ai_system(lead, name="Key: value # not a comment", description="a\nb")
    name, text = imports.export_one(system)
    assert name == f"{system.slug}.yaml"
    doc = yaml_io.validate(yaml_io.parse(text, name), name)
    assert (doc["name"], doc["description"]) == ("Key: value # not a comment", "a\nb")


# --- bad files: a clear message naming file and key path, nothing written -----------------


def bad_import(tmp_path, lead, text, name="bad.yaml", with_good=True):
    if with_good:
        (tmp_path / "hr-screening.yaml").write_text(GOOD)
    (tmp_path / name).write_bytes(text.encode() if isinstance(text, str) else text)
    before = snapshot()
    with pytest.raises(Exception) as caught:
        imports.import_files(yaml_io.yaml_files(tmp_path), actor=lead)
    assert snapshot() == before
    return " ".join(getattr(caught.value, "messages", [str(caught.value)]))


def test_syntax_error_is_reported_with_line(tmp_path, lead, suppliers):
    message = bad_import(tmp_path, lead, "id: x\nname: [unclosed\n")
    assert message.startswith("bad.yaml: line ")


def test_wrong_type_names_the_key_path(tmp_path, lead, suppliers):
    text = GOOD.replace("id: hr-screening", "id: other").replace(
        "  risk_tier: high", "  risk_tier: [high]"
    )
    message = bad_import(tmp_path, lead, text)
    assert "bad.yaml: line 13: classification.risk_tier: expected text, got list" in message


def test_wrong_type_in_a_data_source(tmp_path, lead, suppliers):
    text = GOOD.replace("id: hr-screening", "id: other").replace("    pii: false", "    pii: maybe")
    message = bad_import(tmp_path, lead, text)
    assert "bad.yaml: line 29: data.rag_sources[0].pii: expected true or false" in message


def test_unknown_key_is_reported(tmp_path, lead, suppliers):
    text = GOOD.replace("id: hr-screening", "id: other").replace(
        "  environment: development", "  environment: development\n  replicas: 3"
    )
    message = bad_import(tmp_path, lead, text)
    assert "bad.yaml: line 8: deployment.replicas: unknown key" in message


def test_duplicate_id_across_files(tmp_path, lead, suppliers):
    message = bad_import(tmp_path, lead, GOOD, name="copy.yaml")
    assert "hr-screening.yaml: line 1: id: 'hr-screening' is also used by copy.yaml" in message


def test_duplicate_key_in_a_file(tmp_path, lead, suppliers):
    text = GOOD.replace("id: hr-screening", "id: other\nname: twice")
    message = bad_import(tmp_path, lead, text)
    assert "bad.yaml: line 3" in message and "duplicate key 'name'" in message


def test_a_10_mb_file_is_refused_unread(tmp_path, lead, suppliers):
    text = GOOD.replace("id: hr-screening", "id: other") + "#" + "x" * 10_000_000 + "\n"
    message = bad_import(tmp_path, lead, text)
    assert "bad.yaml: file is larger than 1 MB" in message


def test_an_alias_bomb_is_refused(tmp_path, lead, suppliers):
    bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
    for i in range(ord("b"), ord("j")):
        prev = chr(i - 1)
        bomb += f"{chr(i)}: &{chr(i)} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
    message = bad_import(tmp_path, lead, bomb)
    assert "bad.yaml: line 2" in message and "aliases (*name) are not allowed" in message


def test_unknown_owner_refuses_the_whole_import(tmp_path, lead, suppliers):
    text = GOOD.replace("id: hr-screening", "id: other").replace("owner: owner", "owner: nobody")
    message = bad_import(tmp_path, lead, text)
    assert "bad.yaml: line 4: owner: no team or active user 'nobody'" in message


def test_not_a_mapping(tmp_path, lead, suppliers):
    message = bad_import(tmp_path, lead, "- just\n- a list\n")
    assert "bad.yaml: expected a mapping" in message


# --- management command ---------------------------------------------------------------


def test_validate_prints_one_line_per_denial_and_fails(folder):
    (folder / "policies").mkdir()
    shutil.copy(
        EXAMPLES / "policies" / "production-needs-evaluation-data.rego", folder / "policies"
    )
    out = StringIO()
    with pytest.raises(CommandError) as failed:
        call_command(
            "registry", "validate", str(folder), "--policies", str(folder / "policies"), stdout=out
        )
    assert failed.value.returncode == 1
    lines = out.getvalue().splitlines()
    assert lines == [
        "DENY invoice-extractor.yaml: file:production-needs-evaluation-data.rego: in production "
        "without an evaluation data source (data.evaluation_sources)"
    ]


def test_validate_passes_a_clean_folder(folder, tmp_path):
    for path in folder.glob("*.yaml"):
        if path.name != "code-review-bot.yaml":
            path.unlink()
    out = StringIO()
    (tmp_path / "no-rules").mkdir()
    call_command(
        "registry", "validate", str(folder), "--policies", str(tmp_path / "no-rules"), stdout=out
    )
    assert "1 files, 3 rules: 0 invalid, 0 denials" in out.getvalue()
    # A policy folder that does not exist is a mistake, not "no rules".
    with pytest.raises(CommandError) as missing:
        call_command("registry", "validate", str(folder), "--policies", str(tmp_path / "none"))
    assert missing.value.returncode == 2


def test_validate_reports_built_in_denials(tmp_path):
    text = (EXAMPLES / "support-assistant.yaml").read_text().replace("  - dpo:Dana Ortiz\n", "")
    (tmp_path / "s.yaml").write_text(text)
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("registry", "validate", str(tmp_path), "--policies", str(tmp_path), stdout=out)
    assert "DENY s.yaml: high-risk-production-needs-dpo: high risk in production" in out.getvalue()


def test_import_and_export_commands(folder, lead, owner, tmp_path):
    call_command("registry", "import", str(folder), "--user", "lead", stdout=StringIO())
    assert AISystem.objects.count() == 6
    out = tmp_path / "out"
    call_command("registry", "export", str(out), "--system", "hr-screening", stdout=StringIO())
    assert (out / "hr-screening.yaml").read_text() == GOOD


def test_import_command_fails_and_writes_nothing_on_a_bad_file(folder, lead):
    (folder / "zz.yaml").write_text("id: [")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("registry", "import", str(folder), "--user", "lead", stderr=err)
    assert "zz.yaml: line" in err.getvalue()
    assert AISystem.objects.count() == 0


# --- API ------------------------------------------------------------------------------


def test_api_validate_import_export(client_for, lead, owner, suppliers):
    client = client_for(lead)
    files = {"hr-screening.yaml": GOOD}
    checked = client.post(
        "/api/v1/registry/yaml/validate/", {"files": files}, content_type="application/json"
    )
    assert checked.json() == {"ok": True, "problems": [], "denials": []}
    imported = client.post(
        "/api/v1/registry/yaml/import/", {"files": files}, content_type="application/json"
    )
    assert imported.json()["created"] == ["hr-screening"]
    exported = client.get("/api/v1/registry/yaml/export/").json()
    assert exported == {"files": files}


def test_api_import_refuses_bad_yaml(client_for, lead):
    response = client_for(lead).post(
        "/api/v1/registry/yaml/import/",
        {"files": {"x.yaml": "id: ["}},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["problems"][0].startswith("x.yaml: line 1")


def test_auditor_cannot_import(client_for, auditor):
    response = client_for(auditor).post(
        "/api/v1/registry/yaml/import/",
        {"files": {"x.yaml": GOOD}},
        content_type="application/json",
    )
    assert response.status_code == 403
