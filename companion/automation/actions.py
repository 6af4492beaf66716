"""Companion actions that automations run (webhooks, MQTT commands), as a given user."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from companion.accounts.auth import Principal, principal_for
from companion.accounts.models import User
from companion.automation import radio
from companion.db.ids import is_id
from companion.errors import (
    CompanionError,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    ServiceUnavailable,
)
from companion.events import Event, EventBus, Unsubscribe
from companion.history.models import PlaybackState
from companion.library.music import MusicServices
from companion.media import make_ref, parse_ref, ref_scheme

_LOGGER = logging.getLogger(__name__)

ACTIONS = (
    "vibe.start",
    "vibe.play",
    "favorite.current",
    "library.refresh",
    "playlist.add",
    "radio.mode",
)
# Actions of the whole install: an MQTT command may name no user and runs as an administrator.
INSTALL_ACTIONS = frozenset({"library.refresh"})
COMMAND = "automation.command"
RESULT = "automation.result"
RADIO_MODE = "automation.radio_mode"

VIBE_MISSING = (
    "Vibe queues are not available: the vibe service (app[keys.VIBE]) is not part of this "
    "build yet."
)
PLAYLISTS_MISSING = (
    "Playlists are not available: the playlists service (app[keys.PLAYLISTS]) is not part of "
    "this build yet."
)
NO_JELLYFIN = "Jellyfin is not configured or not loaded; cannot refresh the library."


class VibeLike(Protocol):
    """The vibe service contract (owned by the vibe work)."""

    async def start(self, principal: Principal, body: dict[str, Any]) -> dict[str, Any]:
        """Build a vibe queue."""
        ...

    async def play(self, principal: Principal, queue_id: str, session_id: str) -> dict[str, Any]:
        """Play a queue on a Jellyfin session."""
        ...


class PlaylistsLike(Protocol):
    """The playlists service contract (owned by the playlists work)."""

    async def add_items(
        self, principal: Principal, playlist_id: int, refs: list[str], position: int | None = None
    ) -> dict[str, Any]:
        """Append refs to a playlist."""
        ...


Getter = Callable[[], Any]
RefreshFn = Callable[[], Awaitable[bool]]


def _str(params: dict[str, Any], key: str, *, required: bool = False) -> str | None:
    value = params.get(key)
    if value is None:
        if required:
            raise InvalidInput(f"'{key}' is required.", details={"field": key})
        return None
    if not isinstance(value, str) or not value or len(value) > 200:
        raise InvalidInput(f"'{key}' must be a non-empty string.", details={"field": key})
    return value


class AutomationActions:
    """Runs `vibe.start`, `vibe.play`, `favorite.current`, `library.refresh`, `playlist.add`."""

    def __init__(
        self,
        bus: EventBus,
        music: MusicServices,
        vibe: Getter,
        playlists: Getter,
        refresh_library: RefreshFn,
    ) -> None:
        self._bus = bus
        self._music = music
        self._vibe = vibe
        self._playlists = playlists
        self._refresh = refresh_library
        self._unsubscribe: Unsubscribe | None = None

    # -- entry points ------------------------------------------------------------------------

    def start(self) -> None:
        """Run `automation.command` events (from MQTT) and publish their results."""
        self._unsubscribe = self._bus.subscribe(self._command, [COMMAND], name="automation")

    def stop(self) -> None:
        """Stop listening."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    async def run(
        self, principal: Principal, action: str, params: dict[str, Any]
    ) -> dict[str, Any]:
        """Run one action as principal; raise CompanionError with a clear code on bad input."""
        handlers = {
            "vibe.start": self._vibe_start,
            "vibe.play": self._vibe_play,
            "favorite.current": self._favorite_current,
            "library.refresh": self._library_refresh,
            "playlist.add": self._playlist_add,
            "radio.mode": self._radio_mode,
        }
        handler = handlers.get(action)
        if handler is None:
            raise InvalidInput(
                f"Unknown action {action[:60]!r}; expected one of {', '.join(ACTIONS)}.",
                code="unknown_action",
                details={"field": "action"},
            )
        result = await handler(principal, params)
        self._bus.publish(
            Event(
                "automation.action",
                {"action": action, "ok": True},
                user_id=principal.jellyfin_id,
                source="automation",
            )
        )
        return result

    async def _command(self, event: Event) -> None:
        data = event.data
        action = str(data.get("action", ""))
        result: dict[str, Any] = {
            "request_id": data.get("request_id"),
            "action": action,
            "origin": data.get("origin"),
        }
        try:
            user = str(data.get("user") or "")
            if not user and action in INSTALL_ACTIONS:
                principal = await self.install_principal()
                # The install's sensor shows it; only this administrator sees its event.
                result["run_as"] = principal.jellyfin_id
            else:
                principal = await self.principal_for_user(user)
                # Home automation shows the outcome on this user's "last command" sensor.
                result["user_id"] = principal.jellyfin_id
            params = data.get("params")
            result["result"] = await self.run(
                principal, action, params if isinstance(params, dict) else {}
            )
            result["ok"] = True
        except CompanionError as err:
            result |= {"ok": False, "error": {"code": err.code, "message": err.message}}
        except Exception:
            _LOGGER.exception("Automation command %s failed", action)
            result |= {"ok": False, "error": {"code": "internal_error", "message": "failed"}}
        self._bus.publish(Event(RESULT, result, source="automation"))

    @staticmethod
    async def principal_for_user(user: str) -> Principal:
        """The principal of a user named by companion name or Jellyfin id (404 otherwise)."""
        if not user:
            raise InvalidInput("'user' is required.", details={"field": "user"})
        row = await User.get_or_none(jellyfin_id=user.lower(), is_active=True)
        if row is None:
            row = await User.filter(name__iexact=user, is_active=True).first()
        if row is None:
            raise NotFound(f"No companion user {user[:60]!r}.", code="user_not_found")
        return principal_for(row)

    @staticmethod
    async def install_principal() -> Principal:
        """An administrator to run install-wide actions as (409 when there is none yet)."""
        row = await User.filter(is_admin=True, is_active=True).order_by("id").first()
        if row is None:
            raise Conflict(
                "No administrator has signed in yet; install-wide actions need one.",
                code="no_administrator",
            )
        return principal_for(row)

    # -- actions -----------------------------------------------------------------------------

    def _vibe_service(self) -> VibeLike:
        vibe = self._vibe()
        if vibe is None:
            raise ServiceUnavailable(VIBE_MISSING, code="vibe_unavailable")
        return vibe  # type: ignore[no-any-return]

    async def _vibe_start(self, principal: Principal, params: dict[str, Any]) -> dict[str, Any]:
        vibe = self._vibe_service()
        play = params.get("play", False)
        if play not in (True, False, "auto"):
            raise InvalidInput("'play' must be true, false or \"auto\".", details={"field": "play"})
        # Where to play is settled before the queue is built: a press that cannot play fails
        # with its reason instead of leaving a queue nobody hears.
        session_id = _str(params, "session_id")
        if session_id is None and play is True:
            session_id = await self._active_session(principal)
        elif session_id is None and play == "auto":
            # Play where the user listens now, or only build the queue.
            session_id = await self._active_session(principal, required=False)
        body = {k: v for k, v in params.items() if k not in ("session_id", "play", "user")}
        if "mode" not in body:
            body["mode"] = await radio.get_mode(principal.jellyfin_id or "")
        if body["mode"] in radio.SEEDED and "ref" not in body:
            playing = await self._current(principal, session_id)
            body["ref"] = await radio.seed_ref(str(body["mode"]), playing.item_id or "")
        queue = await vibe.start(principal, body)
        out: dict[str, Any] = {
            "queue_id": queue.get("id"),
            "mode": queue.get("mode"),
            "engine": queue.get("engine"),
            "item_count": len(queue.get("items") or []),
            "played": None,
        }
        if session_id is not None:
            await vibe.play(principal, str(queue.get("id")), session_id)
            out["played"] = session_id
        return out

    async def _vibe_play(self, principal: Principal, params: dict[str, Any]) -> dict[str, Any]:
        vibe = self._vibe_service()
        queue_id = _str(params, "queue_id", required=True) or ""
        session_id = _str(params, "session_id")
        if session_id is not None:
            return await vibe.play(principal, queue_id, session_id)
        active = await self._active_session(principal, required=False)
        try:
            # An unknown queue is still a 404 when nothing plays.
            return await vibe.play(principal, queue_id, active or "")
        except NotFound as err:
            if active is None and err.code == "session_not_found":
                await self._active_session(principal)  # raises no_active_session
            raise

    async def _current(self, principal: Principal, session_id: str | None = None) -> PlaybackState:
        query = PlaybackState.filter(user_id=principal.jellyfin_id or "").exclude(state="stopped")
        if session_id is not None:
            query = query.filter(session_id=session_id)
        state = await query.exclude(item_id=None).order_by("-updated_at").first()
        if state is None or not state.item_id:
            raise Conflict(
                "Nothing is playing in your Jellyfin sessions right now.", code="nothing_playing"
            )
        return state

    async def _active_session(self, principal: Principal, *, required: bool = True) -> str | None:
        # Only a session playing or paused now: a stopped one is where the user was, not is.
        query = PlaybackState.filter(user_id=principal.jellyfin_id or "").exclude(state="stopped")
        state = await query.order_by("-updated_at").first()
        if state is None:
            if not required:
                return None
            raise Conflict(
                "None of your Jellyfin sessions is playing or paused right now, so there is "
                "nowhere to play; start playback on a device (or give 'session_id').",
                code="no_active_session",
            )
        return state.session_id

    async def _favorite_current(
        self, principal: Principal, params: dict[str, Any]
    ) -> dict[str, Any]:
        state = await self._current(principal, _str(params, "session_id"))
        item_id = state.item_id or ""
        cred = await self._music.credential(principal)
        saved = await self._music.favorites.set(cred, item_id, True)
        return {"ref": make_ref(item_id), "favorite": saved, "session_id": state.session_id}

    async def _library_refresh(
        self, principal: Principal, params: dict[str, Any]
    ) -> dict[str, Any]:
        if not principal.is_admin:
            raise Forbidden("Only administrators can refresh the library.")
        if not await self._refresh():
            raise ServiceUnavailable(NO_JELLYFIN, code="jellyfin_unreachable")
        return {"refreshing": True}

    async def _radio_mode(self, principal: Principal, params: dict[str, Any]) -> dict[str, Any]:
        mode = await radio.set_mode(principal.jellyfin_id or "", params.get("mode"))
        self._bus.publish(
            Event(RADIO_MODE, {"mode": mode}, user_id=principal.jellyfin_id, source="automation")
        )
        return {"radio_mode": mode}

    async def _playlist_add(self, principal: Principal, params: dict[str, Any]) -> dict[str, Any]:
        playlist_id = params.get("playlist_id")
        if not is_id(playlist_id):
            raise InvalidInput(
                "'playlist_id' must be a playlist id.", details={"field": "playlist_id"}
            )
        refs = params.get("refs")
        if refs is None:
            # No refs: add what is playing now (the common "keep this song" automation).
            refs = [make_ref((await self._current(principal)).item_id or "")]
        if (
            not isinstance(refs, list)
            or not refs
            or len(refs) > 500
            or any(parse_ref(r) is None for r in refs)
        ):
            raise InvalidInput(
                f"'refs' must be a list of {ref_scheme()}:<32 hex> refs.", details={"field": "refs"}
            )
        playlists = self._playlists()
        if playlists is None:
            raise ServiceUnavailable(PLAYLISTS_MISSING, code="playlists_unavailable")
        service: PlaylistsLike = playlists
        result = await service.add_items(principal, playlist_id, list(refs))
        return {
            "playlist_id": playlist_id,
            "item_count": result.get("item_count"),
            "added": list(refs),
            "warning": result.get("warning"),
        }
