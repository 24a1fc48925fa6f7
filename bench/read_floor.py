"""Every read against its floor: each record list page and API list next to a bare DRF list
of the same rows, and the history page and history API of records with 100 and 1,000
versions, at two sizes.

    DATABASE_URL=postgres://…/scratch .venv/bin/python bench/read_floor.py \
        [--systems 1000 10000] [--risks 5000 50000] [--others 2000] [--repeat 7] \
        [--history-only]

Uses a throw-away test database (made from DATABASE_URL; meant for PostgreSQL). Loads the
demo data, then multiplies its records in SQL (tests/list_plans.py ``clone_rows``): AI
systems and risks to each size, every other growing record type to ``--others`` rows. The
floor is a DRF ListAPIView over the same model and default order, with a plain
``ModelSerializer`` of every field, session authentication and page-number pagination: what
any DRF list of those rows costs. Prints the median time of ``--repeat`` requests (after one
warm-up) and the SQL query count, per list and size, and the ratio to the floor. A list and
its floor are requested in turn, so a change in the machine's load between the two does not
move the ratio.
"""

import argparse
import os
import statistics
import sys
import time
import types
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aims_portal.settings")
os.environ.setdefault("DJANGO_ENV", "test")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.template import Template  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    _TestState,
    override_settings,
    setup_test_environment,
)
from django.urls import path, reverse  # noqa: E402
from rest_framework import generics, pagination, permissions, serializers  # noqa: E402
from rest_framework.authentication import SessionAuthentication  # noqa: E402

from aims_portal.models import User  # noqa: E402
from aims_portal.record_registry import registered_types  # noqa: E402
from assessments.models import Risk  # noqa: E402
from registry.models import AISystem  # noqa: E402
from tests import list_plans  # noqa: E402

REPEAT = 7
# Record types the catalogue bounds to a few dozen rows: left at their demo size.
BOUNDED = {"Control", "Requirement", "SoAEntry", "ScoringMethod"}
# Measured at their demo size: a constraint bounds them by other records (one certification
# audit per cycle and kind), so copies of one row cannot be added.
DEMO_SIZED = {"CertificationAudit"}


class FloorPagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"


def floor_view(model):
    """A bare DRF list of ``model``: every field, default order, no filters or matrix."""
    meta = type("Meta", (), {"model": model, "fields": "__all__"})
    serializer = type(f"Floor{model.__name__}", (serializers.ModelSerializer,), {"Meta": meta})
    return generics.ListAPIView.as_view(
        queryset=model._default_manager.all(),
        serializer_class=serializer,
        pagination_class=FloorPagination,
        authentication_classes=[SessionAuthentication],
        permission_classes=[permissions.IsAuthenticated],
        filter_backends=[],
    )


def floor_urls(models):
    import aims_portal.urls

    module = types.ModuleType("bench_floor_urls")
    module.urlpatterns = [
        path(f"bench-floor/{m._meta.label_lower}/", floor_view(m), name=f"floor-{m._meta.label}")
        for m in models
    ] + list(aims_portal.urls.urlpatterns)
    sys.modules[module.__name__] = module
    return module.__name__


def timed(client, url):
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - started
    assert response.status_code == 200, (url, response.status_code)
    return elapsed, len(queries)


def measure(client, url, floor=None):
    """Median time (ms) and query count of ``url``, and of ``floor`` when given. The two are
    requested in turn, so that a change in the machine's load weighs on both alike."""
    urls = [url] if floor is None else [url, floor]
    for each in urls:
        client.get(each)
    times = {each: [] for each in urls}
    counts = {}
    for _ in range(REPEAT):
        for each in urls:
            elapsed, counts[each] = timed(client, each)
            times[each].append(elapsed)
    figures = [(statistics.median(times[each]) * 1000, counts[each]) for each in urls]
    return figures if floor is not None else figures[0]


def top_up(model, target):
    have = model._base_manager.count()
    if have < target:
        template = model._base_manager.order_by("pk").first()
        vary = list_plans.sort_fields(model)
        list_plans.clone_rows(model, template, target - have, vary, start=have)


def with_versions(system, count):
    """Give ``system`` ``count`` versions in all, each renaming it."""
    history = AISystem.history.model
    template = history.objects.filter(id=system.pk).order_by("-history_id").first()
    list_plans.clone_rows(history, template, count - 1, vary={"name", "description"})
    return system


def api_lists(user):
    for route, callback in list_plans.api_viewsets():
        url = route.replace("^", "").replace("$", "")
        model = list_plans.api_queryset(callback, user, url).model
        if model.__name__ not in BOUNDED:
            yield url, model


