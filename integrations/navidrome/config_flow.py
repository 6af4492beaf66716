"""Config flow of the Navidrome integration: the schema and the connection test."""

from __future__ import annotations

from typing import Any

from companion.integration.types import (
    CannotConnect,
    Field,
    FlowResult,
    IntegrationContext,
    InvalidAuth,
)
from integrations.navidrome.client import Login, ServerInfo, SubsonicClient, check_version
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

SCHEMA: tuple[Field, ...] = (
    Field(
        CONF_URL,
        "Navidrome URL",
        type="url",
        help="The address the companion uses, e.g. http://navidrome:4533 (a base path is kept).",
    ),
    Field(
        CONF_USERNAME,
        "Username",
        help="An administrator sees scans and can start them; any user works otherwise.",
    ),
    Field(
        CONF_PASSWORD,
        "Password",
        type="password",
        help="Stored encrypted: Subsonic signs every call with a salted token of it.",
    ),
    Field(
        CONF_PUBLIC_URL,
        "Public Navidrome URL",
        type="url",
        required=False,
        help="The address players use for stream links, if it differs from the URL above.",
    ),
    Field(
        CONF_POLL_INTERVAL,
        "Poll interval (seconds)",
        type="integer",
        required=False,
        default=DEFAULT_POLL_SECONDS,
        minimum=MIN_POLL_SECONDS,
        maximum=3600,
        help="Navidrome pushes no events: scans, new albums, stars and now-playing are "
        "read this often.",
    ),
)

UNREACHABLE = "Could not reach Navidrome. Check the URL and that Navidrome is running."
NOT_SUBSONIC = "That URL did not answer like a Subsonic server (is it Navidrome's address?)."
BAD_LOGIN = "Navidrome rejected that username or password."


async def connect(
    ctx: IntegrationContext, data: dict[str, Any]
) -> tuple[SubsonicClient, ServerInfo, bool]:
    """Ping and getUser as the configured login; specific errors for each way it fails."""
    login = Login(str(data.get(CONF_USERNAME) or ""), str(data.get(CONF_PASSWORD) or ""))
    client = SubsonicClient(str(data[CONF_URL]), login, session=ctx.session)
    try:
        info = await client.ping()
        check_version(info)
        user = await client.call("getUser", [("username", login.username)])
    except NavidromeConnectionError as err:
        raise CannotConnect(UNREACHABLE) from err
    except NotSubsonicError as err:
        raise CannotConnect(NOT_SUBSONIC) from err
    except NavidromeAuthError as err:
        raise InvalidAuth(BAD_LOGIN) from err
    except NavidromeVersionError as err:
        raise CannotConnect(str(err)) from err
    except NavidromeError as err:
        raise CannotConnect(f"Navidrome answered with an error: {err}") from err
    is_admin = bool((user.get("user") or {}).get("adminRole"))
    return client, info, is_admin


async def test_connection(ctx: IntegrationContext, data: dict[str, Any]) -> FlowResult:
    """Check the server is Navidrome ≥ 0.55 and the login works; warn about a non-admin."""
    _, info, is_admin = await connect(ctx, data)
    warnings: tuple[str, ...] = ()
    if not is_admin:
        warnings = ("Not an administrator: the companion cannot start scans.",)
    return FlowResult(ok=True, title=f"Navidrome {info.server_version}", warnings=warnings)
