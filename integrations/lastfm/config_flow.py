"""Config flow of the Last.fm integration: the install's API account, tested before saving.

Create one at last.fm/api/account/create. Users link their own Last.fm accounts afterwards
(the session key is kept per user, encrypted; their password is used once, never stored)."""

from __future__ import annotations

from typing import Any

from companion.integration.types import (
    CannotConnect,
    Field,
    FlowResult,
    IntegrationContext,
    InvalidAuth,
)
from integrations.lastfm.client import LastFmClient
from integrations.lastfm.const import DEFAULT_URL
from integrations.lastfm.exceptions import (
    LastFmApiKeyError,
    LastFmConnectionError,
    LastFmError,
    LastFmRateLimitError,
)

SCHEMA = (
    Field("api_key", "API key", type="password", help="From last.fm/api/account/create."),
    Field("shared_secret", "Shared secret", type="password"),
    Field("url", "API URL", type="url", default=DEFAULT_URL, required=False),
)

UNREACHABLE = "Could not reach Last.fm. Check the URL and your network."
REJECTED = "Last.fm returned an error for this API key. Check the API key and the shared secret."
NOT_LASTFM = "That URL did not answer like the Last.fm API."


async def test_connection(ctx: IntegrationContext, data: dict[str, Any]) -> FlowResult:
    """auth.getToken is signed: it proves both the API key and the shared secret."""
    client = LastFmClient(
        data["api_key"],
        data["shared_secret"],
        base_url=data.get("url") or DEFAULT_URL,
        session=ctx.session,
    )
    try:
        await client.get_token()
    except LastFmApiKeyError as err:
        raise InvalidAuth(REJECTED) from err
    except LastFmRateLimitError:
        pass
    except LastFmConnectionError as err:
        raise CannotConnect(UNREACHABLE) from err
    except LastFmError as err:
        raise CannotConnect(NOT_LASTFM) from err
    return FlowResult(ok=True, title="Last.fm")
