"""Ollama as the language model of weekly flows: one chat request with a JSON schema as
`format`, asking for real recordings the listener may not know, parsed strictly.

Wire facts (ollama docs/api.md): POST /api/chat with `stream: false` answers one object whose
`message.content` is the model's text; with `format` (a JSON schema) that text is JSON to be
parsed. A model answers what it believes exists: every suggestion is a claim, grounded by
the flows capability (matched in the library or fetched) before anything is playable.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from companion.providers import CredentialsRejected, ProviderUnavailable
from companion.providers.discovery import SuggestedTrack, SuggestionRequest
from integrations.ollama.client import OllamaClient
from integrations.ollama.const import GENERATE_TIMEOUT
from integrations.ollama.exceptions import (
    OllamaAuthenticationError,
    OllamaError,
    OllamaModelNotFoundError,
)

_LOGGER = logging.getLogger(__name__)

DEFAULT_MODEL = "llama3.2"
# Low enough to stay on known music, high enough not to repeat itself every week.
TEMPERATURE = 0.4
MAX_SUGGESTIONS = 100
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "suggestions": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "artist": {"type": "string"},
                    "title": {"type": "string"},
                    "album": {"type": "string"},
                    "reason": {"type": "string"},
                },
                "required": ["artist", "title"],
            },
        }
    },
    "required": ["suggestions"],
}
SYSTEM = (
    "You recommend music. Suggest only recordings that really exist, by their exact title and "
    "main artist as released; never invent a song, and suggest fewer rather than guess. "
    "Prefer artists the listener has not heard. Answer only with JSON of the form "
    '{"suggestions": [{"artist": "...", "title": "...", "album": "...", "reason": "..."}]}.'
)
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.MULTILINE)


def _lines(label: str, values: tuple[str, ...], limit: int = 20) -> str:
    return f"{label}: {'; '.join(values[:limit])}\n" if values else ""


def prompt(request: SuggestionRequest) -> str:
    """The user message: the listener's taste in words, and what to avoid."""
    text = (
        f"Suggest {request.count} songs for this listener's weekly discovery playlist, "
        "one song per artist.\n"
    )
    text += _lines("Artists they play most", request.top_artists)
    text += _lines("Songs they play most", request.top_tracks)
    text += _lines("Their favorite songs", request.favorites)
    text += _lines("Songs close to their taste", request.seeds)
    text += _lines("Never suggest these artists", request.avoid_artists, 200)
    return text


def parse(content: str) -> list[SuggestedTrack]:
    """The suggestions in a model's answer; entries without artist and title are dropped."""
    try:
        data = json.loads(_FENCE.sub("", content.strip()))
    except json.JSONDecodeError as err:
        raise ProviderUnavailable("The language model did not answer in JSON.") from err
    items = data.get("suggestions") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ProviderUnavailable("The language model's answer had no list of suggestions.")
    out: list[SuggestedTrack] = []
    for item in items[:MAX_SUGGESTIONS]:
        if not isinstance(item, dict):
            continue
        artist, title = item.get("artist"), item.get("title")
        if not isinstance(artist, str) or not isinstance(title, str):
            continue
        if not artist.strip() or not title.strip():
            continue
        album = item.get("album")
        reason = item.get("reason")
        out.append(
            SuggestedTrack(
                title=title.strip()[:300],
                artists=(artist.strip()[:300],),
                album=album.strip()[:300] if isinstance(album, str) and album.strip() else None,
                origin="llm",
                why=reason.strip()[:500] if isinstance(reason, str) and reason.strip() else None,
            )
        )
    return out


class OllamaSuggester:
    """Implements `TrackSuggester` over an OllamaClient."""

    name = "Ollama"

    def __init__(self, client: OllamaClient, model: str | None) -> None:
        self.client = client
        self.model = model or DEFAULT_MODEL

    async def suggest(self, request: SuggestionRequest) -> list[SuggestedTrack]:
        """One non-streamed chat with the schema as format."""
        body = {
            "model": self.model,
            "messages": [
                {"role": "system", "content": SYSTEM},
                {"role": "user", "content": prompt(request)},
            ],
            "format": SCHEMA,
            "stream": False,
            "options": {"temperature": TEMPERATURE},
        }
        try:
            data = await self.client._request(
                "POST", "/api/chat", body=body, timeout=GENERATE_TIMEOUT
            )
        except OllamaModelNotFoundError as err:
            raise ProviderUnavailable(
                f"Ollama has no model '{self.model}'. Run `ollama pull {self.model}`."
            ) from err
        except OllamaAuthenticationError as err:
            raise CredentialsRejected("Ollama returned 401. Check your API key.") from err
        except OllamaError as err:
            _LOGGER.warning("Ollama at %s failed: %s", self.client.base_url, err)
            raise ProviderUnavailable("Ollama is unreachable or failing.") from err
        message = data.get("message")
        content = message.get("content") if isinstance(message, dict) else None
        if not isinstance(content, str):
            raise ProviderUnavailable("Ollama answered without a message.")
        return parse(content)
