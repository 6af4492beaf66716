"""Config flow of the Deezer integration: nothing to ask (public API); the URL is for testing."""

from __future__ import annotations

from typing import Any

from companion.integration.types import CannotConnect, Field, FlowResult, IntegrationContext
from integrations.deezer.client import DeezerClient
from integrations.deezer.const import DEFAULT_URL
from integrations.deezer.exceptions import DeezerConnectionError, DeezerError

SCHEMA = (
    Field(
        "url",
        "API URL",
        type="url",
        required=False,
        default=DEFAULT_URL,
        help="Deezer's public API; change it only to point at a test server.",
    ),
)


async def test_connection(ctx: IntegrationContext, data: dict[str, Any]) -> FlowResult:
    """Ask Deezer's /infos (no key needed)."""
    client = DeezerClient(data.get("url") or DEFAULT_URL, session=ctx.session)
    try:
        await client.infos()
    except DeezerConnectionError as err:
        raise CannotConnect("Could not reach Deezer. Check the network.") from err
    except DeezerError as err:
        raise CannotConnect(f"Deezer answered an error: {err}") from err
    return FlowResult(ok=True, title="Deezer")
