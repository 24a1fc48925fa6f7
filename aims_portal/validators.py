"""Checks on stored values that Django's own validators let through."""

import re

# Characters RFC 3986 never allows in a URI, whitespace and control characters included,
# and anything outside ASCII (an IRI, which the API's ``uri`` format does not cover).
_NOT_IN_URI = re.compile(r'[^\x21-\x7e]|["<>\\^`{|}]')


def uri_problem(value: str) -> str | None:
    """Why ``value`` is not a URI as the API schema promises (``format: uri``), or None.

    Django's URLValidator accepts a quote or a brace in the path; RFC 3986 does not, so
    such a link would make every answer that shows it break the schema.
    """
    found = _NOT_IN_URI.search(value or "")
    if found is None:
        return None
    char = found.group()
    shown = repr(char) if not char.isprintable() or char.isspace() else f"“{char}”"
    return (
        f"A link may not contain {shown}: percent-encode it (for example %22 for a quote, "
        f"%20 for a space) or remove it."
    )
