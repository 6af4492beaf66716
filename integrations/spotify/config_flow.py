"""Config flow of the Spotify integration: public playlists need no account or key."""

from __future__ import annotations

from typing import Any

from companion.integration.types import Field, FlowResult, IntegrationContext
from integrations.spotify.const import DEFAULT_URL

SCHEMA = (
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
