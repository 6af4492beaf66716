"""Jellyfin as the companion's identity provider: users sign in with their Jellyfin account."""

from __future__ import annotations

from companion.providers import CredentialsRejected, ExternalIdentity, ProviderUnavailable
from integrations.jellyfin.client import JellyfinClient
from integrations.jellyfin.exceptions import (
    JellyfinAuthenticationError,
    JellyfinConnectionError,
    JellyfinError,
    JellyfinResponseError,
)

UNREACHABLE = "Jellyfin is slow or unreachable. Check your Jellyfin instance."


class JellyfinIdentity:
    """Authenticates users by name and password, with a DeviceId of their own."""

    name = "Jellyfin"

    def __init__(self, client: JellyfinClient) -> None:
        self._client = client

    async def authenticate(self, username: str, password: str, device_id: str) -> ExternalIdentity:
        """POST /Users/AuthenticateByName with the user's own DeviceId."""
        # No token yet: AuthenticateByName is anonymous, identified by the device fields.
        client = self._client.with_token("", None, device_id=device_id)
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
