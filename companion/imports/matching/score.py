"""Scoring one wanted track against library candidates, and deciding the outcome.

Identifiers decide first (path, recording MBID, ISRC), then text: title, artists, duration
and album, compared on normalised keys with rapidfuzz. Version words (live, remix...) are a
hard rule: a candidate whose version kinds differ is a different recording.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rapidfuzz import fuzz

from companion.imports.matching.types import (
    Candidate,
    Keys,
    MatchResult,
    Scored,
    TrackQuery,
)
from companion.library.track_keys import path_key, words

# Weights of the text score; a part that one side lacks gives its weight to the others.
W_TITLE, W_ARTIST, W_DURATION, W_ALBUM = 0.55, 0.30, 0.10, 0.05
MATCH_SCORE = 0.88
MATCH_MARGIN = 0.05
AMBIGUOUS_SCORE = 0.70
MAX_CANDIDATES = 3
# A title or artist below these is another song or another artist, whatever else agrees.
MIN_TITLE = 0.70
MIN_ARTIST = 0.55
STRONG_TITLE = 0.90
STRONG_ARTIST = 0.80
# Identifiers: an ISRC is shared by releases of one recording (MA's rule: durations within 8 s).
ISRC_SECONDS = 8.0
# The same recording is never this far apart in length (intros and hidden tracks aside).
MAX_SECONDS_APART = 45.0
# Two candidates this close in length with equal keys are copies of one recording.
SAME_RECORDING_SECONDS = 3.0
FEATURED_PENALTY = 0.06
_ID_ORDER = {"path": 0, "mbid": 1, "isrc": 2, "pick": 3, "text": 4}


def _ratio(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    return fuzz.ratio(a, b) / 100.0


def title_score(q: Keys, c: Keys) -> float:
    """How alike two titles are (0..1), comparing core words and the fuller forms."""
    qt, ct = q.title_key, c.title_key
    best = max(
        _ratio(qt.core, ct.core),
        _ratio(qt.full, ct.full),
        _ratio(qt.core, ct.full),
        _ratio(qt.full, ct.core),
    )
    if best < 1.0 and qt.core and ct.core:
        # One title inside the other with extra words ("Love" / "Love Story") is a candidate
        # for a person to judge, never a match: 0.8 at most, and only when the shorter title
        # is at least two words and half of the longer one.
        short, long_ = sorted((qt.full.split(), ct.full.split()), key=len)
        if len(short) >= 2 and len(short) * 2 >= len(long_):
            partial = fuzz.token_set_ratio(qt.full, ct.full) / 100.0
            best = max(best, 0.8 if partial >= 0.99 else 0.0)
    return best


def artist_score(q: Keys, c: Keys) -> float | None:
    """How well the credited artists agree (0..1); None when the query names none."""
    if not q.artist_keys:
        return None
    if not c.artist_keys:
        return 0.0
    best = 0.0
    for qa in q.artist_keys:
        for ca in c.artist_keys:
            best = max(best, _ratio(qa, ca))
            if best == 1.0:
                return 1.0
    joined = fuzz.token_set_ratio(" ".join(q.artist_keys), " ".join(c.artist_keys)) / 100.0
    return max(best, joined * 0.95)


def duration_score(query: TrackQuery, candidate: Candidate) -> float | None:
    """1 within 3 s, falling to 0 at 30 s apart; None when a length is unknown."""
    if not query.duration_s or not candidate.duration_s:
        return None
    apart = abs(query.duration_s - candidate.duration_s)
    if apart <= 3:
        return 1.0
    if apart <= 7:
        return 0.8
    if apart <= 15:
        return 0.5
    if apart <= 30:
        return 0.2
    return 0.0


def _version_conflict(q: Keys, c: Keys) -> str | None:
    """Why two titles are different recordings by their version words, or None."""
    if q.versions != c.versions:
        kinds = sorted(q.versions ^ c.versions)
        return f"only a different version in the library ({', '.join(kinds)})"
    if q.versions and q.title_key.tags and c.title_key.tags:
        # Both live, both remixes: a different venue or remixer is another recording.
        qt, ct = " ".join(q.title_key.tags), " ".join(c.title_key.tags)
        qw, cw = set(qt.split()), set(ct.split())
        if len(qw) > 1 and len(cw) > 1 and fuzz.token_sort_ratio(qt, ct) < 60:
            return f"only another {sorted(q.versions)[0]} version in the library"
    return None


_NUMBER = re.compile(r"\b(?:\d+|i{1,3}|iv|vi{0,3}|ix|x)\b")


_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6", "vii": "7"}
_ROMAN.update({"viii": "8", "ix": "9", "x": "10"})


def _numbers(core: str) -> frozenset[str]:
    # "Part II" and "Pt. 2" are one part: roman numerals count as their digits.
    return frozenset(_ROMAN.get(n, n) for n in _NUMBER.findall(core))


def _same_id(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and a.strip().lower() == b.strip().lower()  # type: ignore[union-attr]


def score(query: TrackQuery, q: Keys, candidate: Candidate, c: Keys) -> Scored:
    """Score one candidate for a query (identifiers first, then text)."""
    if query.path and candidate.path and path_key(query.path) == path_key(candidate.path):
        return Scored(candidate, 1.0, "path")
    if query.mbid:
        if _same_id(query.mbid, candidate.mbid_recording) or _same_id(
            query.mbid, candidate.mbid_track
        ):
            return Scored(candidate, 1.0, "mbid")
        if candidate.mbid_recording:
            return Scored(candidate, 0.0, rejected="a different MusicBrainz recording")
    if _same_id(query.isrc, candidate.isrc):
        apart = (
            abs(query.duration_s - candidate.duration_s)
            if query.duration_s and candidate.duration_s
            else 0.0
        )
        if apart <= ISRC_SECONDS:
            return Scored(candidate, 0.99, "isrc")
    title = title_score(q, c)
    if title < MIN_TITLE:
        return Scored(candidate, title * W_TITLE, rejected="a different title")
    qn, cn = _numbers(q.title_key.core), _numbers(c.title_key.core)
    if qn and cn and qn != cn:
        # "Part 1" and "Part 2", "Symphony No. 5" and "No. 6": other pieces, however alike.
        return Scored(candidate, title * W_TITLE, rejected="a different part or number")
    conflict = _version_conflict(q, c)
    if conflict:
        return Scored(candidate, title * W_TITLE, rejected=conflict)
    artist = artist_score(q, c)
    if artist is not None and artist < MIN_ARTIST:
        return Scored(candidate, title * W_TITLE, rejected="the same title by another artist")
    duration = duration_score(query, candidate)
    if (
        query.duration_s
        and candidate.duration_s
        and abs(query.duration_s - candidate.duration_s) > MAX_SECONDS_APART
    ):
        return Scored(candidate, title * W_TITLE, rejected="a recording of another length")
    album = _ratio(q.album_key, c.album_key) if q.album_key and c.album_key else None
    parts = [(title, W_TITLE), (artist, W_ARTIST), (duration, W_DURATION), (album, W_ALBUM)]
    known = [(v, w) for v, w in parts if v is not None]
    total = sum(w for _, w in known)
    value = sum(v * w for v, w in known) / total
    if set(c.title_key.featured) - set(q.artist_keys):
        # "Ghost (feat. X)" is a worse fit than "Ghost" for a row that never mentions X.
        value -= FEATURED_PENALTY
    # A title or artist short of strong caps the score below a match: text alone must agree.
    if title < STRONG_TITLE or (artist is not None and artist < STRONG_ARTIST):
        value = min(value, MATCH_SCORE - 0.01)
    if artist is None and (duration is None or duration < 1.0):
        # Without artists only an exact title of the same length is good enough.
        value = min(value, MATCH_SCORE - 0.01)
    return Scored(candidate, value, "text")


def _same_recording(a: Scored, b: Scored, ka: Keys, kb: Keys) -> bool:
    """Whether two candidates are copies of one recording (an album and a compilation)."""
    ca, cb = a.candidate, b.candidate
    if ka.title_key.core != kb.title_key.core or ka.versions != kb.versions:
        return False
    if not set(ka.artist_keys) & set(kb.artist_keys):
        return False
    if ca.duration_s and cb.duration_s:
        return abs(ca.duration_s - cb.duration_s) <= SAME_RECORDING_SECONDS
    return True


def decide(
    query: TrackQuery,
    candidates: Sequence[Candidate],
    keys: dict[str, Keys] | None = None,
    q: Keys | None = None,
) -> MatchResult:
    """Decide one query: matched (confidence), ambiguous (≤ 3 candidates) or unmatched (why).

    `keys` caches candidates' keys by item id across queries of one batch.
    """
    cache = keys if keys is not None else {}
    qk = q or Keys(query.title, query.artists, query.album)
    if not words(query.title) and not query.mbid and not query.path and not query.isrc:
        return MatchResult("unmatched", reason="the row has no title")
    scored: list[Scored] = []
    rejected: list[Scored] = []
    for candidate in candidates:
        ck = cache.get(candidate.item_id)
        if ck is None:
            ck = cache[candidate.item_id] = Keys(
                candidate.title, candidate.artists, candidate.album
            )
        result = score(query, qk, candidate, ck)
        (rejected if result.rejected else scored).append(result)
    if not scored:
        if not candidates:
            return MatchResult("unmatched", reason="no track with this title or artist")
        best_rejected = max(rejected, key=lambda s: s.score)
        return MatchResult("unmatched", reason=best_rejected.rejected)
    by_id = [s for s in scored if s.method != "text"]
    if by_id:
        # An identifier decides: a path before a recording MBID before an ISRC.
        top = min(by_id, key=lambda s: (_ID_ORDER[s.method], s.candidate.item_id))
        return MatchResult("matched", top.candidate.item_id, top.score, top.method)
    scored.sort(key=lambda s: (-s.score, s.candidate.item_id))
    top = scored[0]
    if top.score >= MATCH_SCORE:
        tk = cache[top.candidate.item_id]
        rivals = [
            s
            for s in scored[1:]
            if s.score > top.score - MATCH_MARGIN
            and not _same_recording(top, s, tk, cache[s.candidate.item_id])
        ]
        if not rivals:
            return MatchResult("matched", top.candidate.item_id, round(top.score, 3), "text")
    if top.score >= AMBIGUOUS_SCORE:
        shown = tuple(s for s in scored[:MAX_CANDIDATES] if s.score >= AMBIGUOUS_SCORE)
        return MatchResult(
            "ambiguous",
            confidence=round(top.score, 3),
            reason="several library tracks fit equally well"
            if top.score >= MATCH_SCORE
            else "no library track fits well enough to be sure",
            candidates=shown,
        )
    return MatchResult("unmatched", reason="no track with this title by this artist")
