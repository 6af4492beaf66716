"""Setting up and unloading a Jellyfin config entry."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from companion.integration.types import (
    ConfigEntry,
    ConfigEntryAuthFailed,
    ConfigEntryNotReady,
    IntegrationContext,
)
from companion.providers.live import SocketCredential
from integrations.jellyfin.client import JellyfinClient, check_version
from integrations.jellyfin.const import (
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
    JellyfinResponseError,
    JellyfinUnsupportedVersionError,
)
from integrations.jellyfin.identity import JellyfinIdentity
from integrations.jellyfin.library_folders import JellyfinLibraryFolders
from integrations.jellyfin.live import JellyfinLive
from integrations.jellyfin.media import JellyfinMedia
from integrations.jellyfin.mixes import JellyfinMixes
from integrations.jellyfin.play_history import JellyfinPlayHistory
from integrations.jellyfin.playback import JellyfinPlayback
from integrations.jellyfin.playlist_provider import JellyfinPlaylists
from integrations.jellyfin.runtime import JellyfinRuntime, install_device_id

_LOGGER = logging.getLogger(__name__)

API_KEY_REJECTED = "Jellyfin returned 401. Check your API key."
LOGIN_REJECTED = "Jellyfin rejected the stored sign-in. Sign in again in the integration settings."
NO_CREDENTIAL = "No Jellyfin credential: enter an API key or an administrator's sign-in."


async def async_setup_entry(ctx: IntegrationContext, entry: ConfigEntry) -> JellyfinRuntime:
    """Connect with the stored credential and return the runtime the app uses."""
    data = entry.data
    device_id = install_device_id(ctx)
    health = entry.health
    base = JellyfinClient(
        data[CONF_URL],
        session=ctx.session,
        device_id=device_id,
        # Every call's outcome turns the entry unavailable during an outage and back after.
        on_outcome=health.report if health is not None else None,
    )
    api_key = data.get(CONF_API_KEY)
    try:
        login = await _user_login(base, entry)
        if api_key:
            service = base.with_token(api_key, None)
        elif login is not None:
            service = login.client(base)
        else:
            raise ConfigEntryAuthFailed(NO_CREDENTIAL)
        try:
            info = await service.system_info()
        except JellyfinAuthenticationError as err:
            raise ConfigEntryAuthFailed(API_KEY_REJECTED if api_key else LOGIN_REJECTED) from err
        check_version(info)
        user_client = service if not api_key else None
        if api_key and login is not None:
            user_client = await _checked(login.client(service))
    except (JellyfinConnectionError, JellyfinUnsupportedVersionError) as err:
        # An upgrade of Jellyfin fixes the version, so it is retried like an outage.
        raise ConfigEntryNotReady(str(err)) from err
    except JellyfinResponseError as err:
        # Jellyfin answers 5xx while it starts up.
        raise ConfigEntryNotReady(str(err)) from err
    if health is not None:
        # While unavailable, the framework probes the public info until Jellyfin answers.
        health.probe = service.public_info
    # Users sign in to the companion with their Jellyfin account through this provider.
    ctx.providers.identity = JellyfinIdentity(service)
    public_url = data.get(CONF_PUBLIC_URL) or service.base_url
    # The music library, queried with each signed-in user's own token.
    ctx.providers.media = JellyfinMedia(service, public_url)
    # InstantMix (the vibe fallback) and remote control of the user's sessions.
    ctx.providers.mixes = JellyfinMixes(service)
    # The dashboard player's sessions: one Jellyfin device per browser, as the user.
    ctx.providers.playback = JellyfinPlayback(service)
    # Companion playlists pushed to Jellyfin, each edit made as the playlist's owner.
    ctx.providers.playlists = JellyfinPlaylists(service)
    # Play counts, the Playback Reporting plugin's table, marking played (history imports).
    ctx.providers.play_history = JellyfinPlayHistory(service)
    # Add to library: music library folders, file checks and scans of just the new paths.
    ctx.providers.library_folders = JellyfinLibraryFolders(service)
    # Live sockets, each with the credential (token and DeviceId) the core hands it.
    admin_login = (
        SocketCredential(
            user_id=login.user_id,
            token=login.token,
            device_id=login.device_id,
            is_admin=login.is_admin,
        )
        if login is not None
        else None
    )
    ctx.providers.live = JellyfinLive(
        lambda cred: service.with_token(cred.token, cred.user_id, device_id=cred.device_id),
        service,
        admin_login,
    )
    return JellyfinRuntime(
        client=service,
        server_info=info,
        public_url=public_url,
        device_id=device_id,
        has_user_login=user_client is not None,
        user_client=user_client,
        uses_api_key=bool(api_key),
    )


async def async_unload_entry(ctx: IntegrationContext, entry: ConfigEntry) -> None:
    """Withdraw the providers and close the live sockets; the clients share the app's session."""
    if isinstance(ctx.providers.identity, JellyfinIdentity):
        ctx.providers.identity = None
    if isinstance(ctx.providers.media, JellyfinMedia):
        ctx.providers.media = None
    if isinstance(ctx.providers.mixes, JellyfinMixes):
        ctx.providers.mixes = None
    if isinstance(ctx.providers.playlists, JellyfinPlaylists):
        ctx.providers.playlists = None
    if isinstance(ctx.providers.play_history, JellyfinPlayHistory):
        ctx.providers.play_history = None
    if isinstance(ctx.providers.library_folders, JellyfinLibraryFolders):
        ctx.providers.library_folders = None
    if isinstance(ctx.providers.playback, JellyfinPlayback):
        ctx.providers.playback = None
    if isinstance(ctx.providers.live, JellyfinLive):
        live, ctx.providers.live = ctx.providers.live, None
        await live.close()


