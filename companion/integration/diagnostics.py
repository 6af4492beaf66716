"""Redaction of secrets in diagnostics and API answers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

REDACTED = "**REDACTED**"
# Keys redacted wherever they appear, whatever the integration declares.
_ALWAYS = {"api_key", "apikey", "password", "token", "access_token", "secret", "authorization"}


def redact(value: Any, keys: Iterable[str] = ()) -> Any:
    """Return a copy of value with every secret-looking key's value replaced."""
    to_redact = {k.lower() for k in keys} | _ALWAYS
    return _redact(value, to_redact)


def _redact(value: Any, keys: set[str]) -> Any:
    if isinstance(value, dict):
        return {
            k: (REDACTED if str(k).lower() in keys and v not in (None, "") else _redact(v, keys))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_redact(v, keys) for v in value]
    return value
