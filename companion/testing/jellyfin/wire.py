"""Jellyfin wire-format helpers: ids, dates, ticks, query parsing and error responses."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

TICKS_PER_SECOND = 10_000_000
_HEX32 = re.compile(r"^[0-9a-f]{32}$")


def new_id() -> str:
    """Return a fresh random 32-hex lowercase id."""
    return uuid.uuid4().hex


def md5_id(*parts: str) -> str:
    """Return a deterministic 32-hex id derived from the given parts."""
    return hashlib.md5("\x1f".join(parts).encode(), usedforsecurity=False).hexdigest()


def mbid(*parts: str) -> str:
    """Return a deterministic hyphenated MusicBrainz-style UUID."""
    return str(uuid.UUID(md5_id("mbid", *parts)))


def norm_id(value: str | None) -> str | None:
    """Normalise an id accepted with or without hyphens; None when it is not a GUID."""
    if not value:
        return None
    v = value.strip().replace("-", "").lower()
    # Braced GUIDs ("{...}") are accepted by .NET's Guid parser too.
    v = v.strip("{}")
    return v if _HEX32.match(v) else None


def now_utc() -> datetime:
    """Return the current UTC time (aware)."""
    return datetime.now(UTC)


def fmt_date(dt: datetime | None) -> str | None:
    """Format a datetime the way Jellyfin does: 7 fractional digits and a Z suffix."""
    if dt is None:
        return None
    dt = dt.astimezone(UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond:06d}0Z"


def fmt_local(dt: datetime) -> str:
    """Format a datetime in server local time with a +hh:mm offset (webhook Timestamp)."""
    loc = dt.astimezone()
    off = loc.strftime("%z")
    off = off[:3] + ":" + off[3:] if off else "+00:00"
    return loc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{loc.microsecond:06d}0" + off


def parse_date(value: str | None) -> datetime | None:
    """Parse an ISO date as sent by clients (7-digit fractions and Z tolerated)."""
    if not value:
        return None
    # 3.11 fromisoformat accepts Z and 7 fractional digits; "+" may arrive as a space.
    v = value.strip().replace(" ", "+")
    try:
        dt = datetime.fromisoformat(v)
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def hms(ticks: int | None) -> str:
    """Format ticks as hh:mm:ss (webhook RunTime/PlaybackPosition)."""
    secs = (ticks or 0) // TICKS_PER_SECOND
    return f"{secs // 3600:02d}:{secs % 3600 // 60:02d}:{secs % 60:02d}"


def dumps(obj: Any) -> str:
    """Serialise compactly, keeping non-ASCII characters as .NET's relaxed encoder does."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def json_response(obj: Any, status: int = 200) -> web.Response:
    """Return a compact JSON response like Jellyfin's."""
    return web.Response(
        text=dumps(obj), status=status, content_type="application/json", charset="utf-8"
    )


def no_content() -> web.Response:
    """Return an empty 204."""
    return web.Response(status=204)


def error_text(status: int) -> web.HTTPException:
    """Build the ExceptionMiddleware response: text/plain "Error processing request."."""
    exc = web.HTTPException(text="Error processing request.", content_type="text/plain")
    exc.set_status(status)
    return exc


def problem(status: int) -> web.HTTPException:
    """Build the application/problem+json body ASP.NET emits for bare NotFound()/BadRequest()."""
    titles = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found"}
    sections = {400: "15.5.1", 401: "15.5.2", 403: "15.5.4", 404: "15.5.5"}
    body = {
        "type": f"https://tools.ietf.org/html/rfc9110#section-{sections.get(status, '15.6.1')}",
        "title": titles.get(status, "Error"),
        "status": status,
        "traceId": f"00-{new_id()}-{new_id()[:16]}-00",
    }
    exc = web.HTTPException(text=dumps(body), content_type="application/problem+json")
    exc.set_status(status)
    return exc


def bare(status: int) -> web.HTTPException:
    """Build an empty-bodied error (auth challenge 401, forbid 403)."""
    exc = web.HTTPException()
    exc.set_status(status)
    return exc


class Query:
    """Case-insensitive view of a request's query string with Jellyfin's list rules."""

    def __init__(self, request: web.Request) -> None:
        self._data: dict[str, list[str]] = {}
        for k, v in request.query.items():
            self._data.setdefault(k.lower(), []).append(v)

    def has(self, name: str) -> bool:
        """Return whether the parameter was given at all."""
        return name.lower() in self._data

    def get(self, name: str) -> str | None:
        """Return the first value of a parameter (None when absent)."""
        vals = self._data.get(name.lower())
        return vals[0] if vals else None

    def raw_list(self, name: str, sep: str = ",") -> list[str]:
        """Return a list parameter given comma-separated and/or repeated; blanks dropped."""
        out: list[str] = []
        for v in self._data.get(name.lower(), []):
            out.extend(p.strip() for p in v.split(sep) if p.strip())
        return out

    def ids(self, name: str) -> list[str]:
        """Return a list of GUIDs; values that do not parse are silently dropped."""
        return [i for i in (norm_id(v) for v in self.raw_list(name)) if i]

    def enums(self, name: str, allowed: Iterable[str]) -> list[str]:
        """Return enum values (case-insensitive) canonicalised; unknown values dropped."""
        canon = {a.lower(): a for a in allowed}
        return [canon[v.lower()] for v in self.raw_list(name) if v.lower() in canon]

    def boolean(self, name: str) -> bool | None:
        """Return a bool parameter; None when absent or unparseable."""
        v = self.get(name)
        if v is None:
            return None
        lv = v.strip().lower()
        if lv == "true":
            return True
        if lv == "false":
            return False
        return None

    def integer(self, name: str) -> int | None:
        """Return an int parameter; None when absent or unparseable."""
        v = self.get(name)
        try:
            return int(v) if v is not None else None
        except ValueError:
            return None

    def ident(self, name: str) -> str | None:
        """Return one GUID parameter normalised, None when absent or invalid."""
        return norm_id(self.get(name))
