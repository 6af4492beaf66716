"""Matching many wanted tracks at once: batched candidate lookups, then one decision each."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence

from companion.imports.matching.lookup import find_candidates
from companion.imports.matching.score import decide
from companion.imports.matching.types import Keys, MatchResult, TrackQuery
from companion.library.models import LibraryTrack

# Queries decided per lookup round (and per progress report).
BATCH = 500

Progress = Callable[[int, int], None]


def pick_key(query: TrackQuery) -> str:
    """The key a person's pick is remembered under: title core, version tags and artists."""
    k = Keys(query.title, query.artists, query.album)
    versions = ",".join(sorted(k.versions))
    text = f"{k.title_key.core}|{versions}|{k.primary_artist}"
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()


async def match_tracks(
    queries: Sequence[TrackQuery],
    *,
    picks: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> list[MatchResult]:
    """Match every query against the library index; results in the same order.

    `picks` maps `pick_key(query)` to the item id a person chose earlier; a pick still in
    the library decides its query.
    """
    results: list[MatchResult] = []
    cache: dict[str, Keys] = {}
    known_picks = await _present(picks or {}, queries)
    for start in range(0, len(queries), BATCH):
        batch = queries[start : start + BATCH]
        keys = [Keys(q.title, q.artists, q.album) for q in batch]
        decided: list[MatchResult | None] = [None] * len(batch)
        for at, query in enumerate(batch):
            picked = known_picks.get(pick_key(query)) if known_picks else None
            if picked is not None:
                decided[at] = MatchResult("matched", picked, 1.0, "pick")
        # First pass: identifiers and equal titles settle most rows; the rest are looked up
        # again with every track of their artists.
        for by_artist in (False, True):
            open_rows = [at for at, result in enumerate(decided) if result is None]
            if not open_rows:
                break
            found = await find_candidates(
                [batch[at] for at in open_rows], [keys[at] for at in open_rows], by_artist=by_artist
            )
            for at, candidates in zip(open_rows, found, strict=True):
                result = decide(batch[at], candidates, cache, keys[at])
                if by_artist or result.state == "matched":
                    decided[at] = result
        results.extend(r for r in decided if r is not None)
        if progress is not None:
            progress(len(results), len(queries))
    return results


async def _present(picks: Mapping[str, str], queries: Sequence[TrackQuery]) -> dict[str, str]:
    """The picks that apply to these queries and whose tracks are still indexed."""
    if not picks:
        return {}
    wanted = {key: picks[key] for key in map(pick_key, queries) if key in picks}
    if not wanted:
        return {}
    ids = list(set(wanted.values()))
    rows = await LibraryTrack.filter(item_id__in=ids).values_list("item_id", flat=True)
    present = {str(r) for r in rows}
    return {key: item for key, item in wanted.items() if item in present}
