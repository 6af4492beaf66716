"""The dashboard player's playback as Jellyfin sessions: one device per browser, as the user.

Jellyfin keys a session on the Client and DeviceId of the Authorization header (the header's
values win over the token's device record), so each browser reports with a DeviceId of its own
and shows in Jellyfin as its own device, counted in the user's play history.
"""

from __future__ import annotations

import asyncio
import logging

from companion.media import UserCredential
from companion.providers import CredentialsRejected, ProviderUnavailable
from companion.providers.playback import PlaybackReport, PlaybackReportKind, PlayerDevice
from integrations.jellyfin.client import JellyfinClient
from integrations.jellyfin.const import CLIENT_NAME
from integrations.jellyfin.exceptions import (
    JellyfinAuthenticationError,
    JellyfinError,
    JellyfinNotFoundError,
)
from integrations.jellyfin.sessions import QueueState

_LOGGER = logging.getLogger(__name__)

UNREACHABLE = "Jellyfin is slow or unreachable. Check your Jellyfin instance."
TOKEN_REJECTED = "Jellyfin no longer accepts your sign-in. Sign in again."
_REPEAT = {"off": "RepeatNone", "all": "RepeatAll", "one": "RepeatOne"}


class JellyfinPlayback:
    """The PlaybackReporter provider (`POST /Sessions/Playing[/Progress|/Stopped]`)."""

    client_name = CLIENT_NAME

    def __init__(self, client: JellyfinClient) -> None:
        self._client = client
        self.timeout = client.request_timeout

    def _as(self, cred: UserCredential, device: PlayerDevice) -> JellyfinClient:
        return self._client.with_token(
            cred.token, cred.user_id, device_id=device.device_id, device_name=device.name
        )

    async def report(
        self,
        cred: UserCredential,
        device: PlayerDevice,
        kind: PlaybackReportKind,
        report: PlaybackReport,
    ) -> None:
        """Send one report; Jellyfin's errors become the provider's."""
        client = self._as(cred, device)
        queue = QueueState(
            item_ids=tuple(report.queue),
            repeat_mode=_REPEAT[report.repeat],
            playback_order="Shuffle" if report.shuffle else "Default",
        )
        try:
            async with asyncio.timeout(self.timeout):
                if kind == "start":
                    await client.report_playback_start(
                        report.item_id,
                        position_ticks=report.position_ticks,
                        play_session_id=report.play_session_id,
                        is_paused=report.is_paused,
                        queue=queue,
                    )
                elif kind == "progress":
                    await client.report_playback_progress(
                        report.item_id,
                        position_ticks=report.position_ticks,
                        play_session_id=report.play_session_id,
                        is_paused=report.is_paused,
                        queue=queue,
                    )
                else:
                    await client.report_playback_stopped(
                        report.item_id,
                        position_ticks=report.position_ticks,
                        play_session_id=report.play_session_id,
                        failed=report.failed,
                    )
        except TimeoutError as err:
            raise ProviderUnavailable(UNREACHABLE) from err
        except JellyfinAuthenticationError as err:
            raise CredentialsRejected(TOKEN_REJECTED) from err
        except JellyfinNotFoundError as err:
            # The item left the library while it played: nothing to count.
            _LOGGER.debug("Jellyfin does not know the reported item: %s", err)
        except JellyfinError as err:
            _LOGGER.debug("Jellyfin playback report failed: %s", err)
            raise ProviderUnavailable(UNREACHABLE) from err
