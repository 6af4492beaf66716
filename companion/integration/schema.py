"""Validation of config flow input against an integration's schema."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from companion.errors import InvalidInput
from companion.integration.types import Field


def normalize_url(value: str) -> str:
    """Trim a base URL: keep scheme, host, port and base path; drop a trailing slash."""
    value = value.strip()
    if "://" not in value:
        value = "http://" + value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("expected an http:// or https:// URL")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def _coerce(field: Field, value: Any) -> Any:
    if field.type in ("string", "password", "select"):
        if not isinstance(value, str):
            raise ValueError("expected text")
        value = value.strip()
        if field.type == "select" and field.options and value not in field.options:
            raise ValueError(f"expected one of {', '.join(field.options)}")
        return value
    if field.type == "url":
        if not isinstance(value, str):
            raise ValueError("expected a URL")
        return normalize_url(value)
    if field.type == "integer":
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValueError("expected a whole number")
        try:
            number = int(value)
        except ValueError:
            raise ValueError("expected a whole number") from None
        if field.minimum is not None and number < field.minimum:
            raise ValueError(f"expected at least {field.minimum}")
        if field.maximum is not None and number > field.maximum:
            raise ValueError(f"expected at most {field.maximum}")
        return number
    if field.type == "boolean":
        if not isinstance(value, bool):
            raise ValueError("expected true or false")
        return value
    raise ValueError(f"unsupported field type {field.type}")


def validate(
    schema: Iterable[Field], data: Mapping[str, Any], *, present: Iterable[str] = ()
) -> dict[str, Any]:
    """Coerce data to the schema; names in `present` (from the environment) count as given."""
    fields = [f for f in schema if not f.hidden]
    known = {f.name for f in fields}
    unknown = sorted(set(data) - known)
    if unknown:
        raise InvalidInput(f"Unknown field: {unknown[0]}.", details={"field": unknown[0]})
    supplied = set(present)
    out: dict[str, Any] = {}
    for field in fields:
        raw = data.get(field.name)
        if raw is None or raw == "":
            if field.default is not None:
                out[field.name] = field.default
            elif field.required and field.name not in supplied:
                raise InvalidInput(f"{field.label} is required.", details={"field": field.name})
            continue
        try:
            out[field.name] = _coerce(field, raw)
        except ValueError as err:
            raise InvalidInput(f"{field.label}: {err}.", details={"field": field.name}) from None
    return out
