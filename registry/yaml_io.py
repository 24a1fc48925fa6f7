"""Reading and writing the model-registry YAML (DESIGN.md §5): one system per file.

Reading is defensive: files over MAX_BYTES, YAML aliases (the "billion laughs" bomb),
duplicate keys, unknown keys and wrong types are refused with the file name and the key
path. Writing is canonical (fixed key order and style), so export → import → export gives
the same bytes. Writes to the database happen in registry.services.
"""

import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .documents import SOURCE_KEYS

MAX_BYTES = 1_000_000
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SLUG = re.compile(r"^[-a-z0-9_]+$")


class YAMLProblem(ValueError):
    """A file that cannot be used; the message names the file and where the problem is."""


# --- safe loading -------------------------------------------------------------------------


class StrictLoader(yaml.SafeLoader):
    """SafeLoader without aliases (a few bytes can expand to gigabytes) or duplicate keys."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.MarkedYAMLError(
                None, None, "aliases (*name) are not allowed", event.start_mark
            )
        return super().compose_node(parent, index)

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


def parse(text, name):
    """The document in ``text`` (from file ``name``), or YAMLProblem."""
    if len(text.encode("utf-8") if isinstance(text, str) else text) > MAX_BYTES:
        raise YAMLProblem(f"{name}: file is larger than {MAX_BYTES // 1_000_000} MB")
    try:
        doc = yaml.load(text, Loader=StrictLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise YAMLProblem(f"{name}: {where}{error.problem}") from None
    except yaml.YAMLError as error:
        raise YAMLProblem(f"{name}: not valid YAML ({error})") from None
    except UnicodeDecodeError:
        raise YAMLProblem(f"{name}: not UTF-8 text") from None
    if not isinstance(doc, dict):
        raise YAMLProblem(f"{name}: expected a mapping of keys (id, name, ...) at the top")
    return doc


# --- schema -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    kind: str  # str, text, email, slug, date, bool, int, list, choice, sources
    required: bool = False
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
            "version_pinned": Field("str", max_length=120),
            "weights_location": Field("str"),
        },
    ),
    "data": Field("map", children={key: Field("sources") for key in SOURCE_KEYS.values()}),
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
    return f"{path}: expected {expected}, got {type(value).__name__} {value!r}"[:300]


def _check_value(spec, value, path, problems):
    """The normalised value, appending problems for what does not fit ``spec``."""
    if value is None:
        if spec.required:
            problems.append(f"{path}: is required")
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
        if not isinstance(value, str):
            problems.append(_type_error(path, "text", value))
            return ""
        if kind != "text" and len(value) > spec.max_length:
            problems.append(f"{path}: longer than {spec.max_length} characters")
        if kind == "email" and not EMAIL.match(value):
            problems.append(f"{path}: not an e-mail address: {value!r}")
        if kind == "slug" and not SLUG.match(value):
            problems.append(f"{path}: use lower-case letters, digits and hyphens, got {value!r}")
        if kind == "choice" and value not in spec.choices:
            problems.append(f"{path}: must be one of {', '.join(spec.choices)}, got {value!r}")
        if spec.required and not value.strip():
            problems.append(f"{path}: is required")
        return value
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
                problems.append(f"{path}[{i}]: longer than {spec.max_length} characters")
        return [item for item in value if isinstance(item, str)]
    if kind == "sources":
        if not isinstance(value, list):
            problems.append(_type_error(path, "a list of sources", value))
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
            problems.append(f"{prefix}{key}: unknown key (expected one of: {known})")
    return {
        key: _check_value(spec, value.get(key), f"{prefix}{key}", problems)
        for key, spec in schema.items()
    }


def validate(doc, name):
    """``doc`` normalised to the full schema (every key present), or YAMLProblem."""
    problems = []
    clean = _check_map(SCHEMA, doc, "", problems)
    if problems:
        raise YAMLProblem("\n".join(f"{name}: {problem}" for problem in problems))
    return clean


def policy_input(clean):
    """A validated document as the policies see it (dates as ISO text, as exported)."""
    gov, life = dict(clean["governance"]), dict(clean["lifecycle"])
    for section, key in ((gov, "last_reviewed"), (gov, "next_review"), (life, "decommission_date")):
        section[key] = section[key].isoformat() if section[key] else None
    return {**clean, "governance": gov, "lifecycle": life}


@dataclass
class SystemFile:
    name: str
    doc: dict  # validated, normalised


def read_files(paths):
    """Parse and validate every file; all problems of all files, or the documents.

    Also refuses two files with the same ``id``.
    """
    files, problems, seen = [], [], {}
    for path in paths:
        path = Path(path)
        try:
            if path.stat().st_size > MAX_BYTES:
                raise YAMLProblem(f"{path.name}: file is larger than {MAX_BYTES // 1_000_000} MB")
            doc = validate(parse(path.read_bytes(), path.name), path.name)
        except YAMLProblem as problem:
            problems.extend(str(problem).splitlines())
            continue
        if doc["id"] in seen:
            problems.append(f"{path.name}: id: {doc['id']!r} is also used by {seen[doc['id']]}")
            continue
        seen[doc["id"]] = path.name
        files.append(SystemFile(path.name, doc))
    return files, problems


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


def dump(doc):
    """Canonical YAML text of a system document (documents.system_document)."""
    return yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, indent=2)


def file_name(doc):
    return f"{doc['id']}.yaml"
