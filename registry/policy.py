"""Registry policies: machine-checkable rules on an AI system document.

Three built-in rules (BUILT_IN_RULES below) plus user rules written in Rego, evaluated in-process
with ``regopy``. User rules come from two places: RegistryPolicy records, and ``.rego`` files
in the folder named by the ``REGISTRY_POLICY_DIR`` setting (default ``<BASE_DIR>/policies``).
A Rego rule sees the system document (registry YAML layout, see documents.py) as ``input``
and lists its objections in a ``deny`` set of strings in its own package. A rule that cannot
be compiled or evaluated denies (fails closed): a broken policy never lets a system through.

The UI, the API, change requests and ``manage.py registry validate`` all call ``evaluate``.
"""

import json
import os
import re
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from regopy import Interpreter

from . import yaml_io
from .documents import PERSONAL_DATA


@dataclass(frozen=True)
class Denial:
    rule: str
    message: str

    def as_dict(self):
        return {"rule": self.rule, "message": self.message}


# --- built-in rules -----------------------------------------------------------------------


def _in_production(doc):
    lifecycle = doc.get("lifecycle")
    return isinstance(lifecycle, dict) and lifecycle.get("stage") == "production"


def _section(doc, key):
    value = doc.get(key)
    return value if isinstance(value, dict) else {}


def _handles_personal_data(doc):
    # The document is read as written: a source list may be a word ("none-fine-tuning").
    if _section(doc, "classification").get("data_sensitivity") in PERSONAL_DATA:
        return True
    return any(
        isinstance(source, dict) and source.get("pii") is True
        for sources in _section(doc, "data").values()
        if isinstance(sources, list)
        for source in sources
    )


def production_pii_needs_impact_assessment(doc):
    governance = _section(doc, "governance")
    if (
        _in_production(doc)
        and _handles_personal_data(doc)
        and not governance.get("impact_assessment_id")
    ):
        return ["handles personal data in production without an impact assessment"]
    return []


def high_risk_production_needs_dpo(doc):
    tier = _section(doc, "classification").get("risk_tier")
    approvals = _section(doc, "governance").get("approved_by") or []
    if isinstance(approvals, str):
        approvals = [approvals]
    # "dpo" (the role, as the article's files write it) or "dpo:Dana Ortiz" (role and name).
    dpo = any(str(a).split(":", 1)[0].strip().lower() == "dpo" for a in approvals)
    if _in_production(doc) and tier in ("high", "critical") and not dpo:
        return [f"{tier} risk in production without a DPO sign-off (approved_by: dpo)"]
    return []


def production_needs_review_date(doc):
    if _in_production(doc) and not _section(doc, "governance").get("last_reviewed"):
        return ["in production without a review date (governance.last_reviewed)"]
    return []


BUILT_IN_RULES = {
    "production-pii-needs-impact-assessment": production_pii_needs_impact_assessment,
    "high-risk-production-needs-dpo": high_risk_production_needs_dpo,
    "production-needs-review-date": production_needs_review_date,
}


# --- Rego rules ---------------------------------------------------------------------------


class RegoRuleError(ValueError):
    pass


# OPA formats ``sprintf`` with Go's fmt; the embedded engine knows no ``%q``. User modules
# call this function instead (rewritten on load): each verb is formatted on its own, ``%q``
# of a string as a quoted string, everything else by the engine's own sprintf.
FMT_PACKAGE = "aims_portal_fmt"
FMT_MODULE = r"""package aims_portal_fmt

verbs := `%[-+# 0]*[0-9]*(?:[.][0-9]+)?[a-zA-Z%]`

fmt(format, args) := out if {
	found := regex.find_n(verbs, format, -1)
	parts := regex.split(verbs, format)
	pieces := [piece |
		verb := found[i]
		piece := concat("", [parts[i], one(verb, args, position(found, i))])
	]
	out := concat("", array.concat(pieces, [parts[count(found)]]))
}

# The argument a verb takes: one per verb before it, "%%" taking none.
position(found, i) := count([j | other := found[j]; j < i; other != "%%"])

one(verb, args, n) := "%" if verb == "%%"
else := json.marshal(args[n]) if {
	verb == "%q"
	is_string(args[n])
} else := sprintf(verb, [args[n]]) if {
	n < count(args)
} else := concat("", ["%!", substring(verb, count(verb) - 1, 1), "(MISSING)"])
"""

