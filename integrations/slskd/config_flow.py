"""Config flow of the slskd integration: URL, API key and its download folder, tested first."""

from __future__ import annotations

from typing import Any

from companion.integration.types import (
    CannotConnect,
    Field,
    FlowResult,
    IntegrationContext,
    InvalidAuth,
)
from integrations.slskd.client import SlskdClient
from integrations.slskd.const import DEFAULT_DOWNLOADS_DIR, DEFAULT_URL
from integrations.slskd.exceptions import (
    SlskdAuthenticationError,
    SlskdConnectionError,
    SlskdError,
    SlskdNotFoundError,
    SlskdResponseError,
)

SCHEMA = (
    Field("url", "URL", type="url", default=DEFAULT_URL, help="slskd's web address"),
    Field(
        "api_key",
        "API key",
        type="password",
        help="A key from slskd.yml (web.authentication.api_keys, role readwrite) or "
        "SLSKD_API_KEY; 16 to 255 characters.",
    ),
    Field(
        "downloads_dir",
        "Download folder (as slskd sees it)",
        default=DEFAULT_DOWNLOADS_DIR,
        help="slskd's directories.downloads (SLSKD_DOWNLOADS_DIR); /app/downloads in its image.",
    ),
)

UNREACHABLE = "Could not reach slskd. Check the URL and that slskd is running."
REJECTED = (
    "slskd returned 401. Check your API key (slskd.yml web.authentication.api_keys, "
    "role readwrite)."
)
NOT_SLSKD = "That URL did not answer like slskd (no /api/v0/application). Check the URL."


async def test_connection(ctx: IntegrationContext, data: dict[str, Any]) -> FlowResult:
    """Read /application (the key works, the Soulseek connection), then the download folder."""
    client = SlskdClient(data["url"], data["api_key"], session=ctx.session)
    try:
        app = await client.application()
    except SlskdAuthenticationError as err:
        raise InvalidAuth(REJECTED) from err
    except SlskdConnectionError as err:
        raise CannotConnect(UNREACHABLE) from err
    except (SlskdNotFoundError, SlskdResponseError) as err:
        raise CannotConnect(NOT_SLSKD) from err
    except SlskdError as err:
        raise CannotConnect(f"slskd answered an error: {err}") from err
    warnings: list[str] = []
    if not app.logged_in:
        warnings.append(
            f"slskd is not logged in to the Soulseek network ({app.server_state or 'disconnected'}); "
            "downloads wait until it is."
        )
    wanted = str(data.get("downloads_dir") or DEFAULT_DOWNLOADS_DIR).rstrip("/")
    try:
        listing = await client.downloads_listing()
    except SlskdError:
        listing = None
    if listing is not None and listing.path and listing.path.rstrip("/") != wanted:
        warnings.append(
            f"slskd says its download folder is {listing.path}, not {wanted}: "
            "enter the folder slskd reports."
        )
    title = f"slskd {app.version}" if app.version else "slskd"
    return FlowResult(ok=True, title=title, warnings=tuple(warnings))
