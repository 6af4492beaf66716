"""The one check every user-given name passes (playlists, tokens, hooks, targets, flows)."""

from __future__ import annotations

import unicodedata
from typing import Any

from companion.errors import InvalidInput

# Control characters (NUL, CR/LF, tabs, escapes) break log lines, CSV exports and PostgreSQL
# (which refuses NUL); line/paragraph separators act as newlines; lone surrogates cannot be
# stored at all.
_REFUSED = frozenset({"Cc", "Zl", "Zp", "Cs"})
# Zero-width characters, the BOM and other format characters render as nothing: a name made
# only of them (and spaces) looks empty in every list.
_INVISIBLE = frozenset({"Cf", "Zs"})


def clean_name(raw: Any, *, field: str = "name", max_len: int = 255) -> str:
    """The name without surrounding spaces; 400 unless it is visible, single-line text."""
    if not isinstance(raw, str):
        raise InvalidInput(f"'{field}' must be a string.", details={"field": field})
    name = raw.strip()
    if any(unicodedata.category(ch) in _REFUSED for ch in raw):
        raise InvalidInput(
            f"'{field}' must not contain control characters or line breaks.",
            details={"field": field},
        )
    if all(unicodedata.category(ch) in _INVISIBLE for ch in name):
        raise InvalidInput(
            f"'{field}' must not be empty or only invisible characters.", details={"field": field}
        )
    if len(name) > max_len:
        raise InvalidInput(
            f"'{field}' may be at most {max_len} characters.", details={"field": field}
        )
    return name
