"""Search at 100,000 records: the time of the search query and of the search page.

    DATABASE_URL=postgres://…/scratch .venv/bin/python bench/search.py [--records 100000]
        [--repeat 7]

Uses a throw-away test database (made from DATABASE_URL; meant for PostgreSQL, where the
search is full-text with ranking behind a GIN index). Fills the search index with
``--records`` entries in SQL (titles and texts drawn from a vocabulary, spread over the
matrix areas, so that a word matches from a few to many thousands of entries), then prints,
per query, the matches, the median time of ``search.search`` (evaluated) and of a GET of
/search/ as a system owner (whose areas exclude administration), over ``--repeat`` runs
after a warm-up.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aims_portal.settings")
os.environ.setdefault("DJANGO_ENV", "test")

import django

django.setup()

from django.contrib.auth.models import Group  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from aims_portal import roles, search  # noqa: E402
from aims_portal.models import SearchEntry, User  # noqa: E402
from assessments.models import Risk  # noqa: E402

WORDS = [
    "model",
    "prompt",
    "injection",
    "retrieval",
    "privacy",
    "fairness",
    "drift",
    "vendor",
    "contract",
    "audit",
    "evaluation",
    "bias",
    "incident",
    "latency",
    "embedding",
    "dataset",
    "consent",
    "retention",
    "oversight",
    "hallucination",
    "toxicity",
    "robustness",
    "transparency",
    "supplier",
    "licence",
    "encryption",
    "monitoring",
    "rollback",
    "approval",
    "classifier",
    "chatbot",
]
QUERIES = ("injection", "privacy drift", '"prompt injection"', "hallucination -chatbot", "zebra")


def fill(n):
    content_type = ContentType.objects.get_for_model(Risk)
    areas = [a for a in roles.matrix().areas]
    words = "ARRAY[" + ",".join(f"'{w}'" for w in WORDS) + "]"
    area_array = "ARRAY[" + ",".join(f"'{a}'" for a in areas) + "]"
    table = SearchEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (content_type_id, object_id, area, title, body, url, updated_at)
            SELECT %s, i, ({area_array})[1 + i %% {len(areas)}],
                   'RISK-' || i || ' ' || w[1 + i %% {len(WORDS)}] || ' '
                       || w[1 + (i / 7) %% {len(WORDS)}],
                   w[1 + (i / 3) %% {len(WORDS)}] || ' ' || w[1 + (i / 11) %% {len(WORDS)}]
                       || ' ' || w[1 + (i / 13) %% {len(WORDS)}] || ' record number ' || i,
                   '/assessments/risks/' || i || '/', now()
            FROM generate_series(1, %s) AS i, (SELECT {words} AS w) AS v
            """,
            [content_type.pk, n],
        )
        if connection.vendor == "postgresql":
            SearchEntry.objects.update(vector=search._vector())
            cursor.execute(f"ANALYZE {table}")


def timed(fn, repeat):
    fn()
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - start) * 1000)
    return statistics.median(runs)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        owner = User.objects.create_user("bench-owner", password="x" * 16)
        owner.groups.add(Group.objects.get_or_create(name=roles.SYSTEM_OWNER)[0])
        started = time.perf_counter()
        fill(args.records)
        print(
            f"{connection.vendor}: {SearchEntry.objects.count():,} entries indexed in "
            f"{time.perf_counter() - started:.1f} s"
        )
        client = Client()
        client.force_login(owner)
        print(f"{'query':<26} {'matches':>8} {'search ms':>10} {'page ms':>8}")
        for query in QUERIES:
            results = list(search.search(owner, query))
            query_ms = timed(lambda q=query: list(search.search(owner, q)), args.repeat)
            page_ms = timed(lambda q=query: client.get("/search/", {"q": q}), args.repeat)
            print(f"{query:<26} {len(results):>8} {query_ms:>10.1f} {page_ms:>8.1f}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
