"""Setting up and unloading a Navidrome config entry."""

from __future__ import annotations

from companion.integration.types import (
    ConfigEntry,
    ConfigEntryAuthFailed,
    ConfigEntryNotReady,
    IntegrationContext,
)
from companion.media import use_ref_scheme
from companion.providers.live import SocketCredential
from integrations.navidrome.client import Login, SubsonicClient, check_version
from integrations.navidrome.const import (
    CONF_PASSWORD,
    CONF_POLL_INTERVAL,
    CONF_PUBLIC_URL,
    CONF_URL,
    CONF_USERNAME,
    DEFAULT_POLL_SECONDS,
    MIN_POLL_SECONDS,
)
from integrations.navidrome.exceptions import (
    NavidromeAuthError,
    NavidromeConnectionError,
    NavidromeError,
    NavidromeVersionError,
    NotSubsonicError,
)
from integrations.navidrome.identity import NavidromeIdentity
from integrations.navidrome.ids import user_id
from integrations.navidrome.live import NavidromeLive
from integrations.navidrome.media import NavidromeMedia
from integrations.navidrome.playlist_provider import NavidromePlaylists
from integrations.navidrome.runtime import NavidromeRuntime

LOGIN_REJECTED = "Navidrome rejected the stored username or password. Enter them again."


async def async_setup_entry(ctx: IntegrationContext, entry: ConfigEntry) -> NavidromeRuntime:
    """Connect as the configured login and fill in the providers."""
    data = entry.data
    health = entry.health
    login = Login(str(data.get(CONF_USERNAME) or ""), str(data.get(CONF_PASSWORD) or ""))
    client = SubsonicClient(
        str(data[CONF_URL]),
        login,
        session=ctx.session,
        on_outcome=health.report if health is not None else None,
    )
    try:
        info = await client.ping()
        check_version(info)
        user = await client.call("getUser", [("username", login.username)])
    except NavidromeAuthError as err:
        raise ConfigEntryAuthFailed(LOGIN_REJECTED) from err
    except (NavidromeConnectionError, NotSubsonicError, NavidromeVersionError) as err:
        # An upgrade fixes the version, a restart the outage: both are retried.
        raise ConfigEntryNotReady(str(err)) from err
    except NavidromeError as err:
        raise ConfigEntryNotReady(str(err)) from err
    if health is not None:
        health.probe = client.ping
    is_admin = bool((user.get("user") or {}).get("adminRole"))
    public_url = str(data.get(CONF_PUBLIC_URL) or client.base_url)
    interval = max(MIN_POLL_SECONDS, int(data.get(CONF_POLL_INTERVAL) or DEFAULT_POLL_SECONDS))
    # Refs now name Navidrome items (their ids in hex form).
    use_ref_scheme("navidrome")
    ctx.providers.identity = NavidromeIdentity(client, server_id=client.host)
    ctx.providers.media = NavidromeMedia(client, public_url)
    ctx.providers.playlists = NavidromePlaylists(client)
    live = NavidromeLive(
        client,
        SocketCredential(
            user_id=user_id(login.username), token=login.pack(), device_id="", is_admin=is_admin
        ),
        interval=interval,
    )
    ctx.providers.live = live
    return NavidromeRuntime(
        client=client, server_info=info, public_url=public_url, is_admin=is_admin, live=live
    )


async def async_unload_entry(ctx: IntegrationContext, entry: ConfigEntry) -> None:
    """Withdraw the providers and stop the pollers."""
    if isinstance(ctx.providers.identity, NavidromeIdentity):
        ctx.providers.identity = None
    if isinstance(ctx.providers.media, NavidromeMedia):
        ctx.providers.media = None
    if isinstance(ctx.providers.playlists, NavidromePlaylists):
        ctx.providers.playlists = None
    if isinstance(ctx.providers.live, NavidromeLive):
        live, ctx.providers.live = ctx.providers.live, None
        await live.close()
    use_ref_scheme("jellyfin")
