"""Jellyfin's InstantMix and remote control as the vibe queues' `MixSource`, as the user."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Sequence
from typing import TypeVar

from companion.media import MediaNotFound, Track, UserCredential
from companion.providers import CredentialsRejected, ProviderUnavailable
from companion.providers.vibe import PlayerSession
from integrations.jellyfin.client import JellyfinClient
from integrations.jellyfin.exceptions import (
    JellyfinAuthenticationError,
    JellyfinError,
    JellyfinNotFoundError,
)
from integrations.jellyfin.mapping import ITEM_FIELDS, to_track
from integrations.jellyfin.models import Session

_LOGGER = logging.getLogger(__name__)
_T = TypeVar("_T")

UNREACHABLE = "Jellyfin is slow or unreachable. Check your Jellyfin instance."
TOKEN_REJECTED = "Jellyfin no longer accepts your sign-in. Sign in again."


class JellyfinMixes:
    """The MixSource provider; every call carries the signed-in user's own token."""

    def __init__(self, client: JellyfinClient) -> None:
        self._client = client
        self.timeout = client.request_timeout

    def _as(self, cred: UserCredential) -> JellyfinClient:
        return self._client.with_token(cred.token, cred.user_id, device_id=cred.device_id)

    async def _call(self, call: Awaitable[_T]) -> _T:
        try:
            async with asyncio.timeout(self.timeout):
                return await call
        except TimeoutError as err:
            raise ProviderUnavailable(UNREACHABLE) from err
        except JellyfinNotFoundError as err:
            raise MediaNotFound(str(err)) from err
        except JellyfinAuthenticationError as err:
            raise CredentialsRejected(TOKEN_REJECTED) from err
        except JellyfinError as err:
            _LOGGER.debug("Jellyfin mix/session call failed: %s", err)
            raise ProviderUnavailable(UNREACHABLE) from err

    async def instant_mix(self, cred: UserCredential, item_id: str, limit: int) -> list[Track]:
        """GET /Items/{id}/InstantMix as the user (works for tracks, albums and artists)."""
        page = await self._call(
            self._as(cred).instant_mix(item_id, limit=limit, fields=ITEM_FIELDS)
        )
        return [to_track(i) for i in page.items if i.type == "Audio"]

    async def sessions(self, cred: UserCredential) -> list[PlayerSession]:
        """The user's sessions, minus the companion's own (its DeviceId)."""
        sessions = await self._call(self._as(cred).sessions())
        return [
            _session(s)
            for s in sessions
            if s.device_id != cred.device_id and (s.user_id is None or s.user_id == cred.user_id)
        ]

    async def play(
        self, cred: UserCredential, session_id: str, item_ids: Sequence[str], command: str
    ) -> None:
        """POST /Sessions/{id}/Playing?playCommand=...&itemIds=... as the user."""
        await self._call(self._as(cred).send_play_command(session_id, item_ids, command))


def _session(s: Session) -> PlayerSession:
    now = s.now_playing
    return PlayerSession(
        id=s.id,
        user_name=s.user_name,
        device_name=s.device_name,
        client=s.client,
        supports_remote_control=s.supports_remote_control,
        now_playing=to_track(now) if now is not None and now.type == "Audio" else None,
        position_ticks=s.position_ticks,
        is_paused=s.is_paused,
    )
