"""Config flow of the AudioMuse-AI integration: URL and API token, tested before saving."""

from __future__ import annotations

from typing import Any

from companion.integration.types import (
    CannotConnect,
    Field,
    FlowResult,
    IntegrationContext,
    InvalidAuth,
)
from integrations.audiomuse.client import AudioMuseClient
from integrations.audiomuse.const import DEFAULT_URL
from integrations.audiomuse.exceptions import (
    AudioMuseAuthenticationError,
    AudioMuseConnectionError,
    AudioMuseError,
    AudioMuseResponseError,
    AudioMuseSetupRequiredError,
)

SCHEMA = (
    Field("url", "URL", type="url", default=DEFAULT_URL),
    Field(
        "api_token",
        "API token",
        type="password",
        required=False,
        help="AudioMuse's API_TOKEN (Settings of AudioMuse-AI); leave empty when auth is off.",
    ),
)

UNREACHABLE = "Could not reach AudioMuse-AI. Check the URL and that AudioMuse-AI is running."
REJECTED = "AudioMuse-AI returned 401. Check your API token."
SETUP_REQUIRED = (
    'AudioMuse-AI answered 403 "Setup required". Finish its setup wizard '
    "(media server and admin user) first."
)
NOT_AUDIOMUSE = "That URL did not answer like AudioMuse-AI."


async def test_connection(ctx: IntegrationContext, data: dict[str, Any]) -> FlowResult:
    """Check /api/health answers, then an authenticated call (/api/config)."""
    client = AudioMuseClient(data["url"], data.get("api_token"), session=ctx.session)
    try:
        await client.health()
        config = await client.config()
    except AudioMuseAuthenticationError as err:
        raise InvalidAuth(REJECTED) from err
    except AudioMuseSetupRequiredError as err:
        raise CannotConnect(SETUP_REQUIRED) from err
    except AudioMuseConnectionError as err:
        raise CannotConnect(UNREACHABLE) from err
    except AudioMuseResponseError as err:
        raise CannotConnect(NOT_AUDIOMUSE) from err
    version = config.get("app_version")
    title = f"AudioMuse-AI {version}" if isinstance(version, str) else "AudioMuse-AI"
    warnings: list[str] = []
    last = await _last_task(client)
    if last == "never":
        warnings.append(
            "AudioMuse-AI has not analysed the library yet; vibe queues use Jellyfin's "
            "InstantMix until an analysis has run."
        )
    return FlowResult(ok=True, title=title, warnings=tuple(warnings))


async def _last_task(client: AudioMuseClient) -> str:
    # Informational only: a failure here must not fail the flow.
    try:
        task = await client.last_task()
    except AudioMuseError:
        return "unknown"
    return "never" if task is None else task.state
