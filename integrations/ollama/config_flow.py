"""Config flow of the Ollama integration: URL, optional proxy key, model; tested before saving."""

from __future__ import annotations

from typing import Any

from companion.integration.types import (
    CannotConnect,
    Field,
    FlowResult,
    IntegrationContext,
    InvalidAuth,
)
from integrations.ollama.client import OllamaClient
from integrations.ollama.const import DEFAULT_URL
from integrations.ollama.exceptions import (
    OllamaAuthenticationError,
    OllamaConnectionError,
    OllamaResponseError,
)
from integrations.ollama.models import model_matches

SCHEMA = (
    Field("url", "URL", type="url", default=DEFAULT_URL),
    Field(
        "api_key",
        "API key",
        type="password",
        required=False,
        help="Only when Ollama sits behind a proxy that asks for a bearer token.",
    ),
    Field("model", "Model", required=False, default="llama3.2", help="A model you have pulled."),
)


async def test_connection(ctx: IntegrationContext, data: dict[str, Any]) -> FlowResult:
    """Check Ollama answers, accepts the key, and has the chosen model."""
    client = OllamaClient(data["url"], session=ctx.session, api_key=data.get("api_key"))
    try:
        version = await client.version()
        models = await client.models()
    except OllamaAuthenticationError as err:
        raise InvalidAuth("Ollama returned 401. Check your API key.") from err
    except OllamaConnectionError as err:
        raise CannotConnect(
            "Could not reach Ollama. Check the URL and that Ollama is running."
        ) from err
    except OllamaResponseError as err:
        raise CannotConnect("That URL did not answer like an Ollama server.") from err
    warnings: list[str] = []
    model = data.get("model")
    if model and not any(model_matches(model, m.name) for m in models):
        names = ", ".join(m.name for m in models) or "none"
        warnings.append(
            f"Model '{model}' is not pulled on this Ollama (it has: {names}). Run `ollama pull {model}`."
        )
    return FlowResult(ok=True, title=f"Ollama {version}", warnings=tuple(warnings))
