"""The fake AudioMuse's searches: radius walk, alchemy, song path and text search."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

from companion.testing.audiomuse.catalogue import Song, cosine, normalized

MAX_SONGS_PER_ARTIST = 3


def distance(a: Song, b: Song | Sequence[float]) -> float:
    """Angular distance `1 - cosine` (0..2), AudioMuse's default metric."""
    other = b.vector if isinstance(b, Song) else b
    return 1.0 - cosine(a.vector, other)


def cap_per_artist(songs: list[Song], cap: int = MAX_SONGS_PER_ARTIST) -> list[Song]:
    """Keep at most `cap` songs of each artist, in order."""
    seen: dict[str, int] = {}
    out = []
    for song in songs:
        if seen.get(song.author, 0) < cap:
            seen[song.author] = seen.get(song.author, 0) + 1
            out.append(song)
    return out


def _same_song(a: Song, b: Song) -> bool:
    return a.title.lower() == b.title.lower() and a.author.lower() == b.author.lower()


def neighbours(seed: Song, songs: Sequence[Song], *, cap: bool) -> list[Song]:
    """Every other song by distance to the seed (the seed and its title+artist twins dropped)."""
    scored = sorted(
        (1.0 - cosine(seed.vector, s.vector), s.item_id, s)
        for s in songs
        if s.item_id != seed.item_id and not _same_song(s, seed)
    )
    # Near-duplicates of the seed (another copy of the same recording) are filtered.
    ranked = [s for d, _, s in scored if d >= 0.0001]
    return cap_per_artist(ranked) if cap else ranked


# How far ahead (in distance-to-seed order) each hop of the walk may look.
WALK_WINDOW = 8


def radius_walk(seed: Song, pool: list[Song], n: int) -> list[Song]:
    """AudioMuse's default order: hop to the nearest of the next songs out from the seed,
    never three of one artist in a row (so rows are not sorted by distance to the seed)."""
    left = list(pool)
    out: list[Song] = []
    current = seed
    while left and len(out) < n:
        window = left[:WALK_WINDOW]
        ranked = sorted(window, key=lambda s: (1.0 - cosine(current.vector, s.vector), s.item_id))
        pick = ranked[0]
        if len(out) >= 2 and out[-1].author == out[-2].author == pick.author:
            pick = next((s for s in left if s.author != pick.author), pick)
        out.append(pick)
        left.remove(pick)
        current = pick
    return out


def centroid(songs: Sequence[Song]) -> list[float]:
    """The normalised mean of some songs' vectors."""
    acc = [0.0] * len(songs[0].vector)
    for song in songs:
        acc = [x + y for x, y in zip(acc, song.vector, strict=True)]
    return normalized(acc)


def angular01(a: Sequence[float], b: Sequence[float]) -> float:
    """Alchemy's distance: arccos(cos)/π in 0..1."""
    cos = max(-1.0, min(1.0, cosine(a, b)))
    return math.acos(cos) / math.pi


def alchemy(
    songs: Sequence[Song],
    add: list[Song],
    subtract: list[Song],
    n: int,
    temperature: float,
    subtract_distance: float,
    rng: random.Random,
) -> tuple[list[tuple[Song, float]], list[tuple[Song, float]]]:
    """Songs near the ADD centroid and outside the SUBTRACT radius: (results, filtered_out)."""
    inputs = {s.item_id for s in add + subtract}
    twins = {(s.title.lower(), s.author.lower()) for s in add + subtract}
    target = centroid(add)
    away = centroid(subtract) if subtract else None
    candidates: list[tuple[Song, float]] = []
    filtered: list[tuple[Song, float]] = []
    for song in songs:
        if song.item_id in inputs or (song.title.lower(), song.author.lower()) in twins:
            continue
        d = angular01(song.vector, target)
        if away is not None and angular01(song.vector, away) < subtract_distance:
            filtered.append((song, d))
        else:
            candidates.append((song, d))
    candidates.sort(key=lambda c: (c[1], c[0].item_id))
    if temperature <= 0:
        return candidates[:n], filtered
    # Softmax sampling without replacement: any temperature > 0 gives a random order.
    pool = candidates[: max(n * 3, n)]
    out: list[tuple[Song, float]] = []
    while pool and len(out) < n:
        weights = [math.exp(-c[1] / max(temperature, 1e-6) * 10) for c in pool]
        pick = rng.choices(range(len(pool)), weights=weights)[0]
        out.append(pool.pop(pick))
    return out, filtered


def song_path(
    songs: Sequence[Song], start: Song, end: Song, max_steps: int, fix_size: bool
) -> list[Song]:
    """From start to end through the nearest unused song at each interpolated point."""
    steps = max(2, max_steps)
    used = {start.item_id, end.item_id}
    path = [start]
    for i in range(1, steps - 1):
        t = i / (steps - 1)
        point = normalized(
            [(1 - t) * a + t * b for a, b in zip(start.vector, end.vector, strict=True)]
        )
        best = min(
            (s for s in songs if s.item_id not in used),
            key=lambda s: (1.0 - cosine(s.vector, point), s.item_id),
            default=None,
        )
        if best is None:
            break
        # Without path_fix_size, a point whose nearest song is already on the path adds nothing.
        if not fix_size and distance(best, path[-1]) < 0.02:
            continue
        used.add(best.item_id)
        path.append(best)
    path.append(end)
    return path
