"""Strict reading of numbers from query strings and forms.

``str.isdigit`` accepts "²" and ``int`` accepts "١٢" or 30-digit numbers that no database
column holds: every page that turns a parameter into a number reads it here instead.
"""

import re

# Ids and sizes are at most what a 32-bit signed integer column holds on every database.
MAX_ID = 2**31 - 1

_ASCII_INT = re.compile(r"[0-9]{1,10}")


def int_param(value, *, low: int = 1, high: int = MAX_ID) -> int | None:
    """``value`` as an int when it is plain ASCII digits within [low, high], else None."""
    if not isinstance(value, str) or not _ASCII_INT.fullmatch(value.strip()):
        return None
    number = int(value)
    return number if low <= number <= high else None
