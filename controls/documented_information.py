"""The documented-information list of a certification: each item, where in the portal it
lives, and the gaps, computed live.

Items are data (controls/data/documented_information.yaml). Apps say which of their records
provide an item by registering a provider in their AppConfig.ready, so this module never
imports the apps built on controls:

    @documented_information.provider("internal-audit-results")
    def completed_audits() -> list[Source]: ...

An approved controlled document marked with an item's key provides it as well, so an
organisation that keeps, say, its competence records outside the portal can still point at
the approved document that holds them.
"""

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from .models import ControlledDocument

DATA_FILE = Path(__file__).with_name("data") / "documented_information.yaml"
_PROVIDERS: dict[str, list] = {}


@dataclass(frozen=True)
class Item:
    key: str
    clause: str
    stage: int
    title: str
    description: str


@dataclass(frozen=True)
class Source:
    """A portal record or page that provides an item."""

    label: str
    url: str = ""


@dataclass(frozen=True)
class Entry:
    item: Item
    sources: list[Source] = field(default_factory=list)
    # What is missing when no source provides the item (or what the sources lack).
    gap: str = ""

    @property
    def provided(self):
        return bool(self.sources)


@cache
def items() -> tuple[Item, ...]:
    data = yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))
    return tuple(Item(**row) for row in data["items"])


def item_choices():
    return [(item.key, f"{item.clause} {item.title}") for item in items()]


def item_keys():
    return {item.key for item in items()}


def provider(key, *, first=False):
    """Register ``func() -> list[Source] | tuple[list[Source], gap]`` for item ``key``.

    ``first``: the record is the item's proper home (the approved scope statement rather
    than the SoA's scope text), so its sources are listed, and its gap shown, before those
    of providers registered without it.
    """
    if key not in item_keys():
        raise ValueError(f"No documented-information item {key!r}.")

    def register(func):
        funcs = _PROVIDERS.setdefault(key, [])
        if first:
            funcs.insert(0, func)
        else:
            funcs.append(func)
        return func

    return register


def _approved_documents():
    by_key = {}
    approved = ControlledDocument.objects.filter(status=ControlledDocument.Status.APPROVED).exclude(
        information=""
    )
    for document in approved.only("pk", "ref", "title", "doc_version", "information"):
        by_key.setdefault(document.information, []).append(
            Source(
                f"{document.ref} {document.title} (v{document.doc_version})",
                document.get_absolute_url(),
            )
        )
    return by_key


def entries() -> list[Entry]:
    """Every item with what provides it now; one query per provider, whatever the rows."""
    documents = _approved_documents()
    result = []
    for item in items():
        sources, gaps = [], []
        for func in _PROVIDERS.get(item.key, ()):
            found = func()
            if isinstance(found, tuple):
                found, gap = found
                if gap:
                    gaps.append(gap)
            sources.extend(found)
        # A document a provider already names (the AI policy) is not listed twice.
        named = {source.url for source in sources}
        sources.extend(s for s in documents.get(item.key, ()) if s.url not in named)
        gap = ""
        if not sources:
            gap = gaps[0] if gaps else "Nothing in the portal provides this yet."
        result.append(Entry(item, sources, gap))
    return result


STAGES = (
    (1, "Read at the stage 1 review: the design of the AIMS"),
    (2, "Sampled at stage 2 and after: records that show the AIMS running"),
)


def by_stage() -> dict:
    """The entries grouped by audit stage, with how many are provided: what the page and
    its PDF print."""
    found = entries()
    return {
        "stages": [
            (stage, title, [e for e in found if e.item.stage == stage]) for stage, title in STAGES
        ],
        "provided": sum(1 for e in found if e.provided),
        "total": len(found),
    }
