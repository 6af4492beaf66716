"""An async client for Ollama's REST API."""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from companion.integration.http_session import SessionOwner, TransportErrors
from integrations.ollama.const import DEFAULT_TIMEOUT, GENERATE_TIMEOUT
from integrations.ollama.exceptions import (
    OllamaAuthenticationError,
    OllamaConnectionError,
    OllamaError,
    OllamaModelNotFoundError,
    OllamaResponseError,
    OllamaTimeoutError,
)
from integrations.ollama.models import Generation, OllamaModel


class OllamaClient(SessionOwner):
    """Talks to one Ollama server (optionally behind a proxy that wants a bearer key)."""

    transport_errors = TransportErrors(
        "Ollama", OllamaTimeoutError, OllamaConnectionError, OllamaError
    )

    def __init__(
        self,
        base_url: str,
        *,
        session: aiohttp.ClientSession | None = None,
        api_key: str | None = None,
        request_timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        super().__init__(session)
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self.request_timeout = request_timeout

    async def _request(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        headers = {"Accept": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        url = f"{self.base_url}{path}"
        reply = await self._exchange(method, url, timeout=timeout, json=body, headers=headers)
        status, text = reply.status, reply.text
        if status in (401, 403):
            raise OllamaAuthenticationError(f"Ollama at {self.base_url} returned {status}")
        try:
            data = json.loads(text) if text else {}
        except json.JSONDecodeError as err:
            raise OllamaResponseError(
                f"Ollama at {self.base_url} answered {status} with a body that is not JSON", status
            ) from err
        if not isinstance(data, dict):
            raise OllamaResponseError(
                f"Ollama at {self.base_url} answered an unexpected body", status
            )
        if status == 404 and "not found" in str(data.get("error", "")):
            raise OllamaModelNotFoundError(str(data["error"]), status)
        if status >= 400:
            raise OllamaResponseError(f"Ollama answered {status}: {data.get('error', '')}", status)
        return data

    async def version(self) -> str:
        """Return Ollama's version string (GET /api/version)."""
        data = await self._request("GET", "/api/version")
        version = data.get("version")
        if not isinstance(version, str):
            raise OllamaResponseError("That URL did not answer like Ollama (no version)")
        return version

    async def models(self) -> list[OllamaModel]:
        """Return the locally available models (GET /api/tags)."""
        data = await self._request("GET", "/api/tags")
        return [OllamaModel.from_dict(m) for m in data.get("models", []) if isinstance(m, dict)]

    async def generate(self, model: str, prompt: str, *, json_format: bool = False) -> Generation:
        """Run one non-streamed completion (POST /api/generate with stream=false)."""
        body: dict[str, Any] = {
            "model": model,
            "prompt": prompt,
            "stream": False,
            "options": {"temperature": 0},
        }
        if json_format:
            body["format"] = "json"
        data = await self._request("POST", "/api/generate", body=body, timeout=GENERATE_TIMEOUT)
        return Generation.from_dict(data)
