"""Last.fm as a scrobble service of the companion (errors mapped for users)."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TypeVar

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
from integrations.lastfm.client import LastFmClient
from integrations.lastfm.const import DOMAIN, MAX_AGE, MAX_SCROBBLES, RATE_LIMIT_WAIT
from integrations.lastfm.exceptions import (
    LastFmApiKeyError,
    LastFmAuthenticationError,
    LastFmError,
    LastFmInvalidParametersError,
    LastFmRateLimitError,
)

_LOGGER = logging.getLogger(__name__)
_T = TypeVar("_T")

DOWN = "Last.fm is unreachable or failing. The companion retries later."
REJECTED = "Last.fm no longer accepts this link. Link your Last.fm account again."
BAD_LOGIN = "Last.fm rejected that username or password."
NOT_AUTHORISED = "That Last.fm token is not authorised yet (or expired). Start the link again."
API_KEY = (
    "Last.fm refused the companion's API key. An administrator must check the Last.fm integration."
)
NEED_LOGIN = "Enter your Last.fm username and password (used once, never stored)."
NO_USER = "Last.fm has no user of that name (or their listening history is private)."
IGNORED = {
    1: "Last.fm ignored the artist",
    2: "Last.fm ignored the track",
    3: "Last.fm only accepts scrobbles of the last 14 days",
    4: "Last.fm refused a timestamp in the future",
    5: "Last.fm's daily scrobble limit was reached",
}


def scrobble_fields(track: ScrobbleTrack) -> dict[str, str]:
    """The per-scrobble parameters (without the timestamp)."""
    fields = {"artist": track.artist, "track": track.title}
    if track.album:
        fields["album"] = track.album
    if track.album_artist and track.album_artist != track.artist:
        fields["albumArtist"] = track.album_artist
    if track.duration_s:
        fields["duration"] = str(int(track.duration_s))
    if track.track_number:
        fields["trackNumber"] = str(track.track_number)
    if track.mbid_recording:
        fields["mbid"] = track.mbid_recording
    return fields


class LastFmService:
    """Implements `ScrobbleService` over a LastFmClient."""

    domain = DOMAIN
    name = "Last.fm"
    max_batch = MAX_SCROBBLES
    max_age: timedelta | None = MAX_AGE
    link_fields: tuple[str, ...] = ("username", "password")

    def __init__(self, client: LastFmClient) -> None:
        self.client = client
        self.last_error: str | None = None

    async def _call(self, call: Awaitable[_T], rejected: str = REJECTED) -> _T:
        try:
            result = await call
        except LastFmAuthenticationError as err:
            raise CredentialsRejected(rejected) from err
        except LastFmRateLimitError as err:
            raise ScrobbleRateLimited(str(err), RATE_LIMIT_WAIT) from err
        except LastFmInvalidParametersError:
            raise
        except LastFmApiKeyError as err:
            self._down(API_KEY)
            raise ProviderUnavailable(API_KEY) from err
        except LastFmError as err:
            self._down(str(err))
            raise ProviderUnavailable(DOWN) from err
        if self.last_error is not None:
            _LOGGER.info("Last.fm at %s is available again", self.client.base_url)
            self.last_error = None
        return result

    def _down(self, message: str) -> None:
        if self.last_error is None:
            _LOGGER.warning("Last.fm at %s unavailable: %s", self.client.base_url, message)
        self.last_error = message

    async def link(self, credentials: Mapping[str, str]) -> LinkedAccount:
        """A session from a username and password (used once), or from an authorised token."""
        token = (credentials.get("token") or "").strip()
        if token:
            name, key = await self._call(self.client.get_session(token), NOT_AUTHORISED)
            return LinkedAccount(name=name, secret=key)
        username = (credentials.get("username") or "").strip()
        password = credentials.get("password") or ""
        if not username or not password:
            raise CredentialsRejected(NEED_LOGIN)
        name, key = await self._call(self.client.get_mobile_session(username, password), BAD_LOGIN)
        return LinkedAccount(name=name or username, secret=key)

    async def check(self, secret: str) -> str:
        """The name of the session's user; CredentialsRejected once the session is revoked."""
        return await self._call(self.client.user_name(secret))

    async def now_playing(self, secret: str, track: ScrobbleTrack) -> None:
        """track.updateNowPlaying."""
        await self._call(self.client.update_now_playing(secret, scrobble_fields(track)))

    async def submit(self, secret: str, listens: Sequence[Listen]) -> SubmitResult:
        """track.scrobble; listens Last.fm ignores come back with the reason."""
        batch = [
            {**scrobble_fields(listen.track), "timestamp": str(int(listen.listened_at.timestamp()))}
            for listen in listens
        ]
        try:
            outcomes = await self._call(self.client.scrobble(secret, batch))
        except LastFmInvalidParametersError as err:
            raise ScrobbleRequestInvalid(f"Last.fm refused it: {err}") from err
        return SubmitResult(
            ignored={
                i: IGNORED.get(o.code, o.message or f"Last.fm ignored it (code {o.code})")
                for i, o in enumerate(outcomes)
                if not o.accepted
            }
        )

    async def history(
        self, account: str, secret: str, cursor: str | None, limit: int
    ) -> HistoryPage:
        """A page of recent tracks; the cursor pins `to` so paging is stable ("to:page")."""
        if cursor:
            to_text, page_text = cursor.split(":", 1)
            to_ts, page = int(to_text), int(page_text)
        else:
            to_ts, page = int(time.time()), 1
        try:
            result = await self._call(
                self.client.recent_tracks(account, page=page, limit=limit, to_ts=to_ts)
            )
        except LastFmInvalidParametersError as err:
            raise CredentialsRejected(NO_USER) from err
        listens = tuple(
            RemoteListen(
                listened_at=datetime.fromtimestamp(t.uts or 0, UTC),
                artist=t.artist,
                title=t.name,
                album=t.album,
                mbid_recording=t.mbid,
            )
            for t in result.tracks
        )
        more = result.page < result.total_pages and bool(result.tracks)
        return HistoryPage(listens, f"{to_ts}:{result.page + 1}" if more else None, result.total)
