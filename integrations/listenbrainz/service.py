"""ListenBrainz as a scrobble service of the companion (ids and listens in, errors for users)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from companion.providers import CredentialsRejected, ProviderUnavailable
from companion.providers.scrobble import (
    HistoryPage,
    LinkedAccount,
    Listen,
    RemoteListen,
    ScrobbleRateLimited,
    ScrobbleRequestInvalid,
    ScrobbleTrack,
    SubmitResult,
)
from integrations.listenbrainz.client import ListenBrainzClient
from integrations.listenbrainz.const import DOMAIN, LISTENING_FROM, SUBMIT_BATCH
from integrations.listenbrainz.exceptions import (
    ListenBrainzAuthenticationError,
    ListenBrainzBadRequestError,
    ListenBrainzError,
    ListenBrainzNotFoundError,
    ListenBrainzRateLimitError,
)

_LOGGER = logging.getLogger(__name__)
_T = TypeVar("_T")

DOWN = "ListenBrainz is unreachable or failing. The companion retries later."
REJECTED = "ListenBrainz rejected the token. Copy your user token from listenbrainz.org/settings."
NO_TOKEN = "Enter your ListenBrainz user token (listenbrainz.org/settings)."
NO_USER = "ListenBrainz has no user of that name."


def track_metadata(track: ScrobbleTrack) -> dict[str, Any]:
    """The `track_metadata` of a listen (only fields ListenBrainz documents)."""
    info: dict[str, Any] = {"submission_client": LISTENING_FROM, "media_player": "Jellyfin"}
    if track.duration_s:
        info["duration_ms"] = int(track.duration_s * 1000)
    if track.track_number:
        info["tracknumber"] = track.track_number
    if track.mbid_recording:
        info["recording_mbid"] = track.mbid_recording
    if track.isrc:
        info["isrc"] = track.isrc
    meta: dict[str, Any] = {
        "artist_name": track.artist,
        "track_name": track.title,
        "additional_info": info,
    }
    if track.album:
        meta["release_name"] = track.album
    return meta


class ListenBrainzService:
    """Implements `ScrobbleService` over a ListenBrainzClient."""

    domain = DOMAIN
    name = "ListenBrainz"
    max_batch = SUBMIT_BATCH
    max_age: timedelta | None = None
    link_fields: tuple[str, ...] = ("token",)

    def __init__(self, client: ListenBrainzClient) -> None:
        self.client = client
        self.last_error: str | None = None

    async def _call(self, call: Awaitable[_T]) -> _T:
        try:
            result = await call
        except ListenBrainzAuthenticationError as err:
            raise CredentialsRejected(REJECTED) from err
        except ListenBrainzRateLimitError as err:
            raise ScrobbleRateLimited(str(err), err.retry_after) from err
        except ListenBrainzBadRequestError as err:
            raise ScrobbleRequestInvalid(f"ListenBrainz refused it: {err}") from err
        except ListenBrainzNotFoundError:
            raise
        except ListenBrainzError as err:
            if self.last_error is None:
                _LOGGER.warning("ListenBrainz at %s unavailable: %s", self.client.base_url, err)
            self.last_error = str(err)
            raise ProviderUnavailable(DOWN) from err
        if self.last_error is not None:
            _LOGGER.info("ListenBrainz at %s is available again", self.client.base_url)
            self.last_error = None
        return result

    async def link(self, credentials: Mapping[str, str]) -> LinkedAccount:
        """Check the user token and return the account it belongs to."""
        token = (credentials.get("token") or "").strip()
        if not token:
            raise CredentialsRejected(NO_TOKEN)
        return LinkedAccount(name=await self.check(token), secret=token)

    async def check(self, secret: str) -> str:
        """The user name of a token; CredentialsRejected when it is not valid."""
        name = await self._call(self.client.validate_token(secret))
        if name is None:
            raise CredentialsRejected(REJECTED)
        return name

    async def now_playing(self, secret: str, track: ScrobbleTrack) -> None:
        """listen_type playing_now."""
        payload = [{"track_metadata": track_metadata(track)}]
        await self._call(self.client.submit(secret, "playing_now", payload))

    async def submit(self, secret: str, listens: Sequence[Listen]) -> SubmitResult:
        """listen_type single for one listen, import for more (ListenBrainz ignores none)."""
        payload = [
            {
                "listened_at": int(listen.listened_at.timestamp()),
                "track_metadata": track_metadata(listen.track),
            }
            for listen in listens
        ]
        kind = "single" if len(payload) == 1 else "import"
        await self._call(self.client.submit(secret, kind, payload))
        return SubmitResult()

    async def history(
        self, account: str, secret: str, cursor: str | None, limit: int
    ) -> HistoryPage:
        """A page of listens older than the cursor (a max_ts), newest first."""
        max_ts = int(cursor) if cursor else None
        try:
            page = await self._call(self.client.listens(account, max_ts=max_ts, count=limit))
        except ListenBrainzNotFoundError as err:
            raise CredentialsRejected(NO_USER) from err
        listens = tuple(
            RemoteListen(
                listened_at=datetime.fromtimestamp(listen.listened_at, UTC),
                artist=listen.artist_name,
                title=listen.track_name,
                album=listen.release_name,
                mbid_recording=listen.recording_mbid,
                duration_s=listen.duration_s,
            )
            for listen in page.listens
        )
        oldest = min((listen.listened_at for listen in page.listens), default=None)
        # A short page, or one that reached the oldest listen, is the last one.
        more = oldest is not None and len(page.listens) >= limit and oldest > page.oldest_listen_ts
        return HistoryPage(listens, str(oldest) if more else None)
