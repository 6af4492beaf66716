"""What is wanted: a validated request, and the key that makes duplicate requests one download."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from companion.library.track_keys import album_key, artist_key, title_key

Kind = Literal["track", "album"]
_MBID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def clean_mbid(value: str | None) -> str | None:
    """A MusicBrainz id in lower case, or None when it is not one."""
    text = (value or "").strip().lower()
    return text if _MBID.match(text) else None


@dataclass(frozen=True, slots=True)
class Want:
    """A track or album someone wants, as the downloads capability describes it."""

    kind: Kind
    title: str
    artists: tuple[str, ...] = ()
    album: str | None = None
    duration_s: float | None = None
    mbid: str | None = None
    album_mbid: str | None = None
    artist_mbid: str | None = None
    # Another download of the same thing (e.g. a fetch into a flow's folder) has its own scope.
    scope: str | None = None

    @property
    def key(self) -> str:
        """Equal for two requests of the same thing, so they share one download."""
        base = self._key()
        return f"{self.scope}:{base}"[:255] if self.scope else base

    def _key(self) -> str:
        first = artist_key(self.artists[0]) if self.artists else ""
        if self.kind == "album":
            if self.album_mbid:
                return f"album:mbid:{self.album_mbid}"
            return f"album:{first}|{album_key(self.title)}"[:255]
        if self.mbid:
            return f"track:mbid:{self.mbid}"
        tk = title_key(self.title)
        versions = ",".join(sorted(tk.versions))
        return f"track:{first}|{tk.core}|{versions}"[:255]

    @property
    def label(self) -> str:
        """The artists and title joined, for messages."""
        return f"{', '.join(self.artists)} \u2013 {self.title}" if self.artists else self.title
