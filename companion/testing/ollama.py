"""A fake Ollama server on 127.0.0.1 for tests and the demo (wire format from Ollama's docs)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from companion.testing.serving import serve


class FakeOllama:
    """Serves /api/version, /api/tags and /api/generate; can demand a bearer key or go down."""

    def __init__(
        self,
        *,
        models: tuple[str, ...] = ("llama3.2:latest",),
        api_key: str | None = None,
        version: str = "0.33.0",
    ) -> None:
        self.models = list(models)
        self.api_key = api_key
        self.version = version
        self.requests: list[str] = []
        self._runner: web.AppRunner | None = None
        self.url = ""
        self.port = 0

    def _check(self, request: web.Request) -> web.Response | None:
        self.requests.append(f"{request.method} {request.path}")
        if (
            self.api_key is not None
            and request.headers.get("Authorization") != f"Bearer {self.api_key}"
        ):
            return web.Response(status=401, text="Unauthorized")
        return None

    async def _version(self, request: web.Request) -> web.Response:
        return self._check(request) or web.json_response({"version": self.version})

    async def _tags(self, request: web.Request) -> web.Response:
        denied = self._check(request)
        if denied:
            return denied
        now = datetime.now(UTC).isoformat()
        return web.json_response(
            {
                "models": [
                    {
                        "name": name,
                        "model": name,
                        "modified_at": now,
                        "size": 2019393189,
                        "digest": "a80c4f17acd5",
                        "details": {
                            "parent_model": "",
                            "format": "gguf",
                            "family": "llama",
                            "families": ["llama"],
                            "parameter_size": "3.2B",
                            "quantization_level": "Q4_K_M",
                        },
                    }
                    for name in self.models
                ]
            }
        )

    async def _generate(self, request: web.Request) -> web.StreamResponse:
        denied = self._check(request)
        if denied:
            return denied
        try:
            body: dict[str, Any] = await request.json()
        except json.JSONDecodeError:
            return web.json_response({"error": "invalid JSON"}, status=400)
        model = body.get("model")
        if not model:
            return web.json_response({"error": "model is required"}, status=400)
        name = model if ":" in model else f"{model}:latest"
        if name not in self.models:
            return web.json_response({"error": f"model '{model}' not found"}, status=404)
        text = f"echo: {body.get('prompt', '')}"
        final = {
            "model": model,
            "created_at": datetime.now(UTC).isoformat(),
            "response": text,
            "done": True,
            "done_reason": "stop",
            "total_duration": 1000,
            "eval_count": 1,
        }
        if body.get("stream", True) is False:
            return web.json_response(final)
        resp = web.StreamResponse(headers={"Content-Type": "application/x-ndjson"})
        await resp.prepare(request)
        await resp.write(
            json.dumps({"model": model, "response": text, "done": False}).encode() + b"\n"
        )
        await resp.write(json.dumps(final | {"response": ""}).encode() + b"\n")
        await resp.write_eof()
        return resp

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Start serving; return the base URL."""
        app = web.Application()
        app.router.add_get("/api/version", self._version)
        app.router.add_get("/api/tags", self._tags)
        app.router.add_post("/api/generate", self._generate)
        self._runner, self.port = await serve(app, host, port)
        self.url = f"http://{host}:{self.port}"
        return self.url

    async def stop(self) -> None:
        """Stop serving (the port then refuses connections)."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