PACKAGE_LINE = re.compile(r"^\s*package\s+([A-Za-z_][\w.]*)\s*$", re.MULTILINE)
# Lexical pieces of Rego that can hold the text "sprintf(" without being a call.
_TOKENS = re.compile(r'"(?:[^"\\\n]|\\.)*"|`[^`]*`|#[^\n]*|(?<![\w.])sprintf(?=\s*\()')
# A v0 rule head: a name (and [key]) straight before its body, with no ``if``/``contains``.
_V0_HEAD = re.compile(r"^[ \t]*(?:default[ \t]+)?([A-Za-z_]\w*(?:\[[^\]\n]*\])?)[ \t]*\{", re.M)
_KEYWORDS = {"some", "every", "not", "import", "package", "with", "else", "if", "contains"}


def _blank_strings(source):
    """``source`` with string literals and comments blanked (same length, same lines)."""

    def blank(match):
        text = match.group(0)
        return text if text == "sprintf" else re.sub(r"[^\n]", " ", text)

    return _TOKENS.sub(blank, source)


def _rewrite_sprintf(source):
    return _TOKENS.sub(
        lambda m: f"data.{FMT_PACKAGE}.fmt" if m.group(0) == "sprintf" else m.group(0),
        source,
    )


def v0_problem(file_name, source):
    """A message naming the Rego v0 syntax of ``source``, or None."""
    for match in _V0_HEAD.finditer(_blank_strings(source)):
        head = match.group(1)
        if head.split("[")[0] in _KEYWORDS:
            continue
        line = source.count("\n", 0, match.start()) + 1
        return (
            f"{file_name}, line {line}: `{head} {{ … }}` is Rego v0 syntax; the portal evaluates "
            "Rego v1 (OPA 1.0): write `deny contains msg if { … }` for a set and "
            "`allow if { … }` for a rule (every rule body needs `if`)"
        )
    return None


_ERROR_MESSAGE = re.compile(r"\(errormsg \d+:([^\n)]*)")
_ERROR_FILE = re.compile(r"\(error \d+:([^|\s]+)")


def _first_line(error):
    """The engine's first message and where it is, e.g. "Invalid assignment operator (a.rego)"."""
    text = str(error)
    message = _ERROR_MESSAGE.search(text)
    if message:
        where = _ERROR_FILE.search(text)
        return f"{message.group(1)} ({where.group(1)})" if where else message.group(1)
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    lines = [line for line in lines if not line.startswith(("(", "Errors:", "~"))]
    if not lines:
        return error.__class__.__name__
    message = lines[0]
    where = lines[1][2:].strip() if len(lines) > 1 and lines[1].startswith("--") else ""
    return f"{message} ({where})" if where else message


_stdout_lock = threading.Lock()


@contextmanager
def _quiet():
    """The engine prints compile errors on standard output; they reach us as exceptions, so
    keep them out of command output and logs."""
    with _stdout_lock:
        sys.stdout.flush()
        saved = os.dup(1)
        try:
            with open(os.devnull, "w") as devnull:
                os.dup2(devnull.fileno(), 1)
            yield
        finally:
            os.dup2(saved, 1)
            os.close(saved)


def _budget_ms():
    return int(getattr(settings, "REGISTRY_POLICY_TIME_BUDGET_MS", 200))


def _entrypoint(package):
    return f"{package.replace('.', '/')}/deny"


