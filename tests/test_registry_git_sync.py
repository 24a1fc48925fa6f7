"""The registry in git, against real repositories made in the test: sync at a branch, tag
or commit (recorded on what it makes), unknown refs refused, a file deleted upstream proposed
for retirement, the portal's changes committed back on a branch; the system page and the
Celery task run the same sync."""

import subprocess

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from registry import gitsync, services
from registry.models import AISystem, ChangeRequest, RegistrySync

pytestmark = pytest.mark.django_db


def git(repo, *args):
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout.strip()


def system_yaml(slug, owner, stage="proposed", risk="low"):
    return yaml.safe_dump(
        {
            "id": slug,
            "name": slug.replace("-", " ").title(),
            "owner": owner,
            "contact": f"{slug}@example.com",
            "classification": {
                "purpose": "Answer questions",
                "data_sensitivity": "internal",
                "risk_tier": risk,
                "eu_ai_act_tier": "minimal",
            },
            "lifecycle": {"stage": stage},
        },
        sort_keys=False,
    )


def commit(repo, message, files=(), removed=()):
    for name, text in files:
        path = repo / "models" / name
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
        git(repo, "add", f"models/{name}")
    for name in removed:
        git(repo, "rm", "-q", f"models/{name}")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path, lead, settings):
    settings.REGISTRY_GIT_CACHE = tmp_path / "cache"
    path = tmp_path / "registry-repo"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.name", "Registry Team")
    git(path, "config", "user.email", "registry@example.com")
    first = commit(
        path,
        "Two systems",
        [
            ("chat-helper.yaml", system_yaml("chat-helper", lead.username)),
            ("doc-search.yaml", system_yaml("doc-search", lead.username, stage="development")),
        ],
    )
    git(path, "tag", "v1", first)
    return path


def test_sync_records_the_commit_on_versions_and_change_requests(repo, lead):
    head = git(repo, "rev-parse", "main")
    result = gitsync.sync(repo=str(repo), ref="main", actor=lead)
    assert result.commit == head
    chat, docs = AISystem.objects.get(slug="chat-helper"), AISystem.objects.get(slug="doc-search")
    assert chat.source_commit == head == docs.source_commit
    assert (
        chat.history.first().history_change_reason == f"Synced from chat-helper.yaml at {head[:12]}"
    )
    change = ChangeRequest.objects.get(system=docs)
    assert (change.target_stage, change.source_commit) == ("development", head)
    assert RegistrySync.objects.get().commit == head
    assert RegistrySync.objects.get().status == "done"


def test_sync_at_a_tag_a_branch_and_a_commit(repo, lead):
    tagged = git(repo, "rev-parse", "v1")
    git(repo, "checkout", "-q", "-b", "feature")
    on_branch = commit(
        repo,
        "Bigger risk",
        [("chat-helper.yaml", system_yaml("chat-helper", lead.username, risk="high"))],
    )
    git(repo, "checkout", "-q", "main")
    gitsync.sync(repo=str(repo), ref="v1", actor=lead)
    assert AISystem.objects.get(slug="chat-helper").risk_tier == "low"
    gitsync.sync(repo=str(repo), ref="feature", actor=lead)
    chat = AISystem.objects.get(slug="chat-helper")
    assert (chat.risk_tier, chat.source_commit) == ("high", on_branch)
    gitsync.sync(repo=str(repo), ref=tagged[:10], actor=lead)
    assert AISystem.objects.get(slug="chat-helper").risk_tier == "low"


def test_unknown_ref_is_refused_and_changes_nothing(repo, lead):
    with pytest.raises(gitsync.GitError, match="Unknown ref 'no-such-branch'"):
        gitsync.sync(repo=str(repo), ref="no-such-branch", actor=lead)
    assert AISystem.objects.count() == 0
    failed = RegistrySync.objects.get()
    assert failed.status == "failed" and "Unknown ref" in failed.summary
    with pytest.raises(CommandError):
        call_command(
            "registry",
            "sync",
            "--repo",
            str(repo),
            "--ref",
            "--upload-pack=x",
            "--user",
            lead.username,
        )


