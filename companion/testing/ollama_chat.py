"""The fake Ollama's chat endpoint, with a stand-in model that recommends songs.

Wire facts kept from ollama/ollama (docs/api.md, docs/api/errors.mdx, server/routes.go):
POST /api/chat takes `model`, `messages` [{role, content}], `format` ("json" or a JSON schema),
`options`, `stream` (default true: NDJSON lines, the last with `done: true` and the stats);
with `stream: false` one object `{"model", "created_at", "message": {"role": "assistant",
"content"}, "done": true, "done_reason": "stop", "total_duration", "load_duration",
"prompt_eval_count", "prompt_eval_duration", "eval_count", "eval_duration"}` (no `context`);
with `format` the content is JSON text. 400 `{"error": "model is required"}`, 404
`{"error": "model 'NAME' not found"}`.

The stand-in model answers from `songs` — what it "believes" exists — so tests can give it
real library tracks, tracks the library lacks and invented ones, as a real model mixes them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from companion.testing.ollama import FakeOllama
from companion.testing.serving import serve

_COUNT = re.compile(r"Suggest (\d+) songs")


@dataclass(frozen=True)
class BelievedSong:
    """A song the stand-in model would suggest (it may not exist)."""

    artist: str
    title: str
    album: str = ""
    reason: str = "Close to what you play"


class FakeOllamaChat(FakeOllama):
    """FakeOllama plus /api/chat answered by a stand-in recommending model."""

    def __init__(self, *, songs: list[BelievedSong] | None = None, **kw: Any) -> None:
        super().__init__(**kw)
        self.songs = list(songs or [])
        # Answer with this text instead (e.g. prose, or broken JSON), when set.
        self.raw_answer: str | None = None
        self.chats: list[dict[str, Any]] = []

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Start serving (the parent's routes and /api/chat)."""
        app = web.Application()
        app.router.add_get("/api/version", self._version)
        app.router.add_get("/api/tags", self._tags)
        app.router.add_post("/api/generate", self._generate)
        app.router.add_post("/api/chat", self._chat)
        self._runner, self.port = await serve(app, host, port)
        self.url = f"http://{host}:{self.port}"
        return self.url

    def _answer(self, messages: list[dict[str, Any]], structured: bool) -> str:
        if self.raw_answer is not None:
            return self.raw_answer
        text = " ".join(str(m.get("content", "")) for m in messages if m.get("role") == "user")
        match = _COUNT.search(text)
        count = int(match.group(1)) if match else 10
        avoid = ""
        for line in text.splitlines():
            if line.startswith("Never suggest these artists:"):
                avoid = line.lower()
        chosen = [s for s in self.songs if s.artist.lower() not in avoid][:count]
        if not structured:
            return "Here are some songs you might like:\n" + "\n".join(
                f"- {s.artist} - {s.title}" for s in chosen
            )
        payload = {
            "suggestions": [
                {"artist": s.artist, "title": s.title, "album": s.album, "reason": s.reason}
                for s in chosen
            ]
        }
        # Constrained decoding still leaves the model's own spacing.
        return json.dumps(payload, indent=1, ensure_ascii=False)

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        denied = self._check(request)
        if denied:
            return denied
        try:
            body: dict[str, Any] = await request.json()
        except json.JSONDecodeError:
            return web.json_response({"error": "invalid JSON"}, status=400)
        self.chats.append(body)
        model = body.get("model")
        if not model:
            return web.json_response({"error": "model is required"}, status=400)
        name = model if ":" in model else f"{model}:latest"
        if name not in self.models:
            return web.json_response({"error": f"model '{model}' not found"}, status=404)
        messages = body.get("messages") or []
        if not isinstance(messages, list):
            return web.json_response({"error": "messages must be a list"}, status=400)
        content = self._answer(messages, body.get("format") not in (None, ""))
        stats = {
            "total_duration": 4_883_583_458,
            "load_duration": 1_334_875,
            "prompt_eval_count": 26,
            "prompt_eval_duration": 342_546_000,
            "eval_count": 282,
            "eval_duration": 4_535_599_000,
        }
        now = datetime.now(UTC).isoformat()
        final = {
            "model": model,
            "created_at": now,
            "message": {"role": "assistant", "content": content},
            "done": True,
            "done_reason": "stop",
            **stats,
        }
        if body.get("stream", True) is False:
            return web.json_response(final)
        resp = web.StreamResponse(headers={"Content-Type": "application/x-ndjson"})
        await resp.prepare(request)
        partial = {"model": model, "created_at": now, "message": final["message"], "done": False}
        await resp.write(json.dumps(partial).encode() + b"\n")
        last = {**final, "message": {"role": "assistant", "content": ""}}
        await resp.write(json.dumps(last).encode() + b"\n")
        await resp.write_eof()
        return resp
