"""Reading and writing the model-registry YAML (layout in documents.py): one system per file.

Reading accepts what teams write (``version_pinned`` as true/false or a version,
``training_sources`` as a word such as ``none-fine-tuning`` or a list, ``owner`` as a team or a
user) and is defensive: files over MAX_BYTES, YAML aliases (the "billion laughs" bomb), nesting
deeper than MAX_DEPTH, duplicate keys, unknown keys and wrong types are refused. Every problem
of a file is reported in one pass, each with the file name, the line and the key path.
Writing is canonical (fixed key order and style, keys without a value left out), so export →
import → export gives the same bytes. Writes to the database happen in registry.services.
"""

import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .documents import SOURCE_KEYS

MAX_BYTES = 1_000_000
# The schema is four levels deep; anything far deeper is not a registry file, and PyYAML's
# composer would recurse until Python gives up.
MAX_DEPTH = 32
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SLUG = re.compile(r"^[-a-z0-9_]+$")


class YAMLProblem(ValueError):
    """A file that cannot be used; the message names the file and where the problem is."""


# --- safe loading -------------------------------------------------------------------------


class StrictLoader(yaml.SafeLoader):
    """SafeLoader without aliases (a few bytes can expand to gigabytes) or duplicate keys."""

    depth = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.MarkedYAMLError(
                None, None, "aliases (*name) are not allowed", event.start_mark
            )
        if self.depth >= MAX_DEPTH:
            raise yaml.MarkedYAMLError(
                None, None, f"nested deeper than {MAX_DEPTH} levels", self.peek_event().start_mark
            )
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.MarkedYAMLError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _lines(node, path, out):
    """Record the line (1-based) of every key path under ``node`` in ``out``."""
    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = f"{path}.{key_node.value}" if path else str(key_node.value)
            out[key] = key_node.start_mark.line + 1
            _lines(value_node, key, out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _lines(item, f"{path}[{i}]", out)


def parse_located(text, name):
    """``(document, {key path: line})`` of ``text`` (from file ``name``), or YAMLProblem."""
    if len(text.encode("utf-8") if isinstance(text, str) else text) > MAX_BYTES:
        raise YAMLProblem(f"{name}: file is larger than {MAX_BYTES // 1_000_000} MB")
    try:
        loader = StrictLoader(text)
        try:
            node = loader.get_single_node()
            doc = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise YAMLProblem(f"{name}: {where}{error.problem}") from None
    except yaml.YAMLError as error:
        raise YAMLProblem(f"{name}: not valid YAML ({error})") from None
    except UnicodeDecodeError:
        raise YAMLProblem(f"{name}: not UTF-8 text") from None
    except RecursionError:
        raise YAMLProblem(f"{name}: nested too deeply") from None
    if not isinstance(doc, dict):
        raise YAMLProblem(f"{name}: expected a mapping of keys (id, name, ...) at the top")
    lines = {}
    _lines(node, "", lines)
    return doc, lines


def parse(text, name):
    """The document in ``text`` (from file ``name``), or YAMLProblem."""
    return parse_located(text, name)[0]


# --- schema -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    kind: str  # str, text, email, slug, date, bool, int, list, choice, sources
    required: bool = False
    # Other shapes users write for the same key: "bool" (true/false for a version),
    # "number" (a version written as 4.6), "word" (a single word instead of a list).
    also: tuple = ()
    choices: tuple = ()
    max_length: int = 300
    children: dict = field(default_factory=dict)


SOURCE = {
    "name": Field("str", required=True, max_length=200),
    "location": Field("str"),
    "pii": Field("bool"),
    "retention_days": Field("int"),
    "provenance": Field("str"),
    "licence": Field("str", max_length=120),
}
STAGES = ("proposed", "development", "validation", "production", "retired")
SCHEMA = {
    "id": Field("slug", required=True, max_length=80),
    "name": Field("str", required=True, max_length=200),
    "description": Field("text"),
    "owner": Field("str", required=True, max_length=150),
    "contact": Field("email", required=True),
    "deployment": Field(
        "map",
        children={
            "environment": Field("choice", choices=("development", "staging", "production")),
            "regions": Field("list", max_length=60),
            "endpoint": Field("str"),
        },
    ),
    "classification": Field(
        "map",
        required=True,
        children={
            "purpose": Field("text", required=True),
            "data_sensitivity": Field(
                "choice",
                required=True,
                choices=("public", "internal", "confidential", "pii", "special-category"),
            ),
            "risk_tier": Field(
                "choice", required=True, choices=("low", "medium", "high", "critical")
            ),
            "eu_ai_act_tier": Field(
                "choice", required=True, choices=("prohibited", "high", "limited", "minimal")
            ),
            "affected_parties": Field("list", max_length=120),
        },
    ),
    "model": Field(
        "map",
        children={
            "type": Field("str", max_length=60),
            "base_model": Field("str", max_length=120),
            "provider": Field("str", max_length=120),
            "supplier": Field("str", max_length=200),
            "version_pinned": Field("str", max_length=120, also=("bool", "number")),
            "weights_location": Field("str"),
        },
    ),
    "data": Field(
        "map",
        children={
            key: Field("sources", also=("word",) if key == "training_sources" else ())
            for key in SOURCE_KEYS.values()
        },
    ),
    "governance": Field(
        "map",
        children={
            "impact_assessment_id": Field("str", max_length=40),
            "last_reviewed": Field("date"),
            "next_review": Field("date"),
            "approved_by": Field("list", max_length=120),
        },
    ),
    "lifecycle": Field(
        "map",
        children={
            "stage": Field("choice", choices=STAGES),
            "decommission_date": Field("date"),
        },
    ),
}
EMPTY = {"str": "", "text": "", "list": [], "sources": [], "bool": False}


def _type_error(path, expected, value):
    return (path, f"expected {expected}, got {type(value).__name__} {value!r}"[:300])


def _check_text(spec, value, path, problems):
    if spec.kind != "text" and len(value) > spec.max_length:
        problems.append((path, f"longer than {spec.max_length} characters"))
    if spec.kind == "email" and not EMAIL.match(value):
        problems.append((path, f"not an e-mail address: {value!r}"))
    if spec.kind == "slug" and not SLUG.match(value):
        problems.append((path, f"use lower-case letters, digits and hyphens, got {value!r}"))
    if spec.kind == "choice" and value not in spec.choices:
        problems.append((path, f"must be one of {', '.join(spec.choices)}, got {value!r}"))
    if spec.required and not value.strip():
        problems.append((path, "is required"))
    return value


def _check_value(spec, value, path, problems):
    """The normalised value, appending (path, problem) for what does not fit ``spec``."""
    if value is None:
        if spec.required:
            problems.append((path, "is required"))
        if spec.kind == "map":
            return _check_map(spec.children, {}, path, problems)
        return EMPTY.get(spec.kind)
    kind = spec.kind
    if kind == "map":
        if not isinstance(value, dict):
            problems.append(_type_error(path, "a mapping", value))
            return _check_map(spec.children, {}, path, [])
        return _check_map(spec.children, value, path, problems)
    if kind in ("str", "text", "email", "slug", "choice"):
        if isinstance(value, bool) and "bool" in spec.also:
            return "true" if value else "false"
        if isinstance(value, int | float) and not isinstance(value, bool) and "number" in spec.also:
            value = str(value)
        if not isinstance(value, str):
            expected = "text or true/false" if "bool" in spec.also else "text"
            problems.append(_type_error(path, expected, value))
            return ""
        return _check_text(spec, value, path, problems)
    if kind == "bool":
        if not isinstance(value, bool):
            problems.append(_type_error(path, "true or false", value))
        return bool(value) if isinstance(value, bool) else False
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            problems.append(_type_error(path, "a whole number of days (0 or more)", value))
            return None
        return value
    if kind == "date":
        if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
            return value
        if isinstance(value, str):
            try:
                return datetime.date.fromisoformat(value)
            except ValueError:
                pass
        problems.append(_type_error(path, "a date (YYYY-MM-DD)", value))
        return None
    if kind == "list":
        if not isinstance(value, list):
            problems.append(_type_error(path, "a list of text", value))
            return []
        for i, item in enumerate(value):
            if not isinstance(item, str):
                problems.append(_type_error(f"{path}[{i}]", "text", item))
            elif len(item) > spec.max_length:
                problems.append((f"{path}[{i}]", f"longer than {spec.max_length} characters"))
        return [item for item in value if isinstance(item, str)]
    if kind == "sources":
        if isinstance(value, str) and "word" in spec.also:
            # e.g. "none-fine-tuning": a statement instead of a list of sources.
            if len(value) > 120 or not value.strip():
                problems.append((path, "a statement of at most 120 characters, or a list"))
            return value
        if not isinstance(value, list):
            expected = "a list of sources or a word" if spec.also else "a list of sources"
            problems.append(_type_error(path, expected, value))
            return []
        out = []
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                problems.append(
                    _type_error(f"{path}[{i}]", "a mapping (name, location, ...)", item)
                )
                continue
            out.append(_check_map(SOURCE, item, f"{path}[{i}]", problems))
        return out
    raise AssertionError(kind)


def _check_map(schema, value, path, problems):
    prefix = f"{path}." if path else ""
    for key in value:
        if key not in schema:
            known = ", ".join(schema)
            problems.append((f"{prefix}{key}", f"unknown key (expected one of: {known})"))
    return {
        key: _check_value(spec, value.get(key), f"{prefix}{key}", problems)
        for key, spec in schema.items()
    }


def _line(lines, path):
    while path:
        if path in lines:
            return lines[path]
        path = path.rsplit("[", 1)[0] if path.endswith("]") else path.rpartition(".")[0]
    return lines.get("")


def located(name, lines, path, message):
    """One problem as reported: file, line (when known), key path, message."""
    line = _line(lines or {}, path)
    where = f"line {line}: " if line else ""
    return f"{name}: {where}{path}: {message}" if path else f"{name}: {where}{message}"


def check(doc, name, lines=None):
    """``(normalised document, problems)``: every key present; every problem, located."""
    problems = []
    clean = _check_map(SCHEMA, doc, "", problems)
    return clean, [located(name, lines, path, message) for path, message in problems]


def validate(doc, name, lines=None):
    """``doc`` normalised to the full schema (every key present), or YAMLProblem."""
    clean, problems = check(doc, name, lines)
    if problems:
        raise YAMLProblem("\n".join(problems))
    return clean


def as_written(value):
    """A parsed document as JSON data, as ``yq -o=json`` would give it to OPA: dates as
    ISO text, nothing added, nothing left out."""
    if isinstance(value, dict):
        return {str(k): as_written(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_written(v) for v in value]
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    return value


@dataclass
class SystemFile:
    name: str
    doc: dict  # validated, normalised (every key present)
    raw: dict = field(default_factory=dict)  # as written
    lines: dict = field(default_factory=dict)  # key path -> line
    problems: list = field(default_factory=list)

    @property
    def policy_input(self):
        """What policies read: the document exactly as written."""
        return as_written(self.raw)


def read_all(paths):
    """Every file parsed and checked: a SystemFile each (with its own problems, all of them
    in one pass), or a problem line for a file that cannot be parsed at all. Two files with
    the same ``id`` are a problem of the second."""
    files, unreadable, seen = [], [], {}
    for path in paths:
        path = Path(path)
        try:
            if path.stat().st_size > MAX_BYTES:
                raise YAMLProblem(f"{path.name}: file is larger than {MAX_BYTES // 1_000_000} MB")
            raw, lines = parse_located(path.read_bytes(), path.name)
        except YAMLProblem as problem:
            unreadable.extend(str(problem).splitlines())
            continue
        doc, problems = check(raw, path.name, lines)
        f = SystemFile(path.name, doc, raw, lines, problems)
        if doc["id"] and doc["id"] in seen:
            f.problems.append(
                located(path.name, lines, "id", f"{doc['id']!r} is also used by {seen[doc['id']]}")
            )
        elif doc["id"]:
            seen[doc["id"]] = path.name
        files.append(f)
    return files, unreadable


def read_files(paths):
    """Parse and validate every file: the valid documents, and every problem of every file."""
    files, problems = read_all(paths)
    for f in files:
        problems.extend(f.problems)
    return [f for f in files if not f.problems], problems


def yaml_files(folder_or_file):
    path = Path(folder_or_file)
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    return [path]


# --- writing ------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper, value):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def without_empty(value):
    """``value`` without the keys that hold nothing (None or ""), as a file that leaves them
    out reads: ``not input.governance.last_reviewed`` then holds, as OPA users expect.
    Empty lists stay: ``count(input.data.evaluation_sources) == 0`` must still hold."""
    if isinstance(value, dict):
        return {k: without_empty(v) for k, v in value.items() if v is not None and v != ""}
    if isinstance(value, list):
        return [without_empty(v) for v in value]
    return value


def dump(doc):
    """Canonical YAML text of a system document (documents.system_document)."""
    return yaml.dump(
        without_empty(doc),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        indent=2,
    )


def file_name(doc):
    return f"{doc['id']}.yaml"