def main():
    global REPEAT
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--systems", nargs="+", type=int, default=[1000, 10_000])
    parser.add_argument("--risks", nargs="+", type=int, default=[5000, 50_000])
    parser.add_argument("--others", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=REPEAT)
    parser.add_argument(
        "--keepdb",
        action="store_true",
        help="keep the test database for the next run (and reuse one a run kept)",
    )
    parser.add_argument(
        "--only", nargs="+", default=(), help="measure only the lists whose URL holds one of these"
    )
    parser.add_argument(
        "--history-only",
        action="store_true",
        help="measure only the history page and history API, on the demo data (no lists, "
        "no copies of systems and risks)",
    )
    args = parser.parse_args()
    REPEAT = args.repeat
    setup_test_environment()
    # The test environment wraps every template render to report it to the test client
    # (a signal and a copy of the context each time): a cost only tests pay, and one that
    # grows with the number of templates a page renders. Pages are timed as served.
    Template._render = _TestState.saved_data.template_render
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=args.keepdb)
    try:
        if not User.objects.filter(is_superuser=True).exists():
            call_command("seed_demo", verbosity=0)
        admin = User.objects.filter(is_superuser=True).first()
        types_ = [rt for rt in registered_types() if rt.model.__name__ not in BOUNDED]
        if args.only:
            types_ = [rt for rt in types_ if any(o in rt.list_url for o in args.only)]
        if args.history_only:
            types_ = []
        models = list(dict.fromkeys(rt.model for rt in types_))
        for model in models:
            if model not in (AISystem, Risk) and model.__name__ not in DEMO_SIZED:
                top_up(model, args.others)
        # The API's other lists (attestations, tokens, SoA revisions…) keep the demo's rows.
        apis = [] if args.history_only else list(api_lists(admin))
        if args.only:
            apis = [(url, m) for url, m in apis if any(o in url for o in args.only)]
        if args.history_only:
            # One pass: the record count does not enter a history read.
            args.systems, args.risks = [AISystem.objects.count()], [Risk.objects.count()]
        models += [m for _, m in apis if m not in models]
        client = Client()
        client.force_login(admin)
        figures = {}
        with override_settings(ROOT_URLCONF=floor_urls(models)):
            for systems, risks in zip(args.systems, args.risks, strict=True):
                top_up(AISystem, systems)
                top_up(Risk, risks)
                for table in ("registry_aisystem", "assessments_risk"):
                    with connection.cursor() as cursor:
                        cursor.execute(f"ANALYZE {table}")
                size = f"{systems}/{risks}"
                for rt in types_:
                    floor = reverse(f"floor-{rt.model._meta.label}") + "?page_size=25"
                    figures[(f"page {rt.list_url}", size)] = measure(client, rt.list_url, floor)
                for url, model in apis:
                    floor = reverse(f"floor-{model._meta.label}")
                    figures[(f"api {url}", size)] = measure(client, url, floor)
                for versions in (100, 1000):
                    system = AISystem.objects.order_by("pk")[versions // 1000]  # demo systems
                    if AISystem.history.filter(id=system.pk).count() < versions:
                        with_versions(system, versions)
                    meta = AISystem._meta
                    page = reverse(
                        "record-history", args=[meta.app_label, meta.model_name, system.pk]
                    )
                    api = f"/api/v1/registry/systems/{system.pk}/history/"
                    figures[(f"history page, {versions} versions", size)] = (
                        measure(client, page),
                        None,
                    )
                    figures[(f"history API, {versions} versions", size)] = (
                        measure(client, api),
                        None,
                    )
        report(figures, [f"{s}/{r}" for s, r in zip(args.systems, args.risks, strict=True)])
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=args.keepdb)


def report(figures, sizes):
    print(f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}")
    print(f"sizes: AI systems/risks {', '.join(sizes)}; other lists at their --others size")
    head = f"{'list':<50}"
    for size in sizes:
        head += f"{size + ' ms':>16}{'q':>4}{'floor':>7}{'x':>6}"
    print(head)
    for name in dict.fromkeys(n for n, _ in figures):
        line = f"{name:<50}"
        for size in sizes:
            (ms, queries), floor = figures[(name, size)]
            ratio = f"{ms / floor[0]:.2f}" if floor else "-"
            floor_ms = f"{floor[0]:.1f}" if floor else "-"
            line += f"{ms:>16.1f}{queries:>4}{floor_ms:>7}{ratio:>6}"
        print(line)


if __name__ == "__main__":
    main()
