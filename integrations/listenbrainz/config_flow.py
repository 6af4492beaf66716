"""Config flow of the ListenBrainz integration: the server's URL, tested before saving.

Users link their own accounts with their user token afterwards (per user, encrypted)."""

from __future__ import annotations

from typing import Any

from companion.integration.types import CannotConnect, Field, FlowResult, IntegrationContext
from integrations.listenbrainz.client import ListenBrainzClient
from integrations.listenbrainz.const import DEFAULT_URL, PROBE_TOKEN
from integrations.listenbrainz.exceptions import (
    ListenBrainzConnectionError,
    ListenBrainzError,
    ListenBrainzRateLimitError,
)

SCHEMA = (
    Field(
        "url",
        "API URL",
        type="url",
        default=DEFAULT_URL,
        help="https://api.listenbrainz.org, or your own ListenBrainz server's API root.",
    ),
)

UNREACHABLE = "Could not reach ListenBrainz. Check the URL and your network."
NOT_LISTENBRAINZ = "That URL did not answer like the ListenBrainz API."


async def test_connection(ctx: IntegrationContext, data: dict[str, Any]) -> FlowResult:
    """Ask /1/validate-token about a token nobody has: ListenBrainz answers valid=false."""
    client = ListenBrainzClient(data["url"], session=ctx.session)
    try:
        await client.validate_token(PROBE_TOKEN)
    except ListenBrainzRateLimitError:
        # A rate limit is an answer from ListenBrainz itself.
        pass
    except ListenBrainzConnectionError as err:
        raise CannotConnect(UNREACHABLE) from err
    except ListenBrainzError as err:
        raise CannotConnect(NOT_LISTENBRAINZ) from err
    return FlowResult(ok=True, title="ListenBrainz")
