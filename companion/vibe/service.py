"""Vibe queues: build from seeds, store, list, play on a Jellyfin session, save as a playlist."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from companion.accounts.auth import Principal
from companion.errors import Conflict, Forbidden, NotFound, ServiceUnavailable
from companion.events import Event, EventBus
from companion.integration.entries import ConfigEntries
from companion.integration.types import EntryState
from companion.library.music import MusicServices
from companion.library.upstream import upstream_errors
from companion.media import MediaNotFound, Track, UserCredential, make_ref
from companion.providers import Providers
from companion.providers.capabilities import not_supported
from companion.providers.vibe import MixSource, PlayerSession
from companion.vibe.build import Built, VibeBuilder
from companion.vibe.models import VibeQueue
from companion.vibe.request import VibeRequest, parse_request
from companion.vibe.shaping import listening_exclusions

_LOGGER = logging.getLogger(__name__)
_QUEUE_ID = re.compile(r"[0-9a-f]{32}")
RECENT_QUEUES = 20
PLAY_MAX = 200
NO_PLAYLISTS = "Saving a queue needs the playlists service, which is not available in this version."


class PlaylistCreator(Protocol):
    """The part of the playlists service a vibe queue needs (owned by the playlists work)."""

    async def create(
        self, principal: Principal, name: str, refs: list[str], description: str = ""
    ) -> dict[str, Any]:
        """Create a companion playlist (pushed to Jellyfin) and return its DTO."""
        ...


def queue_dto(queue: VibeQueue, tracks: Sequence[Track | None]) -> dict[str, Any]:
    """The VibeQueue API shape (tracks Jellyfin no longer has are left out)."""
    return {
        "id": queue.id,
        "mode": queue.mode,
        "seeds": queue.seeds,
        "engine": queue.engine,
        "notice": queue.notice,
        "items": [t.as_dict() for t in tracks if t is not None],
        "created_at": queue.created_at.isoformat(),
        "updated_at": queue.updated_at.isoformat(),
    }


def summary_dto(queue: VibeQueue) -> dict[str, Any]:
    """A queue without its tracks (for lists)."""
    return {
        "id": queue.id,
        "mode": queue.mode,
        "seeds": queue.seeds,
        "engine": queue.engine,
        "notice": queue.notice,
        "item_count": len(queue.item_ids),
        "session_id": queue.session_id,
        "created_at": queue.created_at.isoformat(),
        "updated_at": queue.updated_at.isoformat(),
    }


def normalize_session_id(raw: str) -> str:
    """Jellyfin session ids are 32 hex; accept hyphens and upper case."""
    return raw.strip().lower().replace("-", "")


class VibeService:
    """The vibe queues of every user (`app[keys.VIBE]`)."""

    def __init__(
        self,
        providers: Providers,
        bus: EventBus,
        music: MusicServices,
        audiomuse_problem: Callable[[], str | None],
        playlists: Callable[[], PlaylistCreator | None],
    ) -> None:
        self._providers = providers
        self._bus = bus
        self._music = music
        self._playlists = playlists
        self.builder = VibeBuilder(providers, music.resolver, audiomuse_problem)

    # -- building ----------------------------------------------------------------------------

    async def start(self, principal: Principal, body: dict[str, Any]) -> dict[str, Any]:
        """Validate a request, build the queue, store it and announce it."""
        req = parse_request(body)
        cred = await self._music.credential(principal)
        built = await self.builder.build(cred, req, await listening_exclusions(cred.user_id))
        queue = await self._store(principal, cred, req, built)
        self.announce(queue, [t.ref for t in built.tracks], "created")
        return queue_dto(queue, built.tracks)

    async def _store(
        self, principal: Principal, cred: UserCredential, req: VibeRequest, built: Built
    ) -> VibeQueue:
        if principal.user_id is None:
            raise Forbidden("Sign in to build vibe queues.", code="jellyfin_sign_in_required")
        return await VibeQueue.create(
            id=uuid.uuid4().hex,
            user_id=principal.user_id,
            jellyfin_user_id=cred.user_id,
            mode=req.mode,
            seeds=req.seeds(),
            engine=built.engine,
            notice=built.notice,
            item_ids=[t.ref.split(":", 1)[1] for t in built.tracks],
        )

    def announce(self, queue: VibeQueue, added: list[str], reason: str) -> None:
        """Publish `vibe.queue` for a created or extended queue."""
        self._bus.publish(
            Event(
                "vibe.queue",
                {
                    "queue_id": queue.id,
                    "mode": queue.mode,
                    "engine": queue.engine,
                    "item_count": len(queue.item_ids),
                    "added": added,
                    "reason": reason,
                },
                user_id=queue.jellyfin_user_id,
            )
        )

    # -- reading -----------------------------------------------------------------------------

    async def _own(self, principal: Principal, queue_id: str) -> VibeQueue:
        queue = await VibeQueue.get_or_none(id=queue_id) if _QUEUE_ID.fullmatch(queue_id) else None
        if queue is None or (queue.user_id != principal.user_id and not principal.is_admin):  # type: ignore[attr-defined]
            raise NotFound("No such vibe queue.", code="not_found")
        return queue

    async def get(self, principal: Principal, queue_id: str) -> dict[str, Any]:
        """One queue with its tracks (resolved, mostly from the cache)."""
        queue = await self._own(principal, queue_id)
        cred = await self._music.credential(principal)
        items = await self._music.resolver.resolve(cred, queue.item_ids)
        return queue_dto(queue, [i if isinstance(i, Track) else None for i in items])

    async def recent(self, principal: Principal) -> list[dict[str, Any]]:
        """The user's most recent queues, newest first."""
        rows = (
            await VibeQueue.filter(user_id=principal.user_id)
            .order_by("-updated_at")
            .limit(RECENT_QUEUES)
        )
        return [summary_dto(q) for q in rows]

    # -- playing and saving ------------------------------------------------------------------

    def _mixes(self) -> MixSource:
        mixes = self._providers.mixes
        if mixes is None:
            raise not_supported(self._providers, "instant_mix") or ServiceUnavailable(
                code="jellyfin_unreachable"
            )
        return mixes

    async def sessions(self, principal: Principal) -> list[PlayerSession]:
        """The user's Jellyfin sessions (devices), controllable ones flagged."""
        cred = await self._music.credential(principal)
        with upstream_errors():
            return await self._mixes().sessions(cred)

    async def play(self, principal: Principal, queue_id: str, session_id: str) -> dict[str, Any]:
        """Send the queue to a Jellyfin session with remote control's PlayNow."""
        queue = await self._own(principal, queue_id)
        cred = await self._music.credential(principal)
        sid = normalize_session_id(session_id)
        mixes = self._mixes()
        with upstream_errors():
            sessions = {s.id: s for s in await mixes.sessions(cred)}
        target = sessions.get(sid)
        if target is None:
            raise NotFound(
                "No such Jellyfin session of yours; GET /api/sessions lists them.",
                code="session_not_found",
            )
        if not target.supports_remote_control:
            raise Conflict(
                f"{target.device_name or 'That session'} cannot be remote-controlled.",
                code="session_not_controllable",
            )
        if not queue.item_ids:
            raise Conflict("This queue is empty.", code="vibe_queue_empty")
        # A long-running queue can outgrow a URL: the device gets the first PLAY_MAX tracks.
        ids = queue.item_ids[:PLAY_MAX]
        with upstream_errors():
            try:
                await mixes.play(cred, sid, ids, "PlayNow")
            except MediaNotFound:
                raise NotFound(
                    "That Jellyfin session has ended.", code="session_not_found"
                ) from None
        queue.session_id = sid
        await queue.save(update_fields=["session_id", "updated_at"])
        return {"ok": True, "session_id": sid, "count": len(ids)}

    async def save(self, principal: Principal, queue_id: str, name: str | None) -> dict[str, Any]:
        """Turn the queue into a companion playlist (and so a Jellyfin playlist)."""
        queue = await self._own(principal, queue_id)
        playlists = self._playlists()
        if playlists is None:
            raise ServiceUnavailable(NO_PLAYLISTS, code="playlists_unavailable")
        title = name or default_name(queue)
        refs = [make_ref(i) for i in queue.item_ids]
        return await playlists.create(principal, title, refs, description=_description(queue))


def default_name(queue: VibeQueue) -> str:
    """A readable playlist name for a queue."""
    seeds = queue.seeds
    if queue.mode == "text" and seeds.get("text"):
        return f"Vibe: {str(seeds['text'])[:60]}"
    return f"Vibe ({queue.mode}) {queue.created_at:%Y-%m-%d %H:%M}"


def _description(queue: VibeQueue) -> str:
    engine = "AudioMuse-AI" if queue.engine == "audiomuse" else "Jellyfin InstantMix"
    return f"A {queue.mode} vibe queue built by {engine}."


def audiomuse_problem(entries: ConfigEntries) -> str | None:
    """Why AudioMuse-AI cannot serve right now, for users; None when loaded or not configured."""
    found = entries.entries("audiomuse")
    if not found or found[0].state == EntryState.LOADED:
        return None
    entry = found[0]
    why = entry.reason or entry.state.value.replace("_", " ")
    return f"AudioMuse-AI is not available ({why}). Check that it is running and its API token."
