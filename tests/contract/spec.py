"""Jellyfin's OpenAPI specs, read from the shared reference folder: find operations, validate.

The specs are never copied into the project: they are read from ../shared/reference/openapi
(relative to the repository) at test time.
"""

from __future__ import annotations

import gzip
import json
import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import ValidationError
from openapi_schema_validator import OAS30Validator

REPO = Path(__file__).resolve().parents[2]
RELATIVE = Path("..") / "shared" / "reference" / "openapi"


def _find_specs() -> Path:
    """../shared/reference/openapi beside the repository (JELLYFIN_OPENAPI_DIR overrides).

    A git worktree nested deeper (e.g. /work/wt/NAME) finds the folder further up.
    """
    override = os.environ.get("JELLYFIN_OPENAPI_DIR")
    if override:
        return Path(override)
    for parent in REPO.parents:
        candidate = parent / "shared" / "reference" / "openapi"
        if candidate.is_dir():
            return candidate
    return REPO / RELATIVE


SPECS = _find_specs()
_PARAM = re.compile(r"\{[^}]+\}")


# Routes obsolete since 10.9 still work but are hidden from the spec ("kept for backwards
# compatibility"); they take the same parameters and answer the same body as their successors.
LEGACY = [
    (re.compile(r"^/Users/[^/]+/Items$", re.I), "/Items"),
    (re.compile(r"^/Users/[^/]+/Items/Latest$", re.I), "/Items/Latest"),
    (re.compile(r"^/Users/[^/]+/Items/([^/]+)$", re.I), r"/Items/\1"),
    (re.compile(r"^/Users/[^/]+/Items/([^/]+)/UserData$", re.I), r"/UserItems/\1/UserData"),
    (re.compile(r"^/Users/[^/]+/Items/([^/]+)/Rating$", re.I), r"/UserItems/\1/Rating"),
    (re.compile(r"^/Users/[^/]+/FavoriteItems/([^/]+)$", re.I), r"/UserFavoriteItems/\1"),
    (re.compile(r"^/Users/[^/]+/PlayedItems/([^/]+)$", re.I), r"/UserPlayedItems/\1"),
    (re.compile(r"^/Users/[^/]+/Views$", re.I), "/UserViews"),
    (re.compile(r"^/Users/[^/]+/Images/[^/]+(/[^/]+)?$", re.I), "/UserImage"),
]


def spec_file(version: str) -> Path:
    """Where the spec of one Jellyfin version lives."""
    return SPECS / f"jellyfin-{version}.json.gz"


@dataclass(frozen=True)
class Operation:
    """One spec operation: its path template, method and definition."""

    template: str
    method: str
    body: dict[str, Any]


class Spec:
    """One Jellyfin version's OpenAPI document."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self._templates: list[tuple[re.Pattern[str], str]] = []
        for template in doc["paths"]:
            pattern = "".join(
                "[^/]+" if part.startswith("{") else re.escape(part)
                for part in re.split(r"(\{[^}]+\})", template)
            )
            self._templates.append((re.compile(pattern, re.IGNORECASE), template))
        # Literal-richest first, as ASP.NET routing prefers (/Items/Latest over /Items/{id}).
        self._templates.sort(key=lambda pt: -len(_PARAM.sub("", pt[1])))

    def operation(self, method: str, path: str) -> Operation | None:
        """The operation a request reaches, matching paths ignoring case (legacy routes too)."""
        found = self._lookup(method, path)
        if found is None:
            for legacy, successor in LEGACY:
                if legacy.match(path):
                    return self._lookup(method, legacy.sub(successor, path))
        return found

    def _lookup(self, method: str, path: str) -> Operation | None:
        for pattern, template in self._templates:
            if pattern.fullmatch(path):
                op = self.doc["paths"][template].get(method.lower())
                if op is not None:
                    return Operation(template, method.upper(), op)
        return None

    def query_params(self, op: Operation) -> set[str]:
        """The operation's query parameter names, lowercased (binding ignores case)."""
        return {p["name"].lower() for p in op.body.get("parameters", []) if p.get("in") == "query"}

    def body_fields(self, op: Operation) -> set[str] | None:
        """The JSON request body's property names, lowercased; None when it has no schema."""
        content = op.body.get("requestBody", {}).get("content", {})
        media = content.get("application/json")
        if media is None:
            return None
        props = self._properties(media["schema"])
        return {k.lower() for k in props} if props is not None else None

    def _properties(self, schema: dict[str, Any]) -> dict[str, Any] | None:
        if "$ref" in schema:
            return self._properties(self.resolve(schema["$ref"]))
        if "allOf" in schema:
            merged: dict[str, Any] = {}
            for part in schema["allOf"]:
                merged.update(self._properties(part) or {})
            return merged
        return schema.get("properties")

    def resolve(self, ref: str) -> dict[str, Any]:
        """Follow a local `#/components/...` reference."""
        node: Any = self.doc
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
        result: dict[str, Any] = node
        return result

    def response_schema(self, op: Operation, status: int) -> dict[str, Any] | None:
        """The JSON schema of one response status, or None if the spec gives none."""
        resp = op.body.get("responses", {}).get(str(status))
        if resp is None:
            return None
        media = resp.get("content", {}).get("application/json")
        return None if media is None else media.get("schema")

    def errors(self, schema: dict[str, Any], instance: Any) -> list[str]:
        """Validation errors of an instance against a schema (with $refs into this spec)."""
        root = {"components": self.doc["components"], **schema}
        validator = OAS30Validator(root)
        return [_describe(e) for e in validator.iter_errors(instance)]


def _describe(err: ValidationError) -> str:
    where = "/".join(str(p) for p in err.absolute_path) or "(root)"
    return f"{where}: {err.message[:300]}"


@cache
def load(version: str) -> Spec:
    """The parsed spec of a version (cached)."""
    with gzip.open(spec_file(version), "rt", encoding="utf-8") as f:
        return Spec(json.load(f))


def response_problems(version: str, responses: list[dict[str, Any]]) -> list[str]:
    """Every recorded 2xx JSON answer that the version's spec does not accept."""
    spec = load(version)
    problems: list[str] = []
    seen: set[tuple[str, str, str]] = set()
    for r in responses:
        if not 200 <= r["status"] < 300 or r["body"] is None or "json" not in r["content_type"]:
            continue
        op = spec.operation(r["method"], r["path"])
        if op is None:
            problems.append(f"{r['method']} {r['path']}: no such operation in {version}")
            continue
        schema = spec.response_schema(op, r["status"])
        if schema is None:
            problems.append(f"{op.method} {op.template}: no JSON {r['status']} in {version}")
            continue
        for err in spec.errors(schema, json.loads(r["body"])):
            key = (op.method, op.template, re.sub(r"/\d+", "/*", err.split(":")[0]))
            if key not in seen:  # one line per field, not per item of a page
                seen.add(key)
                problems.append(f"{op.method} {op.template} -> {err}")
    return problems


_OUTBOUND = {"KeepAlive": "OutboundKeepAliveMessage"}


def message_problems(version: str, messages: list[dict[str, Any]]) -> list[str]:
    """Every websocket message that the version's `<Type>Message` schema does not accept."""
    spec = load(version)
    problems: list[str] = []
    for msg in messages:
        kind = str(msg.get("MessageType"))
        name = _OUTBOUND.get(kind, f"{kind}Message")
        if name not in spec.doc["components"]["schemas"]:
            problems.append(f"{kind}: no {name} schema in {version}")
            continue
        for err in spec.errors({"$ref": f"#/components/schemas/{name}"}, msg):
            problems.append(f"{kind} -> {err}")
    return problems
