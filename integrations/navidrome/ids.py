"""Navidrome ids (22-char base62 of 16 bytes) as the companion's 32-hex ids, and back."""

from __future__ import annotations

import hashlib
import re

_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_VALUE = {c: n for n, c in enumerate(_ALPHABET)}
_BASE62 = re.compile(r"[0-9a-zA-Z]{22}")
_HEX32 = re.compile(r"[0-9a-f]{32}")
_MAX = 1 << 128


def to_hex(nd_id: str) -> str | None:
    """The 32-hex form of a Navidrome id; None for anything that is not one (lossless)."""
    if not _BASE62.fullmatch(nd_id):
        return None
    n = 0
    for c in nd_id:
        n = n * 62 + _VALUE[c]
    return f"{n:032x}" if n < _MAX else None


def to_navidrome(hex_id: str) -> str:
    """The Navidrome id of a 32-hex id (zero-padded to 22 characters, as Navidrome writes it)."""
    if not _HEX32.fullmatch(hex_id):
        raise ValueError("not a 32-hex id")
    n = int(hex_id, 16)
    out = []
    while n:
        n, rem = divmod(n, 62)
        out.append(_ALPHABET[rem])
    return "".join(reversed(out)).rjust(22, "0")


def user_id(username: str) -> str:
    """The companion's id of a Navidrome user (the Subsonic API never shows user ids).

    Navidrome matches user names case-insensitively, so the id is of the lower-cased name.
    """
    return hashlib.md5(
        f"navidrome-user\x1f{username.lower()}".encode(), usedforsecurity=False
    ).hexdigest()
