"""Config flow of the Spotify integration: public playlists need no account or key."""

from __future__ import annotations

from typing import Any

from companion.integration.types import Field, FlowResult, IntegrationContext
from integrations.spotify.const import ACCOUNTS_URL, API_URL, DEFAULT_URL

SCHEMA = (
    Field(
        "client_id",
        "Client ID of your Spotify app",
        required=False,
        help="To import your own playlists: create an app at developer.spotify.com, add the "
        "redirect URI <companion URL>/api/imports/accounts/spotify/callback, and paste its "
        "Client ID here (no secret: the sign-in uses PKCE).",
    ),
    Field(
        "accounts_url",
        "Accounts URL",
        type="url",
        required=False,
        default=ACCOUNTS_URL,
        help="Change only to point at a test server.",
    ),
    Field(
        "api_url",
        "Web API URL",
        type="url",
        required=False,
        default=API_URL,
        help="Change only to point at a test server.",
    ),
    Field(
        "url",
        "Spotify URL",
        type="url",
        required=False,
        default=DEFAULT_URL,
        help="Where public playlist pages are read; change it only for a test server.",
    ),
)


async def test_connection(ctx: IntegrationContext, data: dict[str, Any]) -> FlowResult:
    """Nothing to test before saving: pages are read when a playlist is imported."""
    return FlowResult(ok=True, title="Spotify")
