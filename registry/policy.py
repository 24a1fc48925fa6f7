"""Registry policies: machine-checkable rules on an AI system document.

Three built-in rules (DESIGN.md §3) plus user rules written in Rego, evaluated in-process
with ``regopy``. User rules come from two places: RegistryPolicy records, and ``.rego`` files
in the folder named by the ``REGISTRY_POLICY_DIR`` setting (default ``<BASE_DIR>/policies``).
A Rego rule sees the system document (registry YAML layout, see documents.py) as ``input``
and lists its objections in a ``deny`` set of strings in its own package. A rule that cannot
be compiled or evaluated denies (fails closed): a broken policy never lets a system through.

The UI, the API, change requests and ``manage.py registry validate`` all call ``evaluate``.
"""

import json
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from regopy import Interpreter

from .documents import PERSONAL_DATA

PACKAGE_LINE = re.compile(r"^\s*package\s+([A-Za-z_][\w.]*)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Denial:
    rule: str
    message: str

    def as_dict(self):
        return {"rule": self.rule, "message": self.message}


# --- built-in rules -----------------------------------------------------------------------


def _in_production(doc):
    return (doc.get("lifecycle") or {}).get("stage") == "production"


def _handles_personal_data(doc):
    if (doc.get("classification") or {}).get("data_sensitivity") in PERSONAL_DATA:
        return True
    return any(
        source.get("pii") for sources in (doc.get("data") or {}).values() for source in sources
    )


def production_pii_needs_impact_assessment(doc):
    governance = doc.get("governance") or {}
    if (
        _in_production(doc)
        and _handles_personal_data(doc)
        and not governance.get("impact_assessment_id")
    ):
        return ["handles personal data in production without an impact assessment"]
    return []


def high_risk_production_needs_dpo(doc):
    tier = (doc.get("classification") or {}).get("risk_tier")
    approvals = (doc.get("governance") or {}).get("approved_by") or []
    dpo = any(str(a).split(":", 1)[0].strip().lower() == "dpo" for a in approvals)
    if _in_production(doc) and tier in ("high", "critical") and not dpo:
        return [f"{tier} risk in production without a DPO sign-off (approved_by: dpo:<name>)"]
    return []


def production_needs_review_date(doc):
    if _in_production(doc) and not (doc.get("governance") or {}).get("last_reviewed"):
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


class RegoRule:
    """One Rego module, compiled once and queried for each document."""

    def __init__(self, name, source):
        self.name = name
        match = PACKAGE_LINE.search(source)
        if not match:
            raise RegoRuleError("the module needs a `package` line")
        self.query = f"data.{match.group(1)}.deny"
        self.interpreter = Interpreter()
        try:
            self.interpreter.add_module(f"{name}.rego", source)
            self.interpreter.set_input_term("{}")
            self._run()
        except RegoRuleError:
            raise
        except Exception as error:  # regopy raises its own error types on bad modules
            raise RegoRuleError(_first_line(error)) from None

    def _run(self):
        output = str(self.interpreter.query(self.query))
        try:
            expressions = json.loads(output).get("expressions") or [[]]
        except ValueError:
            if output.strip() == "undefined":
                return []
            raise RegoRuleError(_first_line(output)) from None
        result = expressions[0]
        if not isinstance(result, list):
            raise RegoRuleError("`deny` must be a set of messages")
        return [str(item) for item in result]

    def __call__(self, doc):
        self.interpreter.set_input_term(json.dumps(doc, default=str))
        return self._run()


def _first_line(error):
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else error.__class__.__name__


def check_rego(name, source):
    """Problems compiling a Rego module, as a message; None if it compiles and runs."""
    try:
        RegoRule(name, source)
    except RegoRuleError as error:
        return str(error)
    return None


_cache = threading.local()


def _compiled(name, source):
    rules = getattr(_cache, "rules", None)
    if rules is None:
        rules = _cache.rules = {}
    key = (name, source)
    if key not in rules:
        try:
            rules[key] = RegoRule(name, source)
        except RegoRuleError as error:
            message = f"policy could not be evaluated: {error}"
            rules[key] = lambda doc, message=message: [message]
    return rules[key]


def policy_dir():
    return Path(getattr(settings, "REGISTRY_POLICY_DIR", settings.BASE_DIR / "policies"))


def file_rules(folder=None):
    folder = Path(folder) if folder else policy_dir()
    if not folder.is_dir():
        return []
    return [
        (f"file:{path.name}", path.read_text(encoding="utf-8"))
        for path in sorted(folder.glob("*.rego"))
    ]


def record_rules():
    from .models import RegistryPolicy

    return [
        (policy.name, policy.rego)
        for policy in RegistryPolicy.objects.filter(enabled=True, retired_at__isnull=True)
    ]


class PolicySet:
    """The rules in force: built-ins, policy records and policy files, ready to evaluate."""

    def __init__(self, rego_sources):
        self.rules = list(BUILT_IN_RULES.items())
        self.rules += [(name, _compiled(name, source)) for name, source in rego_sources]

    @property
    def names(self):
        return [name for name, _ in self.rules]

    def evaluate(self, doc):
        return [Denial(name, message) for name, rule in self.rules for message in rule(doc)]


def policy_set(*, folder=None, with_records=True):
    sources = record_rules() if with_records else []
    return PolicySet(sources + file_rules(folder))


def written(value):
    """``value`` without the keys that hold nothing (None or ""), as a file that leaves them
    out would read: ``not input.governance.last_reviewed`` then holds as OPA users expect."""
    if isinstance(value, dict):
        return {k: written(v) for k, v in value.items() if v is not None and v != ""}
    if isinstance(value, list):
        return [written(v) for v in value]
    return value


def portal_input(doc, facts):
    """A portal system's document as user policies see it: its keys, and ``portal``."""
    return {**written(doc), "portal": facts}


def evaluate(doc, policies=None):
    """The denials of every rule in force for one system document."""
    return (policies or policy_set()).evaluate(doc)
