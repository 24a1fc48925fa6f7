"""What the API accepts before any serializer sees it: JSON bodies, search terms, paging and
body sizes. Every API view gets these through REST_FRAMEWORK settings (the parser, the search
filter and the pagination) and APIBodyLimitMiddleware, so no endpoint can forget them.

Rules enforced here:
- a JSON body nested deeper than MAX_JSON_DEPTH is refused with 400, however deep it is;
- no string in a JSON body (keys included) may hold a NUL character or a lone surrogate
  (``"\\ud800"``): no database column can store them, so they are refused with 400;
- a search term with a NUL character is refused with 400;
- ``page`` must be a whole number from 1 to the last page (400 otherwise); ``page_size``
  is clamped to MAX_PAGE_SIZE, on page-numbered and cursor-paginated lists alike;
- a request body larger than the endpoint's limit is refused with 413 naming the limit:
  Django's DATA_UPLOAD_MAX_MEMORY_SIZE by default, ``max_body_bytes`` for an endpoint
  that declares more (the attestation batch).
"""

import codecs
import re
from http import HTTPStatus

from django.conf import settings
from django.core.paginator import InvalidPage
from rest_framework import filters, pagination
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.settings import api_settings
from rest_framework.utils import json

MAX_JSON_DEPTH = 32
MAX_PAGE_SIZE = 500
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable_text(value) -> str | None:
    """Why ``value`` cannot be stored (a NUL or a lone surrogate), or None."""
    found = _UNSTORABLE.search(value)
    if found is None:
        return None
    if found.group() == "\x00":
        return "contains a NUL character (\\u0000)"
    return f"contains a lone surrogate (\\u{ord(found.group()):04x}), which is not valid Unicode"


def check_json_value(data, max_depth: int = MAX_JSON_DEPTH) -> None:
    """Raise ParseError if ``data`` (parsed JSON) is nested too deep or holds unstorable text.

    Walks the value with an explicit stack, so the check itself never recurses: first
    without keeping track of where it is (a batch of 1,000 attestations is walked in a few
    milliseconds), then, only when something is wrong, again to say where.
    """
    if _acceptable(data, max_depth):
        return
    _explain(data, max_depth)


def _acceptable(data, max_depth: int) -> bool:
    search = _UNSTORABLE.search
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if type(value) is dict:
            items = value.items()
        elif type(value) is list:
            items = enumerate(value)
        elif isinstance(value, dict | list):
            return False  # a subclass: left to the careful walk
        else:
            if isinstance(value, str) and search(value):
                return False
            continue
        if depth > max_depth:
            return False
        for key, item in items:
            if isinstance(key, str) and search(key):
                return False
            if isinstance(item, str):
                if search(item):
                    return False
            elif isinstance(item, dict | list):
                stack.append((item, depth + 1))
    return True


def _explain(data, max_depth: int) -> None:
    stack = [(data, 1, "")]
    while stack:
        value, depth, where = stack.pop()
        if isinstance(value, dict | list):
            if depth > max_depth:
                raise ParseError(too_deep_message(max_depth))
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                place = f"{where}/{key}"
                if isinstance(key, str) and (problem := unstorable_text(key)):
                    raise ParseError(f"A key at {where or '/'} {problem}.")
                stack.append((item, depth + 1, place))
        elif isinstance(value, str) and (problem := unstorable_text(value)):
            raise ParseError(f"The text at {where or '/'} {problem}.")


def too_deep_message(max_depth: int) -> str:
    return f"The JSON body is nested more than {max_depth} levels deep."


class PortalJSONParser(JSONParser):
    """DRF's JSON parser with a nesting limit and a check for text no column can store."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.getreader(encoding)(stream).read()
            parse_constant = json.strict_constant if api_settings.STRICT_JSON else None
            data = json.loads(text, parse_constant=parse_constant)
        except RecursionError:
            # The parser gave up before our limit could be checked: it is deeper still.
            raise ParseError(too_deep_message(MAX_JSON_DEPTH)) from None
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        check_json_value(data)
        return data


class PortalSearchFilter(filters.SearchFilter):
    def get_search_terms(self, request):
        value = request.query_params.get(self.search_param, "")
        if "\x00" in value:
            raise ValidationError({self.search_param: "The search contains a NUL character."})
        return super().get_search_terms(request)


class PortalPagination(pagination.PageNumberPagination):
    """Pages of PAGE_SIZE records; ``page_size`` up to MAX_PAGE_SIZE; a bad ``page`` is a 400
    that says which pages exist."""

    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    page_size_query_description = (
        f"Records per page: {api_settings.PAGE_SIZE} unless given, at most {MAX_PAGE_SIZE} "
        "(a larger number gives that many)."
    )

    def paginate_queryset(self, queryset, request, view=None):
        page_size = self.get_page_size(request)
        if not page_size:
            return None
        paginator = self.django_paginator_class(queryset, page_size)
        number = request.query_params.get(self.page_query_param) or 1
        if number in self.last_page_strings:
            number = paginator.num_pages
        try:
            self.page = paginator.page(number)
        except (InvalidPage, OverflowError, ValueError):
            raise ValidationError(
                {
                    self.page_query_param: (
                        f"Choose a page from 1 to {paginator.num_pages} (a whole number)."
                    )
                }
            ) from None
        self.request = request
        return list(self.page)


class PortalCursorPagination(pagination.CursorPagination):
    """Keyset pages for lists a client walks to the end (attestations, history): each page
    is one index range scan after the previous page's last row, as fast on the last page as
    on the first, and stable while rows are added. Follow ``next`` until it is null."""

    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    page_size_query_description = PortalPagination.page_size_query_description
    cursor_query_description = (
        "Where the page starts: leave it out for the first page, then use the cursor carried "
        "by the ``next`` or ``previous`` link."
    )


class AttestationPagination(PortalCursorPagination):
    """Attestations, newest first (the id grows with every registration)."""

    ordering = "-id"


class HistoryPagination(PortalCursorPagination):
    """Versions of one record, newest first (history_id grows with every save)."""

    ordering = "-history_id"


def problem(status_code: int, detail, code: str = "") -> dict:
    """The JSON body of an API error that is not about particular fields: ``detail`` says
    what went wrong, ``status`` and ``title`` repeat the HTTP status (as RFC 9457 has them)."""
    body = {"type": "about:blank", "title": HTTPStatus(status_code).phrase}
    body.update(status=status_code, detail=detail)
    if code:
        body["code"] = code
    return body


def body_too_big_message(limit: int) -> str:
    return f"The request body is larger than this endpoint accepts ({limit:,} bytes at most)."


def view_body_limit(view_func) -> int | None:
    """The ``max_body_bytes`` an API view (or one of its actions) declares, if any."""
    initkwargs = getattr(view_func, "initkwargs", None) or {}
    limit = initkwargs.get("max_body_bytes")
    if limit is None:
        limit = getattr(getattr(view_func, "cls", None), "max_body_bytes", None)
    return limit
