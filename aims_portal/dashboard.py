"""Dashboard cards. Apps register the figures they own; the portal only lays them out, so
aims_portal never imports the apps that build on it."""

from dataclasses import dataclass, field

from . import roles

_CARDS = []


@dataclass(frozen=True)
class Row:
    label: str
    count: int
    url: str = ""
    tone: str = "secondary"


@dataclass(frozen=True)
class Card:
    title: str
    rows: list[Row] = field(default_factory=list)
    total_label: str = ""
    url: str = ""
    note: str = ""

    @property
    def total(self):
        return sum(row.count for row in self.rows)

    @property
    def max_count(self):
        return max([row.count for row in self.rows] or [0])


def card(area, order=100):
    """Register ``func(user) -> Card`` as a dashboard card shown to users who may view area."""

    def register(func):
        _CARDS.append((order, area, func))
        _CARDS.sort(key=lambda entry: entry[0])
        return func

    return register


def cards_for(user):
    return [func(user) for _, area, func in _CARDS if roles.can(user, "view", area)]
