"""The registry in git (services): import the model-registry files of a repository at a ref,
and write the portal's registry back as a commit on a branch.

Rules enforced here:
- a ref that does not name a commit of the repository is refused before anything is read;
- a sync is an import (imports.py: all or nothing, every problem reported, stages only
  through change requests) whose commit is recorded on every system version and change
  request it makes, and on the sync's own record;
- a system that came from the repository and whose file is gone at the synced commit is
  never deleted: a retirement change request is raised for it (once), for someone to approve;
- an export is a new commit on the named branch (created from the base ref when missing),
  holding every system's file; the previous branch head is its parent, nothing is force-
  pushed; a commit that would change nothing is not made.

The git command-line client does the work; repositories are read from a bare mirror kept
under ``REGISTRY_GIT_CACHE`` so that a URL is fetched, not cloned, on each sync.
"""

import hashlib
import os
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .models import AISystem, ChangeRequest, RegistrySync
from .services import imports
from .services.changes import change_request_create

GIT_TIMEOUT = 300


class GitError(ValidationError):
    """A git operation that failed; the message says which and why."""


def _git(*args, cwd=None, input=None, env=None):
    done = subprocess.run(
        ["git", *args],
        cwd=cwd,
        input=input,
        capture_output=True,
        timeout=GIT_TIMEOUT,
        env={**os.environ, "GIT_TERMINAL_PROMPT": "0", **(env or {})},
    )
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git {args[0]}: {message[-1] if message else 'failed'}")
    return done.stdout


def cache_dir() -> Path:
    return Path(getattr(settings, "REGISTRY_GIT_CACHE", settings.DATA_DIR / "git-cache"))


def mirror(repo: str) -> Path:
    """A bare mirror of ``repo`` (a path or URL), fetched up to date."""
    source = str(Path(repo).resolve()) if Path(repo).exists() else repo
    target = cache_dir() / hashlib.sha256(source.encode()).hexdigest()[:24]
    if not (target / "HEAD").exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        _git("clone", "--quiet", "--mirror", source, str(target))
    else:
        _git("fetch", "--quiet", "--prune", "--force", cwd=target)
    return target


def resolve(git_dir: Path, ref: str) -> str:
    """The commit ``ref`` names, or GitError naming the unknown ref."""
    if not ref or ref.startswith("-"):
        raise GitError(f"Unknown ref {ref!r}.")
    try:
        return (
            _git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", cwd=git_dir)
            .decode()
            .strip()
        )
    except GitError:
        raise GitError(f"Unknown ref {ref!r}: no branch, tag or commit of that name.") from None


def read_tree(git_dir: Path, commit: str, folder: str) -> dict[str, bytes]:
    """``{path: content}`` of the .yaml/.yml files under ``folder`` at ``commit``."""
    prefix = folder.strip("/")
    listing = _git("ls-tree", "-r", "-z", commit, "--", *([prefix] if prefix else []), cwd=git_dir)
    blobs = []
    for entry in listing.split(b"\0"):
        if not entry:
            continue
        meta, path = entry.split(b"\t", 1)
        _mode, kind, sha = meta.split()
        name = path.decode()
        if kind == b"blob" and name.endswith((".yaml", ".yml")):
            blobs.append((name, sha.decode()))
    if not blobs:
        return {}
    # One cat-file process for every blob: a thousand files in one round trip.
    out = _git(
        "cat-file", "--batch", cwd=git_dir, input="".join(f"{s}\n" for _, s in blobs).encode()
    )
    contents, at = {}, 0
    for name, _ in blobs:
        header_end = out.index(b"\n", at)
        size = int(out[at:header_end].split()[2])
        contents[name] = out[header_end + 1 : header_end + 1 + size]
        at = header_end + 1 + size + 1
    return contents


@dataclass
class SyncResult:
    commit: str
    imported: imports.ImportResult | None = None
    retirements: list = field(default_factory=list)

    def summary(self):
        parts = [self.imported.summary()] if self.imported else ["no files"]
        parts.append(f"{len(self.retirements)} retirement requests for files deleted upstream")
        return f"{self.commit[:12]}: " + ", ".join(parts)


def _retire_deleted(present: set[str], commit: str, folder: str, actor) -> list:

    raised = []
    gone = (
        AISystem.objects.in_service()
        .exclude(source_commit="")
        .exclude(slug__in=present)
        .order_by("slug")
    )
    for system in gone:
        waiting = system.changes.filter(
            kind=ChangeRequest.Kind.STAGE,
            target_stage=AISystem.Stage.RETIRED,
            status=ChangeRequest.Status.SUBMITTED,
        ).exists()
        if waiting:
            continue
        where = f"{folder.strip('/')}/" if folder.strip("/") else ""
        raised.append(
            change_request_create(
                actor=actor,
                data={
                    "system": system,
                    "kind": ChangeRequest.Kind.STAGE,
                    "target_stage": AISystem.Stage.RETIRED,
                    "reason": f"{where}{system.slug}.yaml was deleted upstream at commit "
                    f"{commit[:12]}; approve to retire the system, or restore the file.",
                    "source_commit": commit,
                },
            )
        )
    return raised


