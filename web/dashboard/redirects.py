"""Where a page may send the browser next: only paths of the companion itself."""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

HOME = "/library"


def _unsafe_char(ch: str) -> bool:
    # Browsers drop tabs and newlines anywhere in a URL and trim control characters and
    # spaces, so "/\t/evil.example" becomes "//evil.example": refuse them all, and any other
    # invisible or spacing character for good measure.
    return ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Zs")


def safe_next(raw: str | None, fallback: str = HOME) -> str:
    """`raw` when it is a same-origin path (no scheme, no host, no tricks), else `fallback`.

    `raw` is the value as decoded from the query string, which is what the browser gets.
    """
    if not raw or not raw.startswith("/") or raw.startswith("//"):
        return fallback
    # Browsers read "\\" as "/" in http(s) URLs: "/\\evil.example" is another host.
    if "\\" in raw or any(_unsafe_char(ch) for ch in raw):
        return fallback
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc:
        return fallback
    return raw
