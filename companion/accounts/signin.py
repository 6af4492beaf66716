"""Signing in with Jellyfin credentials, and signing out users Jellyfin no longer accepts."""

from __future__ import annotations

import logging
import secrets
import time
from datetime import UTC, datetime

from companion.accounts.auth import AuthService, Principal
from companion.accounts.models import User
from companion.crypto import SecretBox
from companion.errors import CompanionError, ServiceUnavailable, Unauthorized
from companion.events import Event, EventBus
from companion.providers import (
    CredentialsRejected,
    IdentityProvider,
    Providers,
    ProviderUnavailable,
)

_LOGGER = logging.getLogger(__name__)

# How long a user's Jellyfin token is trusted before it is checked again.
TOKEN_CHECK_SECONDS = 300.0
SIGNED_OUT_MESSAGE = (
    "Your Jellyfin account was disabled or removed, or its sign-in was revoked. Sign in again."
)


class SignInService:
    """Turns Jellyfin credentials into a companion session; never stores a password."""

    def __init__(
        self,
        providers: Providers,
        auth: AuthService,
        secret_box: SecretBox,
        bus: EventBus | None = None,
    ) -> None:
        self._bus = bus
        self._providers = providers
        self._auth = auth
        self._box = secret_box
        self._checked: dict[int, float] = {}

    @staticmethod
    def new_device_id() -> str:
        """A DeviceId for one sign-in attempt (32 hex), never used by any other attempt.

        Jellyfin revokes the older tokens of a user's device when that user signs in again
        with the same DeviceId, and it finishes a sign-in even after the caller gave up
        waiting. With one fixed DeviceId per user, a sign-in that timed out (or failed after
        Jellyfin answered, or ran beside another) killed the token every other session of
        that user relied on. A fresh id per attempt cannot revoke anything; the stored token
        is replaced only once an attempt succeeded, and the token it replaces is then signed
        out, so Jellyfin still lists one companion device per user.
        """
        return secrets.token_hex(16)

    def _provider(self) -> IdentityProvider:
        provider = self._providers.identity
        if provider is None:
            raise CompanionError(
                "Jellyfin is not configured yet. Finish setup with the setup token from the log first.",
                code="jellyfin_not_configured",
                status=409,
            )
        return provider

    async def sign_in(self, username: str, password: str, user_agent: str = "") -> tuple[User, str]:
        """Authenticate against Jellyfin, create or update the user, and start a session."""
        provider = self._provider()
        device_id = self.new_device_id()
        try:
            identity = await provider.authenticate(username, password, device_id)
        except CredentialsRejected as err:
            raise Unauthorized(
                str(err) or "Wrong username or password.", code="invalid_credentials"
            ) from None
        except ProviderUnavailable:
            raise ServiceUnavailable(code="jellyfin_unreachable") from None
        user = await User.get_or_none(jellyfin_id=identity.user_id)
        if user is None:
            user = User(jellyfin_id=identity.user_id)
        replaced = self._stored_token(user)
        user.name = identity.name
        user.is_admin = identity.is_admin
        user.is_active = True
        user.jellyfin_token = self._box.encrypt(identity.token)
        user.device_id = device_id
        user.last_login_at = datetime.now(UTC)
        await user.save()
        if identity.is_admin:
            # The first administrator's sign-in closes the setup-token door for good.
            self._auth.admin_created()
            await self._auth.ensure_setup_token()
        self._checked[user.id] = time.monotonic()
        if replaced is not None and replaced[0] != identity.token:
            # Stored first, signed out second: nothing reads the old token any more.
            await provider.sign_out(replaced[0], identity.user_id, replaced[1])
        cookie = await self._auth.create_session(user, user_agent)
        if self._bus is not None:
            # The live service opens this user's socket for their favorites.
            self._bus.publish(
                Event("user.signed_in", {"name": user.name}, user_id=identity.user_id)
            )
        _LOGGER.info(
            "%s signed in%s", identity.name, " (administrator)" if identity.is_admin else ""
        )
        return user, cookie

    def _stored_token(self, user: User) -> tuple[str, str] | None:
        # The token and DeviceId a new sign-in replaces, if there is a readable one.
        if user.jellyfin_token is None or not user.device_id:
            return None
        try:
            return self._box.decrypt(user.jellyfin_token), user.device_id
        except ValueError:
            return None

    async def ensure_still_valid(self, principal: Principal) -> None:
        """Sign out a user whose Jellyfin token now fails; checked at most every few minutes."""
        if principal.user_id is None or principal.kind == "setup":
            return
        now = time.monotonic()
        if now - self._checked.get(principal.user_id, 0.0) < TOKEN_CHECK_SECONDS:
            return
        provider = self._providers.identity
        user = await User.get_or_none(id=principal.user_id)
        if provider is None or user is None or not user.jellyfin_token or not user.jellyfin_id:
            return
        try:
            token = self._box.decrypt(user.jellyfin_token)
            valid = await provider.token_valid(token, user.jellyfin_id, user.device_id or "")
        except ProviderUnavailable:
            # Jellyfin being down is not the user's fault: keep them signed in.
            return
        except ValueError:
            valid = False
        self._checked[principal.user_id] = now
        if not valid:
            user.is_active = False
            await user.save(update_fields=["is_active"])
            await self._auth.end_user_sessions(user.id)
            _LOGGER.warning("Signed %s out: Jellyfin no longer accepts their token", user.name)
            raise Unauthorized(SIGNED_OUT_MESSAGE, code="signed_out")
