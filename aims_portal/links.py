"""Links to records, built without running Django's ``reverse`` for each one.

A list page links every row to its record, and ``reverse`` costs tens of microseconds a
call (it matches the name against the URL patterns each time). A record's address is its
route with the record's id in one place, so the route is reversed once per URL
configuration and script prefix, with a stand-in id, and each link is that text with the
id put in.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

from django.urls import get_script_prefix, get_urlconf, reverse

# Two ids no table reaches: a route is cut around the first only if the second lands in
# the same place (a converter that rewrites ids would not pass).
STAND_IN = 987_654_321_987_654_321
CHECK = 123_456_789_123_456_789


@lru_cache(maxsize=1024)
def _around_id(viewname: str, urlconf: str | None, prefix: str) -> tuple[str, str] | None:
    url = reverse(viewname, args=[STAND_IN], urlconf=urlconf)
    marker = str(STAND_IN)
    if url.count(marker) != 1:
        return None
    head, tail = url.split(marker)
    if reverse(viewname, args=[CHECK], urlconf=urlconf) != f"{head}{CHECK}{tail}":
        return None
    return head, tail


# The URL configuration and script prefix, read once for a run of many links (see
# ``one_address_base``); None outside such a run.
_fixed: ContextVar[tuple[str | None, str] | None] = ContextVar("fixed_address_base", default=None)


@contextmanager
def one_address_base():
    """Within this block, links read the URL configuration and script prefix once, not once
    each: both are request-local values, read through a lock that costs more than the rest
    of building a link. Neither changes while one page is written."""
    token = _fixed.set((get_urlconf(), get_script_prefix()))
    try:
        yield
    finally:
        _fixed.reset(token)


def record_url(viewname: str, pk: int) -> str:
    """``reverse(viewname, args=[pk])`` for a route that takes one record id."""
    if type(pk) is not int or pk < 0:
        return reverse(viewname, args=[pk])
    base = _fixed.get()
    urlconf, prefix = base if base is not None else (get_urlconf(), get_script_prefix())
    around = _around_id(viewname, urlconf, prefix)
    if around is None:
        return reverse(viewname, args=[pk])
    return f"{around[0]}{pk}{around[1]}"
