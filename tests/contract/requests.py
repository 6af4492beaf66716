"""Check a request log (the fake's) against a version's spec: routes, query names, body fields."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .spec import load

# The token may travel as ?ApiKey= (and, before 12.0, ?api_key=): the CustomAuthentication
# scheme reads it, so no operation lists it as a parameter.
AUTH_PARAMS = frozenset({"apikey", "api_key"})


@dataclass(frozen=True, order=True)
class Mismatch:
    """One thing a client sent that the version's spec does not have."""

    method: str
    template: str
    where: str  # "route", "query" or "body"
    name: str

    def __str__(self) -> str:
        return f"{self.method} {self.template} {self.where} {self.name}"


def request_mismatches(version: str, log: list[dict[str, Any]]) -> set[Mismatch]:
    """Every route, query parameter and top-level body field the spec lacks (names ignore case)."""
    spec = load(version)
    out: set[Mismatch] = set()
    for entry in log:
        if entry["path"] == "/socket":
            continue  # the websocket accepts an upgrade on any path, outside the REST spec
        op = spec.operation(entry["method"], entry["path"])
        if op is None:
            out.add(Mismatch(entry["method"], entry["path"], "route", ""))
            continue
        known = spec.query_params(op)
        for name in entry.get("params") or entry["query"]:
            if name.lower() not in known | AUTH_PARAMS:
                out.add(Mismatch(op.method, op.template, "query", name))
        body = entry.get("body")
        if isinstance(body, dict):
            fields = spec.body_fields(op)
            for name in body:
                if fields is None or name.lower() not in fields:
                    out.add(Mismatch(op.method, op.template, "body", name))
    return out
