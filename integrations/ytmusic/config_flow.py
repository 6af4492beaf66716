"""Config flow of the YouTube Music integration: no account; the language of its answers."""

from __future__ import annotations

from typing import Any

from companion.integration.types import Field, FlowResult, IntegrationContext
from integrations.ytmusic.const import DEFAULT_LANGUAGE

SCHEMA = (
    Field(
        "language",
        "Language",
        required=False,
        default=DEFAULT_LANGUAGE,
        help="The language YouTube Music answers in (titles are not translated).",
    ),
)


async def test_connection(ctx: IntegrationContext, data: dict[str, Any]) -> FlowResult:
    """Nothing to test before saving: YouTube Music is asked when a playlist is imported."""
    return FlowResult(ok=True, title="YouTube Music")
