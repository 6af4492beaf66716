"""The `subsonic-response` envelope in JSON (f=json) or XML (the default), and error replies."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import quoteattr

from aiohttp import web

PROTOCOL_VERSION = "1.16.1"
XMLNS = "http://subsonic.org/restapi"

# Error codes of the Subsonic API, with Navidrome's default messages.
ERR_GENERIC = 0
ERR_MISSING = 10
ERR_CLIENT_OLD = 20
ERR_AUTH = 40
ERR_NOT_AUTHORIZED = 50
ERR_NOT_FOUND = 70
MESSAGES = {
    ERR_GENERIC: "A generic error",
    ERR_MISSING: "Required parameter is missing",
    ERR_AUTH: "Wrong username or password",
    ERR_NOT_AUTHORIZED: "User is not authorized for the given operation",
    ERR_NOT_FOUND: "The requested data was not found",
}


class SubsonicError(Exception):
    """An error the API reports in the envelope (HTTP 200, status failed)."""

    def __init__(self, code: int, message: str | None = None) -> None:
        super().__init__(message or MESSAGES.get(code, MESSAGES[ERR_GENERIC]))
        self.code = code
        self.message = message or MESSAGES.get(code, MESSAGES[ERR_GENERIC])


def missing(param: str) -> SubsonicError:
    """Navidrome's message for a required parameter that is absent or empty."""
    return SubsonicError(ERR_MISSING, f"missing parameter: '{param}'")


def ts(when: datetime | None) -> str | None:
    """A Go time.Time as JSON writes it (RFC 3339, UTC, fractional seconds when present)."""
    if when is None:
        return None
    text = when.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return text


def envelope(server_version: str, status: str = "ok", **payload: Any) -> dict[str, Any]:
    """The response object before encoding."""
    return {
        "status": status,
        "version": PROTOCOL_VERSION,
        "type": "navidrome",
        "serverVersion": server_version,
        "openSubsonic": True,
        **payload,
    }


def _xml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _xml_element(name: str, value: Any) -> str:
    if isinstance(value, list):
        return "".join(_xml_element(name, v) for v in value)
    if not isinstance(value, dict):
        return f"<{name}>{_xml_text(value)}</{name}>"
    attrs = "".join(
        f" {k}={quoteattr(_xml_value(v))}"
        for k, v in value.items()
        if v is not None and not isinstance(v, dict | list)
    )
    children = "".join(_xml_element(k, v) for k, v in value.items() if isinstance(v, dict | list))
    return f"<{name}{attrs}>{children}</{name}>" if children else f"<{name}{attrs}/>"


def _xml_text(v: Any) -> str:
    return _xml_value(v).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_xml(body: dict[str, Any]) -> str:
    """Encode the envelope as Navidrome's XML: scalars are attributes, objects are elements."""
    inner = _xml_element("subsonic-response", body)
    return inner.replace("<subsonic-response", f'<subsonic-response xmlns="{XMLNS}"', 1)


def reply(request: web.Request, body: dict[str, Any], status: int = 200) -> web.Response:
    """Encode as the request's `f` asks: json, or XML for anything else."""
    params = request.get("params") or request.query
    if params.get("f") == "json":
        return web.Response(
            status=status,
            text=json.dumps({"subsonic-response": body}, separators=(",", ":")),
            content_type="application/json",
        )
    return web.Response(status=status, text=to_xml(body), content_type="application/xml")


def error_reply(request: web.Request, server_version: str, err: SubsonicError) -> web.Response:
    """A failed envelope; the HTTP status stays 200 as in Navidrome."""
    body = envelope(server_version, "failed", error={"code": err.code, "message": err.message})
    return reply(request, body)