@dataclass(frozen=True)
class _Login:
    """An administrator's user token, the DeviceId it belongs to, and whether it is an admin."""

    token: str
    user_id: str
    device_id: str
    is_admin: bool

    def client(self, base: JellyfinClient) -> JellyfinClient:
        """A client of this login sharing `base`'s session."""
        return base.with_token(self.token, self.user_id, device_id=self.device_id)


async def _user_login(base: JellyfinClient, entry: ConfigEntry) -> _Login | None:
    """The stored sign-in if Jellyfin accepts it, else a sign-in with the environment's password.

    A stored token Jellyfin rejects (revoked, or the user's password changed) must not leave
    the entry in setup_error while JELLYFIN_USERNAME/PASSWORD could sign in: that fallback is
    what the environment is there for. Without a password the rejected login is returned
    for the caller to report (or, beside an API key, to do without).
    """
    data = entry.data
    token, user_id = data.get(CONF_ACCESS_TOKEN), data.get(CONF_USER_ID)
    username, password = data.get(CONF_USERNAME), data.get(CONF_PASSWORD)
    if token and user_id:
        stored = _Login(token, user_id, data.get(CONF_DEVICE_ID) or base.device_id, False)
        try:
            user = await stored.client(base).me()
        except JellyfinAuthenticationError:
            if not (username and password):
                return stored
            _LOGGER.warning(
                "Jellyfin at %s rejected the stored sign-in; signing in as %s from the environment",
                base.host,
                username,
            )
        else:
            return replace(stored, is_admin=user.is_admin)
    if not (username and password):
        return None
    # Only an environment-provided password gets here (the UI never stores one): sign in now,
    # with the install's DeviceId, which only the running entry uses.
    try:
        auth = await base.authenticate(username, password)
    except JellyfinAuthenticationError as err:
        if data.get(CONF_API_KEY):
            _LOGGER.warning("Jellyfin at %s rejected the sign-in of %s", base.host, username)
            return None
        raise ConfigEntryAuthFailed("Jellyfin rejected that username or password.") from err
    if not auth.user.is_admin:
        _LOGGER.warning(
            "Jellyfin user %s is not an administrator; live events are limited", username
        )
    return _Login(auth.access_token, auth.user.id, base.device_id, auth.user.is_admin)


async def _checked(client: JellyfinClient) -> JellyfinClient | None:
    # The API key is the service credential; a broken user sign-in only costs live events.
    try:
        await client.me()
    except JellyfinConnectionError:
        raise
    except JellyfinError as err:
        _LOGGER.warning("Jellyfin at %s: the stored sign-in does not work (%s)", client.host, err)
        return None
    return client
