"""Readable, stable entity ids for Home Assistant (`default_entity_id`) from user names."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
# The install's own entities: `sensor.jellyfin_companion_library_size` and the like.
INSTALL_SLUG = "jellyfin_companion"


def slugify(text: str) -> str:
    """Lower-case ASCII words joined by underscores ("Zoë B." -> "zoe_b"); may be empty."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NOT_SLUG.sub("_", ascii_text.lower()).strip("_")


def user_slugs(users: Iterable[tuple[str, str]]) -> dict[str, str]:
    """A slug per (user id, name): the name's, with part of the id when names collide or are
    not Latin, so every user's entity ids stay distinct and depend only on their own name."""
    pairs = list(users)
    bases = {user_id: slugify(name) for user_id, name in pairs}
    counts = Counter(bases.values())
    out: dict[str, str] = {}
    for user_id, base in bases.items():
        if not base:
            out[user_id] = f"user_{user_id[:6]}"
        elif counts[base] > 1:
            out[user_id] = f"{base}_{user_id[:6]}"
        else:
            out[user_id] = base
    return out


def entity_id(domain: str, *parts: str) -> str:
    """`<domain>.<slug>_<slug>...`, as Home Assistant's `default_entity_id` expects."""
    return f"{domain}." + "_".join(p for p in (slugify(x) for x in parts) if p)