class RegoModules:
    """Rego modules compiled together, as ``opa eval -d folder/`` loads a folder (a package
    may be split over several files, and modules may refer to each other), queried for the
    ``deny`` set of each package."""

    def __init__(self, modules):
        self.packages = {}  # package -> [file names]
        self.interpreter = Interpreter()
        try:
            self._compile(modules)
        except RegoRuleError:
            raise
        except Exception as error:  # regopy raises its own error types on bad modules
            raise RegoRuleError(_first_line(error)) from None

    def _compile(self, modules):
        with _quiet():
            self.interpreter.add_module("aims_portal_fmt.rego", FMT_MODULE)
            for file_name, source in modules:
                problem = v0_problem(file_name, source)
                if problem:
                    raise RegoRuleError(problem)
                match = PACKAGE_LINE.search(_blank_strings(source))
                if not match:
                    raise RegoRuleError(f"{file_name}: the module needs a `package` line")
                self.packages.setdefault(match.group(1), []).append(file_name)
                self.interpreter.add_module(file_name, _rewrite_sprintf(source))
        # A bundle per package: its plan is compiled once, where a query string would be
        # compiled again on every call (several times slower per document).
        self.bundles = {}
        for package in self.packages:
            try:
                self.bundles[package] = self.interpreter.build(None, [_entrypoint(package)])
            except Exception:  # no deny rule in this package: queried as a string, undefined
                self.bundles[package] = None
        self.interpreter.set_input_term("{}")
        for package in self.packages:
            self.query(package)

    def set_input(self, doc_json):
        self.interpreter.set_input_term(doc_json)

    def query(self, package):
        bundle = self.bundles.get(package)
        with _quiet():
            if bundle is not None:
                output = str(self.interpreter.query_bundle_entrypoint(bundle, _entrypoint(package)))
            else:
                output = str(self.interpreter.query(f"data.{package}.deny"))
        if output.strip() == "<error>":
            raise RegoRuleError(
                f"data.{package}.deny: evaluation error (e.g. a rule with conflicting values)"
            )
        try:
            expressions = json.loads(output).get("expressions") or [[]]
        except ValueError:
            if output.strip() == "undefined":
                return []
            raise RegoRuleError(_first_line(output)) from None
        result = expressions[0]
        if not isinstance(result, list):
            raise RegoRuleError(f"`data.{package}.deny` must be a set of messages")
        return [item if isinstance(item, str) else json.dumps(item) for item in result]


class RegoRule:
    """The ``deny`` set of one package of compiled modules, evaluated under the time budget.

    A rule that cannot be evaluated, or that takes longer than the budget, denies (fails
    closed) with a message that names it; once over budget it is not run again in this
    process until its source changes.
    """

    def __init__(self, name, modules, package):
        self.name, self.modules, self.package = name, modules, package
        self.over_budget = None

    def __call__(self, doc):
        budget = _budget_ms()
        if self.over_budget is not None:
            return [
                f"policy skipped: it took {self.over_budget} ms on an earlier document, over "
                f"the time budget of {budget} ms"
            ]
        started = time.perf_counter()
        try:
            self.modules.set_input(json.dumps(doc, default=str))
            messages = self.modules.query(self.package)
        except RegoRuleError as error:
            return [f"policy could not be evaluated: {error}"]
        elapsed = round((time.perf_counter() - started) * 1000)
        if elapsed > budget:
            self.over_budget = elapsed
            return [f"policy took {elapsed} ms, over the time budget of {budget} ms"]
        return messages


class BrokenRule:
    def __init__(self, name, message):
        self.name, self.message = name, f"policy could not be evaluated: {message}"

    def __call__(self, doc):
        return [self.message]


def _file_label(files):
    return f"file:{'+'.join(Path(f).name for f in files)}"


def compile_rules(name, modules):
    """``[(rule name, rule)]`` for modules compiled together: one rule per package, named
    ``name`` (a policy record), or after its files for the policy folder (``name`` "file").
    A set that does not compile is one rule that always denies."""
    try:
        compiled = RegoModules(modules)
    except RegoRuleError as error:
        label = _file_label([f for f, _ in modules]) if name == "file" else name
        return [(label, BrokenRule(label, str(error)))]
    rules = []
    for package, files in compiled.packages.items():
        label = _file_label(files) if name == "file" else name
        rules.append((label, RegoRule(label, compiled, package)))
    return rules


