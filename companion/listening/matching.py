"""Which library track a listen from ListenBrainz or Last.fm is of: the import matcher decides.

A listen becomes a play only when the matcher is sure (state "matched"); an ambiguous or
unmatched listen is kept aside and listed, never guessed. Listens of the same song are matched
once per import batch.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from companion.imports.matching import TrackQuery, match_tracks
from companion.providers.scrobble import RemoteListen

Matcher = Callable[[Sequence[RemoteListen]], Awaitable[list[str | None]]]


def _query(listen: RemoteListen) -> TrackQuery:
    artists = (listen.artist,) if listen.artist.strip() else ()
    return TrackQuery(
        title=listen.title,
        artists=artists,
        album=listen.album,
        duration_s=listen.duration_s,
        mbid=listen.mbid_recording,
    )


class ListenMatcher:
    """Matches listens through the import matcher, remembering what it decided for a song."""

    def __init__(self) -> None:
        self._decided: dict[TrackQuery, str | None] = {}

    async def __call__(self, listens: Sequence[RemoteListen]) -> list[str | None]:
        """One item id (or None) per listen, in order."""
        queries = [_query(listen) for listen in listens]
        todo = list(dict.fromkeys(q for q in queries if q not in self._decided))
        if todo:
            for query, result in zip(todo, await match_tracks(todo), strict=True):
                self._decided[query] = result.item_id if result.state == "matched" else None
        return [self._decided[q] for q in queries]


def listen_matcher() -> Matcher:
    """A fresh matcher (one per import job: its memory of decided songs is per job)."""
    return ListenMatcher()
