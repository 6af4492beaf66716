"""The plumbing of Jellyfin's media provider: the client per user and one error mapping."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import TypeVar

from companion.media import UserCredential
from companion.providers import CredentialsRejected, ProviderUnavailable
from integrations.jellyfin.client import JellyfinClient
from integrations.jellyfin.exceptions import (
    JellyfinAuthenticationError,
    JellyfinConnectionError,
    JellyfinResponseError,
)

_LOGGER = logging.getLogger(__name__)
_T = TypeVar("_T")

UNREACHABLE = "Jellyfin is slow or unreachable. Check your Jellyfin instance."
TOKEN_REJECTED = "Jellyfin no longer accepts your sign-in. Sign in again."


class MediaBase:
    """A service client, a client per user token, and the timeout every library call gets."""

    def __init__(self, client: JellyfinClient) -> None:
        self._client = client
        # The ceiling of one library call, retries included (tests shorten it).
        self.timeout = client.request_timeout

    def _as(self, cred: UserCredential) -> JellyfinClient:
        return self._client.with_token(cred.token, cred.user_id, device_id=cred.device_id)

    async def _call(self, call: Awaitable[_T]) -> _T:
        try:
            async with asyncio.timeout(self.timeout):
                return await call
        except TimeoutError as err:
            _LOGGER.debug("Jellyfin at %s timed out after %g s", self._client.host, self.timeout)
            raise ProviderUnavailable(UNREACHABLE) from err
        except JellyfinAuthenticationError as err:
            raise CredentialsRejected(TOKEN_REJECTED) from err
        except (JellyfinConnectionError, JellyfinResponseError) as err:
            _LOGGER.debug("Jellyfin library call failed: %s", err)
            raise ProviderUnavailable(UNREACHABLE) from err
