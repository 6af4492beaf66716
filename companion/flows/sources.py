"""Asking the sources for a week's candidates: ListenBrainz (created-for-you playlists and
recording recommendations), AudioMuse-AI (neighbours of favorites and recent plays) and a
language model (Ollama), each grounded in the library before it counts.

A source that is not set up, down or refusing adds a notice and nothing else: the week is
built from whatever the others give.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from companion.flows.candidates import Candidate
from companion.flows.grounding import ground, library_ids
from companion.flows.listener import Taste
from companion.providers import CredentialsRejected, Providers, ProviderUnavailable
from companion.providers.discovery import SuggestedTrack, SuggestionRequest

_LOGGER = logging.getLogger(__name__)
_T = TypeVar("_T")

LB_KINDS = ("weekly-exploration", "weekly-jams")
SEEDS = 10
SIMILAR_PER_SEED = 20
SOURCE_TIMEOUT = 120.0
NAMES = {"listenbrainz": "ListenBrainz", "audiomuse": "AudioMuse-AI", "ollama": "Ollama"}


@dataclass(frozen=True, slots=True)
class ListenBrainzLink:
    """The user's ListenBrainz account name and token (the token may be absent)."""

    user_name: str
    token: str | None = None


@dataclass
class Gathered:
    """Candidates by source, and what went wrong on the way."""

    by_source: dict[str, list[Candidate]] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    # Library tracks AudioMuse named: seeds for the language model, never the week itself.
    seeds: list[str] = field(default_factory=list)


async def _guarded(source: str, call: Awaitable[_T], notices: list[str]) -> _T | None:
    try:
        async with asyncio.timeout(SOURCE_TIMEOUT):
            return await call
    except (ProviderUnavailable, CredentialsRejected) as err:
        notices.append(f"{NAMES[source]}: {err}")
    except TimeoutError:
        notices.append(f"{NAMES[source]} took too long to answer.")
    except Exception as err:
        _LOGGER.exception("Flow source %s failed", source)
        notices.append(f"{NAMES[source]} failed: {err}")
    return None


async def listenbrainz(
    providers: Providers, link: ListenBrainzLink | None, options: dict[str, Any], out: Gathered
) -> None:
    """Created-for-you playlists (each identifier followed to its JSPF) and CF picks."""
    source = providers.recommendations
    if source is None:
        out.notices.append("ListenBrainz is not set up (Integrations → ListenBrainz).")
        return
    if link is None:
        out.notices.append("Link your ListenBrainz account (Listening) for ListenBrainz picks.")
        return
    kinds = [k for k in options.get("playlists", LB_KINDS) if isinstance(k, str)]
    tracks: list[SuggestedTrack] = []
    if kinds:
        found = await _guarded(
            "listenbrainz", source.created_for(link.user_name, kinds, link.token), out.notices
        )
        for playlist in found or []:
            tracks.extend(playlist.tracks)
        if found is not None and not found:
            out.notices.append("ListenBrainz has made no weekly playlist for you yet.")
    if options.get("recommendations", True):
        count = int(options.get("recommendation_count", 100))
        recs = await _guarded(
            "listenbrainz",
            source.recommended_recordings(link.user_name, count, link.token),
            out.notices,
        )
        tracks.extend(recs or [])
    out.by_source["listenbrainz"] = [Candidate.of("listenbrainz", t) for t in tracks]


async def audiomuse(providers: Providers, taste: Taste, out: Gathered) -> None:
    """Neighbours of the user's favorites and recent plays; library tracks become seeds."""
    engine = providers.known_similar
    if engine is None:
        out.notices.append("AudioMuse-AI is not set up (Integrations → AudioMuse-AI).")
        return
    seeds = list(dict.fromkeys([*taste.favorite_ids, *taste.recent_ids]))[:SEEDS]
    if not seeds:
        out.notices.append("AudioMuse-AI needs favorites or plays to start from.")
        return
    rows: list[SuggestedTrack] = []
    for seed in seeds:
        found = await _guarded("audiomuse", engine.similar_known(seed, SIMILAR_PER_SEED), [])
        rows.extend(found or [])
    if not rows:
        out.notices.append("AudioMuse-AI knew no neighbours of your favorites or plays.")
    candidates = [Candidate.of("audiomuse", t) for t in rows]
    # AudioMuse names tracks of its own index: keep those the library lacks; the rest (the
    # library has them) only tell the language model what this listener is near.
    present = await library_ids(c.item_id for c in candidates if c.item_id)
    missing = [c for c in candidates if c.item_id not in present]
    for c in candidates:
        if c.item_id in present:
            out.seeds.append(f"{c.artists[0] if c.artists else ''} - {c.title}")
    for c in missing:
        c.item_id = None
    out.by_source["audiomuse"] = missing


async def ollama(
    providers: Providers, taste: Taste, out: Gathered, *, count: int, avoid: Sequence[str]
) -> None:
    """Ask the language model; suggestions only count once grounded."""
    suggester = providers.suggester
    if suggester is None:
        out.notices.append("Ollama is not set up (Integrations → Ollama).")
        return
    if not (taste.top_artists or taste.favorites or out.seeds):
        out.notices.append("Ollama needs some listening history or favorites to go on.")
        return
    request = SuggestionRequest(
        top_artists=taste.top_artists,
        top_tracks=taste.top_tracks,
        favorites=taste.favorites,
        seeds=tuple(dict.fromkeys(out.seeds))[:SEEDS],
        avoid_artists=tuple(avoid),
        count=count,
    )
    found = await _guarded("ollama", suggester.suggest(request), out.notices)
    out.by_source["ollama"] = [Candidate.of("ollama", t) for t in found or []]


async def gather(
    providers: Providers,
    taste: Taste,
    weights: dict[str, float],
    options: dict[str, Any],
    lb_link: ListenBrainzLink | None,
    *,
    wanted: int,
    avoid: Sequence[str],
) -> Gathered:
    """Every weighted source's grounded candidates (ListenBrainz and AudioMuse in parallel,
    then the language model, which takes AudioMuse's library tracks as seeds)."""
    out = Gathered()
    first = []
    if weights.get("listenbrainz", 0) > 0:
        first.append(listenbrainz(providers, lb_link, options.get("listenbrainz", {}), out))
    seeds_only = weights.get("audiomuse", 0) <= 0
    helper = Gathered() if seeds_only else out
    if not seeds_only or weights.get("ollama", 0) > 0:
        first.append(audiomuse(providers, taste, helper))
    await asyncio.gather(*first)
    if seeds_only:
        # Not a source of this flow: its library neighbours only seed the language model.
        out.seeds.extend(helper.seeds)
    if weights.get("ollama", 0) > 0:
        await ollama(providers, taste, out, count=wanted, avoid=avoid)
    for source, candidates in out.by_source.items():
        out.by_source[source] = await ground(candidates, taste.played_ids)
    return out
