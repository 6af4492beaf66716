"""Candidates of a week: one shape for every source, track keys, the blocklist, and the mix
(weighted turns between sources, one song per artist, picks up to the size, then a reserve)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from companion.library.track_keys import artist_key, primary_artist_key, split_artists, title_key
from companion.providers.discovery import SuggestedTrack

SOURCES = ("listenbrainz", "audiomuse", "ollama")
# Before a file exists its size is a guess: 4 minutes at 320 kbit/s.
DEFAULT_SECONDS = 240.0
BYTES_PER_SECOND = 40_000
GB = 1_000_000_000
MIN_RESERVE = 10


@dataclass
class Candidate:
    """A track a source suggests for the week, grounded or not yet."""

    source: str
    title: str
    artists: tuple[str, ...]
    album: str | None = None
    duration_s: float | None = None
    mbid: str | None = None
    origin: str = ""
    why: str | None = None
    # A library item: the source named one, or the matcher found it.
    item_id: str | None = None
    kind: str = "download"
    key: str = field(init=False)

    def __post_init__(self) -> None:
        self.key = track_key(self.artists, self.title)

    @classmethod
    def of(cls, source: str, track: SuggestedTrack) -> Candidate:
        """From a provider's suggestion."""
        return cls(
            source=source,
            title=track.title.strip(),
            artists=tuple(a.strip() for a in track.artists if a.strip()),
            album=track.album,
            duration_s=track.duration_s,
            mbid=track.mbid,
            origin=track.origin,
            why=track.why,
            item_id=track.item_id,
        )

    @property
    def artist_keys(self) -> set[str]:
        """Every credited artist as a key."""
        return {k for a in self.artists for n in split_artists(a) if (k := artist_key(n))}

    def estimated_bytes(self) -> int:
        """A size guess for the gigabyte limit."""
        return int((self.duration_s or DEFAULT_SECONDS) * BYTES_PER_SECOND)


def track_key(artists: Sequence[str], title: str) -> str:
    """The same recording from any source: first artist and the title's core words."""
    core = title_key(title).core
    text = f"{primary_artist_key(tuple(artists))}|{core}"
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def blocked_keys(names: Iterable[str]) -> set[str]:
    """Artist keys of a blocklist."""
    return {k for n in names if (k := artist_key(n))}


@dataclass
class Mix:
    """The week's picks in playlist order and the reserve that replaces failed downloads."""

    picks: list[Candidate]
    reserve: list[Candidate]


def mix(
    by_source: Mapping[str, Sequence[Candidate]],
    weights: Mapping[str, float],
    *,
    size_tracks: int | None,
    size_gb: float | None,
    one_per_artist: bool,
    blocked: set[str],
    exclude_keys: set[str],
) -> Mix:
    """Take turns between sources by weight (smooth weighted round robin) until the size."""
    queues = {s: list(by_source.get(s, ())) for s in SOURCES if weights.get(s, 0) > 0}
    credit = dict.fromkeys(queues, 0.0)
    total = sum(weights[s] for s in queues) or 1.0
    seen: set[str] = set(exclude_keys)
    artists: set[str] = set()
    ordered: list[Candidate] = []
    while queues:
        for source in queues:
            credit[source] += weights[source]
        source = max(queues, key=lambda s: credit[s])
        credit[source] -= total
        candidate = _next(queues[source], seen, artists, blocked, one_per_artist)
        if candidate is None:
            del queues[source]
            continue
        ordered.append(candidate)
    limit_tracks = size_tracks if size_tracks is not None else len(ordered)
    limit_bytes = int(size_gb * GB) if size_gb is not None else None
    picks: list[Candidate] = []
    used = 0
    for candidate in ordered:
        if len(picks) >= limit_tracks:
            break
        cost = candidate.estimated_bytes() if candidate.kind == "download" else 0
        if limit_bytes is not None and picks and used + cost > limit_bytes:
            break
        picks.append(candidate)
        used += cost
    rest = [c for c in ordered[len(picks) :] if c.kind == "download"]
    reserve_size = max(MIN_RESERVE, len(picks) // 2)
    return Mix(picks, rest[:reserve_size])


def _next(
    queue: list[Candidate],
    seen: set[str],
    artists: set[str],
    blocked: set[str],
    one_per_artist: bool,
) -> Candidate | None:
    while queue:
        candidate = queue.pop(0)
        keys = candidate.artist_keys
        if not candidate.title or not keys or candidate.key in seen or keys & blocked:
            continue
        if one_per_artist and keys & artists:
            continue
        seen.add(candidate.key)
        artists.update(keys)
        return candidate
    return None
