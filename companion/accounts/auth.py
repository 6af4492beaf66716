"""Users' sessions, API tokens and the first-start setup token."""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from companion import const
from companion.accounts.models import ApiToken, Setting, User, UserSession
from companion.crypto import SecretBox, hash_token, new_token
from companion.errors import NotFound
from companion.names import clean_name

_LOGGER = logging.getLogger(__name__)

SETUP_TOKEN_KEY = "setup_token"
SETUP_COOKIE_PREFIX = "setup."
# Refresh a token's last_used_at at most this often, so a busy script does not write per call.
_LAST_USED_RESOLUTION = timedelta(minutes=1)
# Resolved cookies and tokens are remembered this long; sign-outs and revocations clear it.
PRINCIPAL_CACHE_SECONDS = 10.0
_PRINCIPAL_CACHE_MAX = 10_000


@dataclass(frozen=True)
class Principal:
    """Who is making a request."""

    kind: Literal["session", "token", "setup"]
    user_id: int | None
    name: str
    is_admin: bool
    jellyfin_id: str | None = None
    token_id: int | None = None
    # The user's Jellyfin token as stored (Fernet ciphertext) and DeviceId, so a request that
    # talks to Jellyfin as the user needs no second database read.
    jellyfin_token: str | None = field(default=None, repr=False)
    device_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the API shape of the principal."""
        return {
            "kind": self.kind,
            "id": self.user_id,
            "name": self.name,
            "jellyfin_id": self.jellyfin_id,
            "is_admin": self.is_admin,
        }


def principal_for(
    user: User, kind: Literal["session", "token"] = "session", token_id: int | None = None
) -> Principal:
    """Build the principal of a user row."""
    return Principal(
        kind=kind,
        user_id=user.id,
        name=user.name,
        is_admin=user.is_admin,
        jellyfin_id=user.jellyfin_id,
        token_id=token_id,
        jellyfin_token=user.jellyfin_token,
        device_id=user.device_id,
    )


class AuthService:
    """Issues and checks session cookies, API tokens and the setup token."""

    def __init__(self, secret_box: SecretBox) -> None:
        self._box = secret_box
        self._admin_exists: bool | None = None
        self._principals: dict[str, tuple[float, Principal]] = {}

    def _cached(self, credential: str) -> Principal | None:
        hit = self._principals.get(credential)
        if hit is None:
            return None
        if hit[0] < time.monotonic():
            del self._principals[credential]
            return None
        return hit[1]

    def _remember(self, credential: str, principal: Principal) -> Principal:
        if len(self._principals) >= _PRINCIPAL_CACHE_MAX:
            self._principals.clear()
        self._principals[credential] = (time.monotonic() + PRINCIPAL_CACHE_SECONDS, principal)
        return principal

    def forget_principals(self) -> None:
        """Drop every remembered cookie and token (after a sign-out or revocation)."""
        self._principals.clear()

    # -- setup token -------------------------------------------------------------------------

    async def admin_exists(self) -> bool:
        """Tell whether any active administrator exists (then setup is over)."""
        if not self._admin_exists:
            self._admin_exists = await User.filter(is_admin=True, is_active=True).exists()
        return self._admin_exists

    def admin_created(self) -> None:
        """Forget the cached answer after an admin signed in for the first time."""
        self._admin_exists = True

    async def ensure_setup_token(self) -> str | None:
        """Return the setup token while setup is open (created once, stored encrypted)."""
        if await self.admin_exists():
            await Setting.filter(key=SETUP_TOKEN_KEY).delete()
            return None
        row = await Setting.get_or_none(key=SETUP_TOKEN_KEY)
        if row is not None and isinstance(row.value, dict) and "encrypted" in row.value:
            try:
                return self._box.decrypt(str(row.value["encrypted"]))
            except ValueError:
                _LOGGER.warning(
                    "The stored setup token was made with another key; issuing a new one"
                )
        token = new_token(18)
        await Setting.update_or_create(
            key=SETUP_TOKEN_KEY, defaults={"value": {"encrypted": self._box.encrypt(token)}}
        )
        return token

    async def check_setup_token(self, candidate: str) -> bool:
        """Compare a candidate with the setup token in constant time (False once setup is over)."""
        token = await self.ensure_setup_token()
        return token is not None and secrets.compare_digest(token.encode(), candidate.encode())

    def setup_cookie(self) -> str:
        """Return a signed cookie value proving the setup token was given (valid 12 h)."""
        expires = int(time.time()) + 12 * 3600
        payload = f"{SETUP_COOKIE_PREFIX}{expires}"
        return f"{payload}.{self._box.sign(payload)}"

    async def _resolve_setup_cookie(self, value: str) -> Principal | None:
        payload, _, signature = value.rpartition(".")
        if not self._box.verify(payload, signature):
            return None
        try:
            expires = int(payload.removeprefix(SETUP_COOKIE_PREFIX))
        except ValueError:
            return None
        if expires < time.time() or await self.admin_exists():
            return None
        return Principal(kind="setup", user_id=None, name="setup", is_admin=True)

    # -- sessions ----------------------------------------------------------------------------

    async def create_session(self, user: User, user_agent: str = "") -> str:
        """Start a session for user; return the signed cookie value."""
        session_id = new_token(32)
        await UserSession.create(
            token_hash=hash_token(session_id),
            user=user,
            expires_at=datetime.now(UTC) + timedelta(seconds=const.SESSION_TTL_SECONDS),
            user_agent=user_agent[:255],
        )
        return f"{session_id}.{self._box.sign(session_id)}"

    async def resolve_cookie(self, value: str) -> Principal | None:
        """Return the principal of a session or setup cookie, or None."""
        if value.startswith(SETUP_COOKIE_PREFIX):
            return await self._resolve_setup_cookie(value)
        session_id, _, signature = value.rpartition(".")
        # Check the signature before touching the database: forged cookies cost nothing.
        if not session_id or not self._box.verify(session_id, signature):
            return None
        session = await UserSession.get_or_none(token_hash=hash_token(session_id)).select_related(
            "user"
        )
        if session is None or session.expires_at < datetime.now(UTC) or not session.user.is_active:
            return None
        return principal_for(session.user, "session")

    async def end_session(self, value: str) -> None:
        """Delete the session behind a cookie value (logout)."""
        self.forget_principals()
        session_id, _, _ = value.rpartition(".")
        if session_id:
            await UserSession.filter(token_hash=hash_token(session_id)).delete()

    async def end_user_sessions(self, user_id: int) -> None:
        """Sign a user out everywhere."""
        self.forget_principals()
        await UserSession.filter(user_id=user_id).delete()

    # -- API tokens --------------------------------------------------------------------------

    async def issue_token(self, user_id: int, name: str) -> tuple[ApiToken, str]:
        """Create an API token; the plaintext is returned once and never stored."""
        name = clean_name(name, max_len=100)
        plaintext = const.API_TOKEN_PREFIX + new_token(32)
        token = await ApiToken.create(
            user_id=user_id,
            name=name,
            token_hash=hash_token(plaintext),
            prefix=plaintext[:10],
        )
        return token, plaintext

    async def list_tokens(self, user_id: int) -> list[ApiToken]:
        """List a user's live tokens (never their secret)."""
        return await ApiToken.filter(user_id=user_id, revoked_at=None).order_by("id")

    async def revoke_token(self, user_id: int, token_id: int, *, is_admin: bool = False) -> None:
        """Revoke a token of the user (admins may revoke anyone's)."""
        query = ApiToken.filter(id=token_id, revoked_at=None)
        if not is_admin:
            query = query.filter(user_id=user_id)
        updated = await query.update(revoked_at=datetime.now(UTC))
        self.forget_principals()
        if not updated:
            raise NotFound("No such API token.")

    async def resolve_token(self, plaintext: str) -> Principal | None:
        """Return the principal of an API token or the setup token, or None."""
        if not plaintext.startswith(const.API_TOKEN_PREFIX):
            if not await self.admin_exists() and await self.check_setup_token(plaintext):
                return Principal(kind="setup", user_id=None, name="setup", is_admin=True)
            return None
        token = await ApiToken.get_or_none(
            token_hash=hash_token(plaintext), revoked_at=None
        ).select_related("user")
        if token is None or not token.user.is_active:
            return None
        now = datetime.now(UTC)
        if token.last_used_at is None or now - token.last_used_at > _LAST_USED_RESOLUTION:
            await ApiToken.filter(id=token.id).update(last_used_at=now)
        return self._remember(plaintext, principal_for(token.user, "token", token.id))
