"""Which library track a listen from ListenBrainz or Last.fm is of.

`Matcher` is what the history import needs. `exact_matcher` is the stand-in until the import
matcher (companion.imports.matching.match_tracks) is merged: a recording MBID the index holds,
else the same normalised title by the same first artist, else nothing (the listen is kept
aside, never guessed).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from companion.library.index_rows import normalize_text
from companion.library.models import LibraryTrack
from companion.providers.scrobble import RemoteListen

Matcher = Callable[[Sequence[RemoteListen]], Awaitable[list[str | None]]]


def _first_artist(text: str) -> str:
    for sep in (" / ", ", ", " & ", " feat. ", " ft. "):
        text = text.split(sep)[0]
    return normalize_text(text)


class ExactMatcher:
    """MBID, then exact normalised (title, first artist); the index is read once per import."""

    def __init__(self) -> None:
        self._by_text: dict[tuple[str, str], str] | None = None
        self._by_mbid: dict[str, str] = {}

    async def _load(self) -> dict[tuple[str, str], str]:
        if self._by_text is None:
            self._by_text = {}
            rows = await LibraryTrack.all().values_list(
                "item_id", "title", "artists", "mbid_recording"
            )
            for item_id, title, artists, mbid in rows:
                key = (normalize_text(str(title)), _first_artist(str(artists or "")))
                self._by_text.setdefault(key, str(item_id))
                if mbid:
                    self._by_mbid.setdefault(str(mbid).lower(), str(item_id))
        return self._by_text

    async def __call__(self, listens: Sequence[RemoteListen]) -> list[str | None]:
        """One item id (or None) per listen, in order."""
        by_text = await self._load()
        out: list[str | None] = []
        for listen in listens:
            found = self._by_mbid.get((listen.mbid_recording or "").lower())
            if found is None:
                found = by_text.get((normalize_text(listen.title), _first_artist(listen.artist)))
            out.append(found)
        return out


def exact_matcher() -> Matcher:
    """A fresh stand-in matcher (one per import job)."""
    return ExactMatcher()
