"""Markup drawn once and kept: a bounded store of drawings by key, for the parts of a page
that are a function of a few values (the shell's header for one person, a filter menu for
one choice) and would otherwise be drawn again on every request.

A key holds each value with its type (``frozen``), so a safe string and a plain one with the
same text do not meet. Every store is emptied when a setting changes (tests change the URL
configuration or static files), as Django's own caches of settings are.
"""

from weakref import WeakSet

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf
from django.utils.translation import get_language

_STORES = WeakSet()


class Kept:
    """At most ``limit`` drawings by key; past that the store starts again empty (the
    drawings a site keeps are few: the limit only guards against unbounded keys)."""

    def __init__(self, limit: int):
        self.limit = limit
        self._drawings = {}
        _STORES.add(self)

    def __len__(self):
        return len(self._drawings)

    def get(self, key, draw):
        """The drawing kept under ``key``, drawn by ``draw()`` the first time; with no key
        (None), drawn every time."""
        if key is None:
            return draw()
        drawing = self._drawings.get(key)
        if drawing is None:
            drawing = draw()
            if len(self._drawings) >= self.limit:
                self._drawings.clear()
            self._drawings[key] = drawing
        return drawing

    def clear(self):
        self._drawings.clear()


def frozen(value):
    """``value`` as a key: containers become tuples in their order, each other value is
    kept with its type. Raises TypeError for a value that cannot be hashed."""
    if isinstance(value, dict):
        return (dict, tuple((key, frozen(item)) for key, item in value.items()))
    if isinstance(value, list | tuple):
        return (type(value), tuple(frozen(item) for item in value))
    hash(value)
    return (type(value), value)


def setting_of_the_request():
    """What a drawing may depend on beyond its own values, for every key: the URL
    configuration and script prefix (its links) and the active language (its words)."""
    return (get_urlconf(), get_script_prefix(), get_language())


def frozen_or_none(value):
    """``frozen(value)``, or None (no key: draw every time) when it cannot be hashed."""
    try:
        return frozen(value)
    except TypeError:
        return None


@receiver(setting_changed)
def _forget_drawings(**kwargs):
    for store in list(_STORES):
        store.clear()
