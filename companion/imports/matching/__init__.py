"""The matcher: wanted tracks (playlist rows, downloads, flows) to library tracks.

    results = await match_tracks([TrackQuery(title, artists, album, duration_s, isrc, mbid)])

Candidates come from the library index in a few batched lookups (no media-server call);
`decide` is the pure decision for one query, usable without a database.
"""

from companion.imports.matching.score import decide
from companion.imports.matching.service import match_tracks, pick_key
from companion.imports.matching.types import Candidate, MatchResult, Scored, TrackQuery

__all__ = [
    "Candidate",
    "MatchResult",
    "Scored",
    "TrackQuery",
    "decide",
    "match_tracks",
    "pick_key",
]
