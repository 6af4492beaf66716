"""Config flow of the Jellyfin integration: the schema and the connection test."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from companion.integration.types import (
    CannotConnect,
    Field,
    FlowResult,
    IntegrationContext,
    InvalidAuth,
)
from integrations.jellyfin.client import JellyfinClient, check_version
from integrations.jellyfin.const import (
    COLLECTION_MUSIC,
    CONF_ACCESS_TOKEN,
    CONF_API_KEY,
    CONF_DEVICE_ID,
    CONF_PASSWORD,
    CONF_PUBLIC_URL,
    CONF_URL,
    CONF_USER_ID,
    CONF_USERNAME,
)
from integrations.jellyfin.exceptions import (
    JellyfinAuthenticationError,
    JellyfinConnectionError,
    JellyfinError,
    JellyfinForbiddenError,
    JellyfinTLSError,
    JellyfinUnsupportedVersionError,
)
from integrations.jellyfin.models import JellyfinUser, Library
from integrations.jellyfin.runtime import install_device_id

SCHEMA: tuple[Field, ...] = (
    Field(
        CONF_URL,
        "Jellyfin URL",
        type="url",
        help="The address the companion uses, e.g. http://jellyfin:8096 (a base path is kept).",
    ),
    Field(
        CONF_API_KEY,
        "API key",
        type="password",
        required=False,
        help="Dashboard → API Keys. Or sign in with an administrator instead.",
    ),
    Field(CONF_USERNAME, "Administrator username", required=False),
    Field(
        CONF_PASSWORD,
        "Password",
        type="password",
        required=False,
        help="Used once to obtain a token; never stored",
    ),
    Field(
        CONF_PUBLIC_URL,
        "Public Jellyfin URL",
        type="url",
        required=False,
        help="The address browsers and players use for stream and artwork links, "
        "if it differs from the URL above.",
    ),
    # Filled in by a successful sign-in (data_updates), not by people; the token is a secret.
    Field(CONF_ACCESS_TOKEN, "Access token", type="password", required=False, hidden=True),
    Field(CONF_USER_ID, "User id", required=False, hidden=True),
    Field(CONF_DEVICE_ID, "Device id", required=False, hidden=True),
)

UNREACHABLE = "Could not reach Jellyfin. Check the URL and that Jellyfin is running."
NOT_JELLYFIN = "That URL did not answer like a Jellyfin server."
NO_CREDENTIALS = "Enter an API key, or an administrator's username and password."
BAD_LOGIN = "Jellyfin rejected that username or password."
NOT_ADMIN = "That Jellyfin user is not an administrator."
STALE_LOGIN = "Jellyfin rejected the stored sign-in. Enter the password again."


@contextmanager
def _reachable() -> Iterator[None]:
    try:
        yield
    except JellyfinTLSError as err:
        raise CannotConnect(
            f"{err} Check the certificate, or use http:// on a trusted network."
        ) from err
    except JellyfinConnectionError as err:
        raise CannotConnect(UNREACHABLE) from err


def fresh_device_id() -> str:
    """A DeviceId for one connection test's sign-in, shared with nothing else.

    Jellyfin logs out a user's older tokens of the same DeviceId on every sign-in: a test
    signing in with the install's DeviceId revoked the token the running entry used.
    """
    return secrets.token_hex(16)


async def test_connection(ctx: IntegrationContext, data: dict[str, Any]) -> FlowResult:
    """Check the server, the credentials and the libraries; never keep the password.

    A sign-in gets a DeviceId of its own; its token comes back in `data_updates` (with that
    DeviceId) for a new entry to store, and `release` signs it out when nobody keeps it.
    """
    client = JellyfinClient(data[CONF_URL], session=ctx.session, device_id=fresh_device_id())
    with _reachable():
        try:
            public = await client.public_info()
        except JellyfinConnectionError:
            raise
        except JellyfinError as err:
            # 404, HTML, JSON without Version/ProductName, or a proxy asking for auth.
            raise CannotConnect(NOT_JELLYFIN) from err
    try:
        check_version(public)
    except JellyfinUnsupportedVersionError as err:
        raise CannotConnect(str(err)) from err

    # A stored token goes with the DeviceId it was issued to (older entries: the install's).
    stored_device = data.get(CONF_DEVICE_ID) or install_device_id(ctx)
    service, updates, signed_in = await _check_credentials(client, data, stored_device)
    release = signed_in.logout if signed_in is not None else None
    warnings: tuple[str, ...] = ()
    try:
        with _reachable():
            try:
                libraries = await service.virtual_folders()
            except JellyfinConnectionError:
                raise
            except JellyfinError as err:
                warnings = (f"Could not list the Jellyfin libraries ({err}).",)
            else:
                warnings = _library_warnings(libraries)
    except Exception:
        await _release(signed_in)
        raise
    return FlowResult(
        ok=True,
        title=f"Jellyfin {public.name}",
        warnings=warnings,
        data_updates=updates,
        release=release,
    )


async def _release(signed_in: JellyfinClient | None) -> None:
    # A failed test keeps nothing: sign its token out (an unused device otherwise).
    if signed_in is None:
        return
    with contextlib.suppress(JellyfinError):
        await signed_in.logout()


async def _check_credentials(
    client: JellyfinClient, data: Mapping[str, Any], stored_device: str
) -> tuple[JellyfinClient, dict[str, Any], JellyfinClient | None]:
    """The service client, the entry updates, and the client of a new sign-in (to release)."""
    # The password is dropped from what gets stored whatever happens next.
    updates: dict[str, Any] = {CONF_PASSWORD: None}
    service: JellyfinClient | None = None
    api_key = data.get(CONF_API_KEY)
    if api_key:
        keyed = client.with_token(api_key, None)
        with _reachable():
            try:
                await keyed.system_info()
            except JellyfinAuthenticationError as err:
                raise InvalidAuth(f"Jellyfin returned {err.status}. Check your API key.") from err
        service = keyed
    signed_in: JellyfinClient | None = None
    if data.get(CONF_USERNAME) or data.get(CONF_ACCESS_TOKEN):
        user_client, user, signed_in = await _user_login(client, data, stored_device)
        if not user.is_admin:
            await _release(signed_in)
            raise InvalidAuth(NOT_ADMIN)
        updates |= {
            CONF_ACCESS_TOKEN: user_client.socket_token(),
            CONF_USER_ID: user.id,
            CONF_DEVICE_ID: user_client.device_id,
        }
        service = service or user_client
    if service is None:
        raise InvalidAuth(NO_CREDENTIALS)
    return service, updates, signed_in


async def _user_login(
    client: JellyfinClient, data: Mapping[str, Any], stored_device: str
) -> tuple[JellyfinClient, JellyfinUser, JellyfinClient | None]:
    """The user's client and user; the third value is that client when it signed in anew."""
    token, password = data.get(CONF_ACCESS_TOKEN), data.get(CONF_PASSWORD)
    with _reachable():
        if token and not password:
            # Re-testing a stored entry: check its token (with the DeviceId it was issued to)
            # instead of signing in again.
            user_client = client.with_token(token, data.get(CONF_USER_ID), device_id=stored_device)
            try:
                user = await user_client.me()
            except JellyfinAuthenticationError as err:
                raise InvalidAuth(STALE_LOGIN) from err
            return user_client, user, None
        try:
            auth = await client.authenticate(data.get(CONF_USERNAME) or "", password or "")
        except JellyfinForbiddenError as err:
            raise InvalidAuth(
                "Jellyfin refused to sign in that user (disabled, or too many sessions)."
            ) from err
        except JellyfinAuthenticationError as err:
            raise InvalidAuth(BAD_LOGIN) from err
    user_client = client.with_token(auth.access_token, auth.user.id)
    return user_client, auth.user, user_client


def _library_warnings(libraries: list[Library]) -> tuple[str, ...]:
    if any(lib.collection_type == COLLECTION_MUSIC for lib in libraries):
        return ()
    if not libraries:
        return ("No music library found. Jellyfin has no libraries yet.",)
    names = ", ".join(lib.name for lib in libraries)
    return (f"No music library found. Jellyfin has: {names}.",)
