"""Navidrome as the identity provider: users sign in with their Navidrome name and password."""

from __future__ import annotations

from companion.providers import CredentialsRejected, ExternalIdentity, ProviderUnavailable
from integrations.navidrome.client import Login, SubsonicClient
from integrations.navidrome.exceptions import (
    NavidromeAuthError,
    NavidromeError,
    NavidromeNotAuthorized,
)
from integrations.navidrome.ids import user_id

UNREACHABLE = "Navidrome is slow or unreachable. Check your Navidrome server."


class NavidromeIdentity:
    """Checks a login with getUser (which also tells whether the user is an admin).

    Subsonic auth is a salted token of the password on every call, so the "token" the companion
    keeps (encrypted at rest) is the login itself.
    """

    name = "Navidrome"

    def __init__(self, client: SubsonicClient, server_id: str) -> None:
        self._client = client
        self._server_id = server_id

    async def authenticate(self, username: str, password: str, device_id: str) -> ExternalIdentity:
        """getUser as that user; error 40 means a wrong name or password."""
        login = Login(username, password)
        try:
            body = await self._client.as_user(login).call("getUser", [("username", username)])
        except NavidromeAuthError as err:
            raise CredentialsRejected("Wrong username or password.") from err
        except NavidromeNotAuthorized as err:
            raise CredentialsRejected("Navidrome refused that account.") from err
        except NavidromeError as err:
            raise ProviderUnavailable(UNREACHABLE) from err
        user = body.get("user") or {}
        # Navidrome matches names case-insensitively; keep its spelling.
        name = str(user.get("username") or username)
        return ExternalIdentity(
            user_id=user_id(name),
            name=name,
            is_admin=bool(user.get("adminRole")),
            token=Login(name, password).pack(),
            server_id=self._server_id,
        )

    async def token_valid(self, token: str, user_id: str, device_id: str) -> bool:
        """The stored login still works while ping answers ok (a changed password: False)."""
        try:
            login = Login.unpack(token)
        except ValueError:
            return False
        try:
            await self._client.as_user(login).ping()
        except NavidromeAuthError:
            return False
        except NavidromeError as err:
            raise ProviderUnavailable(UNREACHABLE) from err
        return True

    async def sign_out(self, token: str, user_id: str, device_id: str) -> None:
        """Nothing to revoke: a Subsonic login is the password itself, sent as a salted token."""
        return None
