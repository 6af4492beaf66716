"""Jellyfin as the companion's identity provider: users sign in with their Jellyfin account."""

from __future__ import annotations

import logging

from companion.providers import CredentialsRejected, ExternalIdentity, ProviderUnavailable
from integrations.jellyfin.client import JellyfinClient
from integrations.jellyfin.exceptions import (
    JellyfinAuthenticationError,
    JellyfinConnectionError,
    JellyfinError,
    JellyfinResponseError,
)

_LOGGER = logging.getLogger(__name__)

UNREACHABLE = "Jellyfin is slow or unreachable. Check your Jellyfin instance."


class JellyfinIdentity:
    """Authenticates users by name and password, with a DeviceId of their own."""

    name = "Jellyfin"

    def __init__(self, client: JellyfinClient) -> None:
        self._client = client
        # How long a sign-in may take; tests shorten it to see what a timeout leaves behind.
        self.sign_in_timeout = client.request_timeout

    async def authenticate(self, username: str, password: str, device_id: str) -> ExternalIdentity:
        """POST /Users/AuthenticateByName with the given DeviceId."""
        # No token yet: AuthenticateByName is anonymous, identified by the device fields.
        client = self._client.with_token(
            "", None, device_id=device_id, request_timeout=self.sign_in_timeout
        )
        try:
            result = await client.authenticate(username, password)
        except JellyfinAuthenticationError as err:
            raise CredentialsRejected("Wrong username or password.") from err
        except (JellyfinConnectionError, JellyfinResponseError) as err:
            raise ProviderUnavailable(UNREACHABLE) from err
        if result.user.is_disabled:
            raise CredentialsRejected("That Jellyfin account is disabled.")
        return ExternalIdentity(
            user_id=result.user.id,
            name=result.user.name,
            is_admin=result.user.is_admin,
            token=result.access_token,
            server_id=result.server_id,
        )

    async def token_valid(self, token: str, user_id: str, device_id: str) -> bool:
        """A user token works while GET /Users/Me answers; 401 means disabled, deleted or revoked."""
        client = self._client.with_token(token, user_id, device_id=device_id)
        try:
            user = await client.me()
        except JellyfinAuthenticationError:
            return False
        except JellyfinError as err:
            raise ProviderUnavailable(UNREACHABLE) from err
        return not user.is_disabled

    async def sign_out(self, token: str, user_id: str, device_id: str) -> None:
        """POST /Sessions/Logout with a token nobody uses any more; failures are only logged."""
        client = self._client.with_token(token, user_id, device_id=device_id)
        try:
            await client.logout()
        except JellyfinError as err:
            # Left alone, the token is merely an unused device in Jellyfin's list.
            _LOGGER.info("Jellyfin at %s: could not sign out an old token (%s)", client.host, err)
