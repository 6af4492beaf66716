"""Reading JSON request bodies safely and writing JSON answers."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from companion.errors import BadRequest, CompanionError, InvalidInput


def dumps(value: Any) -> str:
    """Serialise compactly; datetimes and other objects become strings."""
    return json.dumps(value, separators=(",", ":"), default=str, ensure_ascii=False)


def json_response(value: Any, status: int = 200, **kwargs: Any) -> web.Response:
    """Return a JSON response."""
    return web.json_response(value, status=status, dumps=dumps, **kwargs)


async def read_json(request: web.Request) -> dict[str, Any]:
    """Return the body as a JSON object; 400 for malformed JSON or a non-object, 413 if huge."""
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise CompanionError(code="body_too_large", status=413) from None
    if not raw.strip():
        raise BadRequest("The request body is empty; send a JSON object.", code="invalid_json")
    try:
        value = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise BadRequest(
            f"The request body is not valid JSON: {err}.", code="invalid_json"
        ) from None
    if not isinstance(value, dict):
        raise BadRequest("The request body must be a JSON object.", code="invalid_json")
    return value


def get_str(
    body: dict[str, Any], key: str, *, required: bool = True, max_len: int = 1000
) -> str | None:
    """Read a string field, with a clear 400 when it is missing or of the wrong type."""
    value = body.get(key)
    if value is None:
        if required:
            raise InvalidInput(f"'{key}' is required.", details={"field": key})
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"'{key}' must be a string.", details={"field": key})
    if len(value) > max_len:
        raise InvalidInput(
            f"'{key}' is too long (at most {max_len} characters).", details={"field": key}
        )
    return value


def get_dict(body: dict[str, Any], key: str, *, required: bool = True) -> dict[str, Any]:
    """Read an object field."""
    value = body.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise InvalidInput(f"'{key}' must be an object.", details={"field": key})
    return value
