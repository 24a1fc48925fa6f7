"""Every list's first page (pages and API, default order and every offered sort) is read
through an index on PostgreSQL: no plan scans a whole table and sorts it for 25 or 50 rows.

Each record table gets about 2,000 rows (copies of the demo records with their sort columns
varied) and fresh statistics, then each list's query, as the page or the viewset builds it,
is EXPLAINed."""

import pytest
from django.core.management import call_command

from aims_portal.models import User
from aims_portal.record_registry import registered_types

from . import list_plans
from .conftest import require_service

pytestmark = [pytest.mark.services, pytest.mark.django_db]

ROWS = 2000

# Tables whose size the catalogue fixes (the Annex A controls, the clause requirements, one
# SoA entry per control, one scoring method) or the calendar does (one certification audit of
# each kind per three-year cycle, which a unique constraint holds): a few dozen rows, where
# reading the table and sorting it is the right plan.
BOUNDED = {"Control", "Requirement", "SoAEntry", "ScoringMethod", "CertificationAudit"}


def _growing_types():
    return [rt for rt in registered_types() if rt.model.__name__ not in BOUNDED]


@pytest.fixture
def postgres():
    url = require_service("DATABASE_URL", "PostgreSQL (plans are PostgreSQL's)")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.fail(f"DATABASE_URL is not PostgreSQL: {url.split('@')[-1]}")


@pytest.fixture
def seeded(postgres):
    call_command("seed_demo", verbosity=0)
    # In declaration order: the records others point at are multiplied first.
    models = list(dict.fromkeys(rt.model for rt in _growing_types()))
    for model in models:
        template = model._base_manager.order_by("pk").first()
        assert template is not None, f"the demo data has no {model.__name__}"
        list_plans.clone_rows(model, template, ROWS, vary=list_plans.sort_fields(model))
    return User.objects.filter(is_superuser=True).first()


def _check(queries):
    failures = []
    for label, queryset in queries:
        plan = list_plans.explain(queryset)
        if list_plans.full_sorts(plan, queryset.model._meta.db_table):
            failures.append(f"{label}\n{list_plans.plan_text(queryset)}")
    return failures


def test_list_pages_read_the_first_page_through_an_index(seeded):
    failures = []
    for rt in _growing_types():
        failures += _check(list_plans.page_queries(rt, seeded))
    assert not failures, f"{len(failures)} sorts of a whole table:\n\n" + "\n\n".join(failures)


def test_api_lists_read_the_first_page_through_an_index(seeded):
    # The lists of the multiplied tables; the others (tokens, SoA revisions) hold a few rows.
    models = {rt.model for rt in _growing_types()}
    failures, checked = [], 0
    for route, callback in list_plans.api_viewsets():
        if list_plans.api_queryset(callback, seeded, route).model not in models:
            continue
        checked += 1
        failures += _check(list_plans.api_queries(callback, seeded, route))
    assert checked >= 15, f"only {checked} API lists found"
    assert not failures, f"{len(failures)} sorts of a whole table:\n\n" + "\n\n".join(failures)
