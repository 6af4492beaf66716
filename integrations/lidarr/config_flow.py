"""Config flow of the Lidarr integration: URL and API key, tested before saving."""

from __future__ import annotations

from typing import Any

from companion.integration.types import (
    CannotConnect,
    Field,
    FlowResult,
    IntegrationContext,
    InvalidAuth,
)
from integrations.lidarr.client import LidarrClient
from integrations.lidarr.const import DEFAULT_URL
from integrations.lidarr.exceptions import (
    LidarrAuthenticationError,
    LidarrConnectionError,
    LidarrError,
    LidarrNotFoundError,
    LidarrResponseError,
)

SCHEMA = (
    Field(
        "url", "URL", type="url", default=DEFAULT_URL, help="Lidarr's address, with its URL base"
    ),
    Field(
        "api_key",
        "API key",
        type="password",
        help="Lidarr → Settings → General → Security → API Key.",
    ),
)

UNREACHABLE = "Could not reach Lidarr. Check the URL and that Lidarr is running."
REJECTED = "Lidarr returned 401. Check your API key."
NOT_LIDARR = (
    "That URL did not answer like Lidarr (no /api/v1/system/status). Check the URL, including "
    "Lidarr's URL base if it has one."
)
NO_ROOT_FOLDER = (
    "Lidarr has no root folder yet: add your music library folder in Lidarr → Settings → "
    "Media Management → Root Folders, then pick it on the Downloads page."
)


async def test_connection(ctx: IntegrationContext, data: dict[str, Any]) -> FlowResult:
    """Read /system/status (that it is Lidarr, and that the key works), then its root folders."""
    client = LidarrClient(data["url"], data["api_key"], session=ctx.session)
    try:
        status = await client.status()
        folders = await client.root_folders()
    except LidarrAuthenticationError as err:
        raise InvalidAuth(REJECTED) from err
    except LidarrConnectionError as err:
        raise CannotConnect(UNREACHABLE) from err
    except (LidarrNotFoundError, LidarrResponseError) as err:
        raise CannotConnect(NOT_LIDARR) from err
    except LidarrError as err:
        raise CannotConnect(f"Lidarr answered an error: {err}") from err
    if status.app_name and status.app_name.lower() != "lidarr":
        raise CannotConnect(f"That URL is {status.app_name}, not Lidarr.")
    warnings: list[str] = []
    if not folders:
        warnings.append(NO_ROOT_FOLDER)
    elif not any(f.accessible for f in folders):
        warnings.append("Lidarr reports none of its root folders as accessible.")
    title = f"Lidarr {status.version}" if status.version else "Lidarr"
    return FlowResult(ok=True, title=title, warnings=tuple(warnings))
