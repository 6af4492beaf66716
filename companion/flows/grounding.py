"""Grounding suggestions in the library: every candidate is matched by the import matcher to a
library track (playable now) or becomes a download; nothing unmatched is shown as playable."""

from __future__ import annotations

from collections.abc import Iterable

from companion.flows.candidates import Candidate
from companion.imports.matching import TrackQuery, match_tracks
from companion.library.models import LibraryTrack


async def library_ids(item_ids: Iterable[str | None]) -> set[str]:
    """The ids among item_ids that the library index holds."""
    ids = list({i.lower() for i in item_ids if i})
    found: set[str] = set()
    for start in range(0, len(ids), 500):
        rows = await LibraryTrack.filter(item_id__in=ids[start : start + 500]).values_list(
            "item_id", flat=True
        )
        found.update(str(r) for r in rows)
    return found


async def ground(candidates: list[Candidate], played: Iterable[str]) -> list[Candidate]:
    """Library tracks the listener never played stay as library picks; tracks the library
    surely lacks become downloads; ambiguous matches (probably owned) and played tracks go."""
    heard = set(played)
    queries = [
        TrackQuery(c.title, c.artists, c.album, c.duration_s, mbid=c.mbid) for c in candidates
    ]
    results = await match_tracks(queries) if queries else []
    out: list[Candidate] = []
    for candidate, result in zip(candidates, results, strict=True):
        if result.state == "matched" and result.item_id is not None:
            if result.item_id in heard:
                continue
            candidate.kind, candidate.item_id = "library", result.item_id
        elif result.state == "ambiguous":
            continue
        else:
            candidate.kind, candidate.item_id = "download", None
        out.append(candidate)
    return out