def sample_documents():
    """Documents a new policy is timed on: the example registry files, as written."""
    from .yaml_io import as_written, parse, yaml_files

    examples = Path(__file__).resolve().parent / "examples"
    return [
        (path.name, as_written(parse(path.read_text(encoding="utf-8"), path.name)))
        for path in yaml_files(examples)
    ]


def check_rego(name, source):
    """Problems compiling a Rego module or running it within the time budget on the sample
    documents, as a message; None if it compiles and runs in time."""
    try:
        modules = RegoModules([(f"{name}.rego", source)])
        budget = _budget_ms()
        for file_name, doc in sample_documents():
            for package in modules.packages:
                started = time.perf_counter()
                modules.set_input(json.dumps(doc, default=str))
                modules.query(package)
                elapsed = round((time.perf_counter() - started) * 1000)
                if elapsed > budget:
                    return (
                        f"it took {elapsed} ms on {file_name}, over the time budget of "
                        f"{budget} ms per rule"
                    )
    except RegoRuleError as error:
        return str(error)
    return None


_cache = threading.local()


def _compiled(name, modules):
    rules = getattr(_cache, "rules", None)
    if rules is None:
        rules = _cache.rules = {}
    key = (name, tuple(modules))
    if key not in rules:
        rules[key] = compile_rules(name, modules)
    return rules[key]


def policy_dir():
    return Path(getattr(settings, "REGISTRY_POLICY_DIR", settings.BASE_DIR / "policies"))


def policy_files(folder=None):
    """``[(path relative to the folder, source)]`` of every ``.rego`` file under it."""
    folder = Path(folder) if folder else policy_dir()
    if not folder.is_dir():
        return []
    return [
        (path.relative_to(folder).as_posix(), path.read_text(encoding="utf-8"))
        for path in sorted(folder.rglob("*.rego"))
        if path.is_file()
    ]


def file_rules(folder=None):
    """The rules of the policy folder: every file compiled together, one rule per package,
    named after its files (``file:regions.rego``; ``file:a.rego+b.rego`` for a package split
    over two files)."""
    modules = policy_files(folder)
    if not modules:
        return []
    return _compiled("file", modules)


@dataclass(frozen=True)
class FileRule:
    name: str
    package: str
    files: tuple
    problem: str = ""


def file_rule_summary(folder=None):
    """What the policy folder holds, for the policies page: one line per package (its rule
    name and files), or one line naming why the folder's modules cannot be used."""
    modules = policy_files(folder)
    if not modules:
        return []
    try:
        compiled = RegoModules(modules)
    except RegoRuleError as error:
        files = tuple(f for f, _ in modules)
        return [FileRule(_file_label(files), "", files, str(error))]
    return [
        FileRule(_file_label(files), package, tuple(files))
        for package, files in compiled.packages.items()
    ]


def record_rules():
    from .models import RegistryPolicy

    rules = []
    for record in RegistryPolicy.objects.active().filter(enabled=True):
        rules += _compiled(record.name, [(f"{record.name}.rego", record.rego)])
    return rules


class PolicySet:
    """The rules in force: built-ins, policy records and policy files, ready to evaluate."""

    def __init__(self, rego_rules):
        self.rules = list(BUILT_IN_RULES.items()) + list(rego_rules)

    @property
    def names(self):
        return [name for name, _ in self.rules]

    def evaluate(self, doc):
        return [Denial(name, message) for name, rule in self.rules for message in rule(doc)]


def policy_set(*, folder=None, with_records=True):
    rules = record_rules() if with_records else []
    return PolicySet(rules + file_rules(folder))


def portal_input(doc, facts):
    """A portal system's document as user policies see it: its keys, and ``portal``."""
    return {**yaml_io.without_empty(doc), "portal": facts}


def evaluate(doc, policies=None):
    """The denials of every rule in force for one system document."""
    return (policies or policy_set()).evaluate(doc)
