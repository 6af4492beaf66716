"""Last.fm's method signature (last.fm/api/authspec section 8)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping


def api_sig(params: Mapping[str, str], secret: str) -> str:
    """MD5 of every parameter but format and callback, sorted by name, as name+value, then the
    shared secret (UTF-8, hex)."""
    text = "".join(f"{k}{params[k]}" for k in sorted(params) if k not in ("format", "callback"))
    # MD5 is what Last.fm specifies for this signature; it protects nothing of ours.
    return hashlib.md5((text + secret).encode("utf-8")).hexdigest()  # noqa: S324
