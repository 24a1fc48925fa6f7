"""Only the core write path (aims_portal/services.py) sets who made a change and why.

Every other module calls ``tracked_save`` / ``tracked_delete``, so no save can skip model
validation or leave a version without its author and reason.
"""

import ast
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from aims_portal.services import tracked_delete, tracked_save
from registry.models import Supplier

ROOT = Path(__file__).resolve().parent.parent
CORE = ROOT / "aims_portal" / "services.py"
HISTORY_ATTRIBUTES = {"_history_user", "_change_reason"}
SKIPPED = {".venv", "node_modules", "migrations", ".git"}


def source_files():
    for path in sorted(ROOT.rglob("*.py")):
        if not SKIPPED & set(path.relative_to(ROOT).parts):
            yield path


def history_assignments(tree):
    """Lines that assign a history attribute (``x._history_user = …``, tuple targets,
    ``setattr(x, "_change_reason", …)``)."""
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "setattr"
            and len(node.args) > 1
            and isinstance(node.args[1], ast.Constant)
            and node.args[1].value in HISTORY_ATTRIBUTES
        ):
            yield node.lineno
        for target in targets:
            for part in ast.walk(target):
                if isinstance(part, ast.Attribute) and part.attr in HISTORY_ATTRIBUTES:
                    yield node.lineno


def test_the_scan_finds_an_assignment():
    tree = ast.parse("a, b._history_user = 1, 2\nsetattr(c, '_change_reason', 'x')\n")
    assert list(history_assignments(tree)) == [1, 2]


def test_only_the_core_sets_history_user_or_reason():
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in source_files()
        if path != CORE
        for line in history_assignments(ast.parse(path.read_text(), str(path)))
    ]
    assert offenders == [], "Write through aims_portal.services.tracked_save instead"
    assert list(history_assignments(ast.parse(CORE.read_text())))


@pytest.mark.django_db
def test_tracked_save_validates_before_writing(lead):
    supplier = Supplier(name="")
    with pytest.raises(ValidationError):
        tracked_save(supplier, lead, "Created")
    assert supplier.pk is None
    assert not Supplier.history.exists()


@pytest.mark.django_db
def test_tracked_save_and_delete_record_author_and_reason(lead):
    supplier = tracked_save(
        Supplier(name="Acme AI", services="Hosted LLM API", owner=lead), lead, "Signed"
    )
    created = supplier.history.get()
    assert (created.history_user, created.history_change_reason) == (lead, "Signed")
    pk = supplier.pk
    tracked_delete(supplier, lead, "Contract ended")
    deleted = Supplier.history.filter(id=pk).latest("history_id")
    assert deleted.history_type == "-"
    assert (deleted.history_user, deleted.history_change_reason) == (lead, "Contract ended")