def sync(*, repo: str, ref: str, actor, folder: str | None = None, only: str | None = None):
    """Import the registry files of ``repo`` at ``ref``; ``only`` one system's file."""
    folder = settings.REGISTRY_GIT_PATH if folder is None else folder
    record = RegistrySync(
        repo=repo, ref=ref, path=folder, requested_by=actor, started_at=timezone.now()
    )
    try:
        git_dir = mirror(repo)
        commit = resolve(git_dir, ref)
        record.commit = commit
        files = read_tree(git_dir, commit, folder)
        result = _sync_files(files, commit, folder, actor, only)
    except ValidationError as error:
        record.status, record.finished_at = RegistrySync.Status.FAILED, timezone.now()
        record.summary = "\n".join(error.messages)[:4000]
        record.save()
        raise
    record.status, record.finished_at = RegistrySync.Status.DONE, timezone.now()
    record.summary = result.summary()
    record.save()
    return result


@transaction.atomic
def _sync_files(files, commit, folder, actor, only):
    result = SyncResult(commit)
    if only is not None:
        files = {p: c for p, c in files.items() if PurePosixPath(p).stem == only}
        if not files:
            raise ValidationError(
                f"No file for {only!r} under {folder or 'the repository'} at {commit[:12]}."
            )
    with tempfile.TemporaryDirectory() as tmp:
        paths, names = [], set()
        for path, content in sorted(files.items()):
            name = PurePosixPath(path).name
            if name in names:
                raise ValidationError(f"{path}: another file under {folder} has the same name.")
            names.add(name)
            local = Path(tmp) / name
            local.write_bytes(content)
            paths.append(local)
        if paths:
            result.imported = imports.import_files(paths, actor=actor, commit=commit)
    if only is None:
        present = set()
        if result.imported:
            imported = result.imported
            present = {s.slug for s in imported.created + imported.updated + imported.unchanged}
        result.retirements = _retire_deleted(present, commit, folder, actor)
    return result


def export_commit(
    *,
    repo: str,
    branch: str,
    actor,
    base: str | None = None,
    folder: str | None = None,
    message: str = "",
) -> str | None:
    """Write every system's file under ``folder`` as a new commit on ``branch`` of ``repo``
    and push it there; the new commit, or None when nothing changed."""
    folder = (settings.REGISTRY_GIT_PATH if folder is None else folder).strip("/")
    if not branch or branch.startswith("-") or " " in branch:
        raise GitError(f"Not a branch name: {branch!r}.")
    git_dir = mirror(repo)
    _git("check-ref-format", "--branch", branch, cwd=git_dir)
    try:
        parent = resolve(git_dir, f"refs/heads/{branch}")
    except GitError:
        parent = resolve(git_dir, base or settings.REGISTRY_GIT_REF)
    with tempfile.TemporaryDirectory() as tmp:
        env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
        _git("read-tree", parent, cwd=git_dir, env=env)
        names, paths = [], []
        for n, (name, text) in enumerate(imports.export_all()):
            local = Path(tmp) / f"{n}.yaml"
            local.write_text(text, encoding="utf-8")
            names.append(name)
            paths.append(str(local))
        # One hash-object process for every file, not one each.
        hashed = _git(
            "hash-object", "-w", "--stdin-paths", cwd=git_dir, input="\n".join(paths).encode()
        )
        entries = [
            f"100644 {sha}\t{folder}/{name}\n" if folder else f"100644 {sha}\t{name}\n"
            for name, sha in zip(names, hashed.decode().split(), strict=True)
        ]
        if entries:
            _git(
                "update-index",
                "--index-info",
                cwd=git_dir,
                env=env,
                input="".join(entries).encode(),
            )
        tree = _git("write-tree", cwd=git_dir, env=env).decode().strip()
    if tree == _git("rev-parse", f"{parent}^{{tree}}", cwd=git_dir).decode().strip():
        return None
    who = {
        "GIT_AUTHOR_NAME": actor.get_full_name() or actor.username,
        "GIT_AUTHOR_EMAIL": actor.email or f"{actor.username}@aims.invalid",
        "GIT_COMMITTER_NAME": "AIMS portal",
        "GIT_COMMITTER_EMAIL": getattr(
            settings, "REGISTRY_GIT_COMMITTER_EMAIL", "aims-portal@aims.invalid"
        ),
    }
    text = message or f"Registry export from the AIMS portal by {actor.username}"
    commit = (
        _git("commit-tree", tree, "-p", parent, "-m", text, cwd=git_dir, env=who).decode().strip()
    )
    _git("update-ref", f"refs/heads/{branch}", commit, cwd=git_dir)
    url = _git("config", "remote.origin.url", cwd=git_dir).decode().strip()
    # To the URL, not "origin": a mirror's remote refuses pushes of single refs.
    _git("push", "--quiet", url, f"refs/heads/{branch}:refs/heads/{branch}", cwd=git_dir)
    return commit
