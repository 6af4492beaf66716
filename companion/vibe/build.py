"""Building a queue's tracks: AudioMuse-AI when it can, Jellyfin's InstantMix when it cannot."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import chain, zip_longest

from companion.errors import Conflict, NotFound, ServiceUnavailable
from companion.library.resolver import CHUNK_SIZE, Resolver
from companion.library.upstream import media_of, upstream_errors
from companion.media import BrowseQuery, MediaNotFound, Track, UserCredential, make_ref, parse_ref
from companion.providers import Providers
from companion.providers.capabilities import not_supported
from companion.providers.vibe import EngineUnavailable, MixSource, SeedNotAnalysed
from companion.vibe.request import VibeRequest
from companion.vibe.shaping import Shape, recent_plays, shape

AUDIOMUSE = "audiomuse"
INSTANTMIX = "instantmix"
# Seeds taken from an artist or an album (their best-known tracks).
GROUP_SEEDS = 5
NOT_CONFIGURED = (
    "AudioMuse-AI is not configured. Add the AudioMuse-AI integration (its URL and API token) "
    "under Integrations."
)
FALLBACK = "This queue comes from Jellyfin's InstantMix instead."
NOT_ANALYSED = "AudioMuse-AI has not analysed {what} yet."
_LABELS = {"text": "Text search", "alchemy": "Song Alchemy", "path": "Song Path"}


@dataclass(frozen=True)
class Built:
    """A shaped list of tracks and who made it."""

    tracks: list[Track]
    engine: str
    notice: str | None


def _interleave(lists: Sequence[Sequence[str]]) -> list[str]:
    # One from each seed in turn, so every seed shapes the start of the queue.
    merged = (i for i in chain.from_iterable(zip_longest(*lists)) if i is not None)
    return list(dict.fromkeys(merged))


class VibeBuilder:
    """Turns a validated request into tracks for one user."""

    def __init__(
        self,
        providers: Providers,
        resolver: Resolver,
        audiomuse_problem: Callable[[], str | None],
    ) -> None:
        self._providers = providers
        self._resolver = resolver
        # Why AudioMuse is missing (not configured, retrying...), for users; None when loaded.
        self._audiomuse_problem = audiomuse_problem

    def _mixes(self) -> MixSource:
        mixes = self._providers.mixes
        if mixes is None:
            raise not_supported(self._providers, "instant_mix") or ServiceUnavailable(
                code="jellyfin_unreachable"
            )
        return mixes

    def _engine_missing(self) -> str:
        return self._audiomuse_problem() or NOT_CONFIGURED

    async def build(
        self,
        cred: UserCredential,
        req: VibeRequest,
        exclude: set[str],
        *,
        seed_ids: Sequence[str] | None = None,
        limit: int | None = None,
    ) -> Built:
        """Candidates from the best engine, resolved in one batch, then shaped."""
        limit = limit or req.limit
        if seed_ids is not None:
            seeds = list(seed_ids)
        else:
            seeds, group = await self._seeds(cred, req)
            # "More like this album" should not replay the album itself.
            exclude = exclude | group
        # Shaping drops some candidates; alchemy has no per-artist cap of its own, so it
        # loses the most to ours. Everything still resolves in one batch of CHUNK_SIZE.
        spare = limit * 3 if req.mode == "alchemy" else limit // 2
        wanted = min(CHUNK_SIZE - len(seeds), limit + spare + 10 + min(len(exclude), 40))
        rules = self._rules(req, limit)
        engine = self._providers.similarity
        notice: str | None = None
        if engine is not None:
            try:
                ids = await self._from_engine(req, seeds, wanted)
            except EngineUnavailable as err:
                if req.mode in _LABELS:
                    raise self._unavailable(req, str(err)) from None
                notice = f"{err} {FALLBACK}"
            except SeedNotAnalysed:
                if req.mode in _LABELS:
                    raise NotFound(
                        NOT_ANALYSED.format(what="one of these tracks")
                        + " Start an analysis in AudioMuse-AI, then try again.",
                        code="vibe_seed_not_analysed",
                    ) from None
                notice = NOT_ANALYSED.format(what="this music") + " " + FALLBACK
            else:
                if not ids and req.mode in _LABELS:
                    raise NotFound(
                        "AudioMuse-AI found no tracks for that (tracks it has not analysed "
                        "cannot seed a queue).",
                        code="vibe_no_results",
                    )
                pinned = [s for s in (rules.first, rules.last) if s]
                pinned_tracks, tracks = await self._resolve(cred, pinned, ids)
                return Built(shape(tracks, rules, exclude, pinned=pinned_tracks), AUDIOMUSE, None)
        elif req.mode in _LABELS:
            raise self._unavailable(req, self._engine_missing())
        else:
            notice = f"{self._engine_missing()} {FALLBACK}"
        mixed, pinned_mix = await self._from_instant_mix(cred, req, seeds, rules, wanted)
        return Built(shape(mixed, rules, exclude, pinned=pinned_mix), INSTANTMIX, notice)

    @staticmethod
    def _unavailable(req: VibeRequest, why: str) -> ServiceUnavailable:
        return ServiceUnavailable(
            f"{_LABELS[req.mode]} needs AudioMuse-AI. {why}", code="audiomuse_unavailable"
        )

    @staticmethod
    def _rules(req: VibeRequest, limit: int) -> Shape:
        if req.mode == "similar":
            return Shape(limit=limit, first=req.ref)
        if req.mode == "path":
            return Shape(limit=limit, first=req.start, last=req.end)
        return Shape(limit=limit)

    async def _seeds(self, cred: UserCredential, req: VibeRequest) -> tuple[list[str], set[str]]:
        """The seed ids, and ids to leave out because of them (an album's own tracks)."""
        if req.mode == "similar":
            return [req.ref or ""], set()
        if req.mode == "alchemy":
            return [*req.add, *req.subtract], set()
        if req.mode == "path":
            return [req.start or "", req.end or ""], set()
        if req.mode == "text":
            return [], set()
        if req.mode == "recent":
            ids = await recent_plays(cred.user_id, req.recent)
            if not ids:
                raise Conflict(
                    "You have no plays yet to seed a queue from. Play something first.",
                    code="vibe_no_recent_plays",
                )
            return ids, set()
        media = media_of(self._providers)
        with upstream_errors():
            if req.mode == "artist":
                page = await media.browse(
                    cred,
                    BrowseQuery(
                        kind="track",
                        artist_id=req.ref,
                        sort="play_count",
                        descending=True,
                        limit=GROUP_SEEDS,
                    ),
                )
                tracks = [t for t in page.items if isinstance(t, Track)]
            else:
                tracks = await media.album_tracks(cred, req.ref or "")
        if not tracks:
            raise NotFound(
                f"Jellyfin has no tracks for {make_ref(req.ref or '')}.", code="not_found"
            )
        self._resolver.prime(cred, tracks)
        step = max(1, len(tracks) // GROUP_SEEDS)
        seeds = [parse_ref(t.ref) or "" for t in tracks[::step][:GROUP_SEEDS]]
        own = {parse_ref(t.ref) or "" for t in tracks} if req.mode == "album" else set()
        return seeds, own

    async def _from_engine(self, req: VibeRequest, seeds: list[str], wanted: int) -> list[str]:
        engine = self._providers.similarity
        assert engine is not None
        if req.mode == "text":
            return await engine.text(req.text or "", wanted)
        if req.mode == "alchemy":
            return await engine.alchemy(
                req.add, req.subtract, wanted, req.temperature, req.subtract_distance
            )
        if req.mode == "path":
            return await engine.path(req.start or "", req.end or "", min(req.limit, wanted))
        # Neighbourhoods of related seeds overlap: ask each for twice its share.
        per_seed = max(10, math.ceil(2 * wanted / len(seeds)))
        results = await asyncio.gather(
            *(engine.similar(s, per_seed) for s in seeds), return_exceptions=True
        )
        lists: list[list[str]] = []
        for result in results:
            if isinstance(result, EngineUnavailable):
                raise result
            if isinstance(result, SeedNotAnalysed):
                continue  # other seeds may still carry the queue
            if isinstance(result, BaseException):
                raise result
            lists.append(result)
        if not lists:
            raise SeedNotAnalysed("no seed is analysed")
        merged = _interleave(lists)
        # Multi-seed queues must not start with a seed the user just heard.
        return [i for i in merged if i not in seeds] if len(seeds) > 1 else merged

    async def _resolve(
        self, cred: UserCredential, pinned: list[str], ids: list[str]
    ) -> tuple[list[Track], list[Track | None]]:
        """One resolution call for the pinned seeds and the candidates together."""
        wanted = pinned + [i for i in ids if i not in pinned][: CHUNK_SIZE - len(pinned)]
        items = await self._resolver.resolve(cred, wanted)
        seeds: list[Track] = []
        for iid, item in zip(pinned, items, strict=False):
            if not isinstance(item, Track):
                raise NotFound(f"Jellyfin has no track {make_ref(iid)}.", code="not_found")
            seeds.append(item)
        return seeds, [i if isinstance(i, Track) else None for i in items[len(pinned) :]]

    async def _from_instant_mix(
        self, cred: UserCredential, req: VibeRequest, seeds: list[str], rules: Shape, wanted: int
    ) -> tuple[list[Track], list[Track]]:
        mixes = self._mixes()
        sources = [req.ref or ""] if req.mode in ("artist", "album") else seeds
        # InstantMix has no per-artist cap: ask for plenty (one call per source either way).
        per_seed = min(CHUNK_SIZE, max(50, math.ceil(3 * wanted / max(1, len(sources)))))
        with upstream_errors():
            try:
                mixes_out = await asyncio.gather(
                    *(mixes.instant_mix(cred, s, per_seed) for s in sources)
                )
            except MediaNotFound:
                raise NotFound(
                    f"Jellyfin has no item {make_ref(sources[0])}.", code="not_found"
                ) from None
        by_id = {parse_ref(t.ref): t for t in chain.from_iterable(mixes_out)}
        self._resolver.prime(cred, by_id.values())
        order = _interleave([[parse_ref(t.ref) or "" for t in m] for m in mixes_out])
        if len(seeds) > 1:
            order = [i for i in order if i not in seeds]
        pinned: list[Track] = []
        if rules.first is not None:
            seed = by_id.get(rules.first)
            if seed is None:
                (item,) = await self._resolver.resolve(cred, [rules.first])
                if not isinstance(item, Track):
                    raise NotFound(
                        f"Jellyfin has no track {make_ref(rules.first)}.", code="not_found"
                    )
                seed = item
            pinned.append(seed)
        return [by_id[i] for i in order if i in by_id], pinned
