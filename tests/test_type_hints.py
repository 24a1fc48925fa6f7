"""Every function of the apps' services and selectors has its parameters and return annotated.

The modules are found by name, so a new or moved ``services``/``selectors`` module is held to
the rule as soon as it exists, in every installed app of this repository. Read with ``ast``:
no service or selector is imported."""

import ast
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("services", "selectors")


def project_apps() -> list[Path]:
    """The folders of the installed apps that are this repository's own (at its top level,
    not packages installed in its virtualenv)."""
    folders = [Path(config.path).resolve() for config in apps.get_app_configs()]
    return sorted(folder for folder in folders if folder.parent == ROOT)


def layer_modules() -> list[Path]:
    """Every ``services.py``/``selectors.py`` and every module of a ``services``/``selectors``
    package under the apps."""
    found = []
    for app in project_apps():
        for path in sorted(app.rglob("*.py")):
            if path.stem in LAYERS or path.parent.name in LAYERS:
                found.append(path)
    return found


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


class _Missing(ast.NodeVisitor):
    """``function:parameter`` (or ``function:return``) for every missing annotation; methods
    and nested functions are named by their qualified name."""

    def __init__(self) -> None:
        self.scope: list[str] = []
        self.missing: list[str] = []

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        name = ".".join([*self.scope, node.name])
        args = node.args
        every = [*args.posonlyargs, *args.args, *args.kwonlyargs]
        every += [a for a in (args.vararg, args.kwarg) if a is not None]
        for arg in every:
            if arg.annotation is None and arg.arg not in ("self", "cls"):
                self.missing.append(f"{name}:{arg.arg}")
        if node.returns is None:
            self.missing.append(f"{name}:return")
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()

    visit_AsyncFunctionDef = visit_FunctionDef


def missing_annotations(path: Path) -> list[str]:
    visitor = _Missing()
    visitor.visit(ast.parse(path.read_text(), filename=str(path)))
    return [f"{module_name(path)}:{where}" for where in visitor.missing]


def test_the_layer_modules_are_found():
    names = {module_name(p) for p in layer_modules()}
    assert {
        "aims_portal.services",
        "registry.selectors",
        "registry.services.inventory",
        "assessments.services",
        "audits.services.audits",
        "identity.selectors",
        "integrity.selectors",
        "integrity.services",
    } <= names


def test_every_service_and_selector_is_fully_annotated():
    missing = [where for path in layer_modules() for where in missing_annotations(path)]
    assert not missing, "Annotate these (module:function:parameter):\n" + "\n".join(missing)


def test_the_check_names_what_is_missing(tmp_path):
    module = tmp_path / "services.py"
    module.write_text(
        "def a(x, *, y: int) -> None: ...\n"
        "def b(z: int): ...\n"
        "class C:\n"
        "    def m(self, w) -> int: ...\n"
    )
    visitor = _Missing()
    visitor.visit(ast.parse(module.read_text()))
    assert visitor.missing == ["a:x", "b:return", "C.m:w"]
