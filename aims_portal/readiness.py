"""Certification readiness: the checks an ISO/IEC 42001 certification auditor would make,
computed from live data.

Apps register the checks they own (as with dashboard cards), so aims_portal never imports the
apps that build on it. A check returns the records that fail it; an empty list means it passes.
"""

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache as cache_function

from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from . import charts
from .dashboard import Card, Row, card

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


@cache_function
def detail_url(route_name):
    """``pk -> URL`` of a record's page, reversing the route once: checks may name
    thousands of records, and reversing each costs more than the check itself."""
    marker = 2_147_483_647
    template = reverse(route_name, args=[marker])
    head, _, tail = template.partition(str(marker))
    return lambda pk: f"{head}{pk}{tail}"


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


# --- milestones: groups of checks that must all pass, e.g. "ready for stage 1" -------------

_MILESTONES = []


@dataclass(frozen=True)
class Milestone:
    key: str
    title: str
    explanation: str
    # The keys of the checks it needs; None: every registered check.
    checks: tuple[str, ...] | None = None


@dataclass(frozen=True)
class MilestoneResult:
    milestone: Milestone
    missing: list[Result]  # the failing checks it needs
    needed: int

    @property
    def ready(self):
        return not self.missing


def milestone(key, title, explanation, checks=None, order=100):
    """Register a milestone reached when every check of ``checks`` (all when None) passes."""
    _MILESTONES.append((order, Milestone(key, title, explanation, checks)))
    _MILESTONES.sort(key=lambda entry: entry[0])


def milestones(results):
    """Each registered milestone against ``results`` (of run_checks)."""
    outcome = []
    for _, stone in _MILESTONES:
        wanted = [r for r in results if stone.checks is None or r.key in stone.checks]
        outcome.append(MilestoneResult(stone, [r for r in wanted if not r.passed], len(wanted)))
    return outcome


# --- the score, for the dashboard ---------------------------------------------------------

SUMMARY_CACHE_KEY = "aims:readiness:summary"
# The dashboard shows the score computed at most this long ago; the readiness page always
# computes afresh (and refreshes the dashboard's copy).
SUMMARY_MAX_AGE = 300


@dataclass(frozen=True)
class Summary:
    passed: int
    total: int
    failing: list  # (key, title, number of records failing) of each failing check
    computed_at: datetime


def report():
    """Every check run now; the score is kept for the dashboard."""
    results = run_checks()
    cache.set(SUMMARY_CACHE_KEY, _summarise(results), SUMMARY_MAX_AGE)
    return results


def summary():
    """The score as computed within the last SUMMARY_MAX_AGE seconds, or now."""
    cached = cache.get(SUMMARY_CACHE_KEY)
    if cached is None:
        report()
        cached = cache.get(SUMMARY_CACHE_KEY)
    return cached


def forget():
    """Drop the kept score, e.g. in tests that change data between two readings."""
    cache.delete(SUMMARY_CACHE_KEY)


def _summarise(results):
    return Summary(
        passed=sum(1 for r in results if r.passed),
        total=len(results),
        failing=[(r.key, r.title, len(r.failures)) for r in results if not r.passed],
        computed_at=timezone.now(),
    )


@card("dashboard", order=12)
def readiness_card(user):
    s = summary()
    url = reverse("readiness")
    return Card(
        "Certification readiness",
        [Row(title, failures, f"{url}#{key}", "danger") for key, title, failures in s.failing],
        url=url,
        headline=f"{s.passed} / {s.total} checks pass",
        headline_url=url,
        chart=charts.score_blocks(
            s.passed, s.total, title="Certification readiness score", key="chart-readiness", size=17
        ),
        show_rows=bool(s.failing),
        note=f"Each failing check shows how many records fail it. Computed "
        f"{timezone.localtime(s.computed_at):%d %b %Y %H:%M}; the readiness page always shows "
        "the live result.",
    )
