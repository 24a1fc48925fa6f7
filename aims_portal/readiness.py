"""Certification readiness: the twelve checks of DESIGN.md §4, computed from live data.

Apps register the checks they own (as with dashboard cards), so aims_portal never imports the
apps that build on it. A check returns the records that fail it; an empty list means it passes.
"""

from dataclasses import dataclass, field

_CHECKS = []


@dataclass(frozen=True)
class Failure:
    """One record that fails a check, with a link to it and what is missing."""

    label: str
    url: str = ""
    problem: str = ""


@dataclass(frozen=True)
class Result:
    key: str
    title: str
    explanation: str
    failures: list[Failure] = field(default_factory=list)
    # Shown when a check passes only vacuously or needs a human to look, e.g. "no systems yet".
    note: str = ""

    @property
    def passed(self):
        return not self.failures


def check(key, title, explanation, order=100):
    """Register ``func() -> list[Failure]`` as the readiness check ``key``."""

    def register(func):
        _CHECKS.append((order, key, title, explanation, func))
        _CHECKS.sort(key=lambda entry: entry[0])
        return func

    return register


def run_checks():
    results = []
    for _, key, title, explanation, func in _CHECKS:
        outcome = func()
        note = ""
        if isinstance(outcome, tuple):
            outcome, note = outcome
        results.append(Result(key, title, explanation, list(outcome), note))
    return results