def test_file_deleted_upstream_is_proposed_for_retirement_never_deleted(repo, lead):
    gitsync.sync(repo=str(repo), ref="main", actor=lead)
    gone = commit(repo, "Drop doc search", removed=["doc-search.yaml"])
    result = gitsync.sync(repo=str(repo), ref="main", actor=lead)
    docs = AISystem.objects.get(slug="doc-search")  # still there
    assert docs.stage == "proposed"
    [retire] = result.retirements
    assert (retire.system, retire.target_stage, retire.status) == (docs, "retired", "submitted")
    assert retire.source_commit == gone
    assert "deleted upstream" in retire.reason
    # A second sync does not pile up requests.
    assert gitsync.sync(repo=str(repo), ref="main", actor=lead).retirements == []


def test_portal_changes_are_committed_back_on_a_branch(repo, lead):
    gitsync.sync(repo=str(repo), ref="main", actor=lead)
    chat = AISystem.objects.get(slug="chat-helper")
    services.ai_system_update(
        chat,
        actor=lead,
        data={"endpoint": "https://chat.example.com"},
        expected_version=chat.version,
        reason="New endpoint",
    )
    main = git(repo, "rev-parse", "main")
    made = gitsync.export_commit(repo=str(repo), branch="portal-export", actor=lead)
    assert git(repo, "rev-parse", "portal-export") == made
    assert git(repo, "rev-parse", "portal-export^") == main
    text = git(repo, "show", "portal-export:models/chat-helper.yaml")
    assert yaml.safe_load(text)["deployment"]["endpoint"] == "https://chat.example.com"
    assert git(repo, "log", "-1", "--format=%an", "portal-export") == lead.get_full_name()
    # Nothing changed since: no empty commit.
    assert gitsync.export_commit(repo=str(repo), branch="portal-export", actor=lead) is None
    # main is untouched; the export goes through review as any branch does.
    assert git(repo, "rev-parse", "main") == main


def test_sync_from_the_system_page(client_for, repo, lead, settings):
    settings.REGISTRY_GIT_REPO = str(repo)
    settings.REGISTRY_GIT_REF = "main"
    gitsync.sync(repo=str(repo), ref="main", actor=lead)
    commit(
        repo,
        "Rename",
        [
            (
                "chat-helper.yaml",
                system_yaml("chat-helper", lead.username).replace("Chat Helper", "Chat Helper 2"),
            )
        ],
    )
    chat = AISystem.objects.get(slug="chat-helper")
    client = client_for(lead)
    assert "Sync from git" in client.get(chat.get_absolute_url()).content.decode()
    response = client.post(f"/inventory/systems/{chat.pk}/sync/")
    assert response.status_code == 302
    chat.refresh_from_db()
    assert chat.name == "Chat Helper 2"
    assert AISystem.objects.get(slug="doc-search").name == "Doc Search"


def test_scheduled_sync_task(repo, lead, settings):
    from registry.tasks import git_sync

    settings.REGISTRY_GIT_REPO, settings.REGISTRY_GIT_REF = str(repo), "main"
    settings.REGISTRY_GIT_SYNC_USER = lead.username
    summary = git_sync.delay().get()
    assert summary.startswith(git(repo, "rev-parse", "main")[:12])
    assert AISystem.objects.filter(slug__in=["chat-helper", "doc-search"]).count() == 2


def test_sync_and_export_commands(repo, lead, tmp_path):
    from io import StringIO

    out = StringIO()
    call_command(
        "registry", "sync", "--repo", str(repo), "--ref", "v1", "--user", lead.username, stdout=out
    )
    assert "2 created" in out.getvalue()
    out = StringIO()
    call_command(
        "registry",
        "export-git",
        "--repo",
        str(repo),
        "--branch",
        "from-portal",
        "--user",
        lead.username,
        stdout=out,
    )
    assert "Committed" in out.getvalue()
    assert git(repo, "rev-parse", "--verify", "from-portal")
