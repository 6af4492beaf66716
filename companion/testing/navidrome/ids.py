"""Navidrome's ids: 16 bytes (an md5 or random) written as 22 zero-padded base62 characters."""

from __future__ import annotations

import hashlib
import secrets

# Go's big.Int Text(62) alphabet: digits, then lower case, then upper case.
ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
ID_LENGTH = 22


def encode(raw: bytes) -> str:
    """Return the 22-character base62 form of 16 bytes, zero-padded on the left."""
    n = int.from_bytes(raw, "big")
    out = []
    while n:
        n, rem = divmod(n, 62)
        out.append(ALPHABET[rem])
    return "".join(reversed(out)).rjust(ID_LENGTH, "0")


def hash_id(*parts: str) -> str:
    """A deterministic id from parts, each followed by a zero-width space as Navidrome hashes."""
    h = hashlib.md5(usedforsecurity=False)
    for part in parts:
        h.update(part.encode())
        h.update("\u200b".encode())
    return encode(h.digest())


def random_id() -> str:
    """A fresh random id (playlists, users)."""
    return encode(secrets.token_bytes(16))
