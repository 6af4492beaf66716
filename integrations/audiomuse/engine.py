"""AudioMuse-AI as the companion's similarity engine: ids in, ids out, errors for users."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Sequence
from typing import Any, TypeVar

from companion.providers.vibe import EngineUnavailable, SeedNotAnalysed
from integrations.audiomuse.client import AudioMuseClient
from integrations.audiomuse.exceptions import (
    AudioMuseAuthenticationError,
    AudioMuseConnectionError,
    AudioMuseError,
    AudioMuseIndexError,
    AudioMuseNotFoundError,
    AudioMuseSetupRequiredError,
)
from integrations.audiomuse.models import AudioMuseTrack

_LOGGER = logging.getLogger(__name__)
_T = TypeVar("_T")

DOWN = "AudioMuse-AI is unreachable. Check that AudioMuse-AI is running."
REJECTED = "AudioMuse-AI rejected the API token. Update it in the AudioMuse-AI integration."
SETUP = "AudioMuse-AI's setup is not finished. Complete its setup wizard."
NO_INDEX = "AudioMuse-AI has not analysed your library yet. Start an analysis in AudioMuse-AI."
FAILED = "AudioMuse-AI failed to answer. Check the AudioMuse-AI logs."


class AudioMuseEngine:
    """Implements `SimilarityEngine` over an AudioMuseClient."""

    name = "audiomuse"

    def __init__(self, client: AudioMuseClient) -> None:
        self._client = client
        self.last_error: str | None = None

    def status(self) -> dict[str, Any]:
        """The engine's health as last seen (for diagnostics)."""
        return {
            "url": self._client.base_url,
            "available": self.last_error is None,
            "last_error": self.last_error,
        }

    async def _call(self, call: Awaitable[_T]) -> _T:
        try:
            result = await call
        except AudioMuseNotFoundError as err:
            self._recovered()
            raise SeedNotAnalysed(str(err)) from err
        except AudioMuseIndexError as err:
            raise self._down(NO_INDEX) from err
        except AudioMuseAuthenticationError as err:
            raise self._down(REJECTED) from err
        except AudioMuseSetupRequiredError as err:
            raise self._down(SETUP) from err
        except AudioMuseConnectionError as err:
            raise self._down(DOWN) from err
        except AudioMuseError as err:
            raise self._down(FAILED) from err
        self._recovered()
        return result

    def _down(self, message: str) -> EngineUnavailable:
        # Logged once per outage, and its recovery once.
        if self.last_error is None:
            _LOGGER.warning("AudioMuse-AI at %s unavailable: %s", self._client.base_url, message)
        self.last_error = message
        return EngineUnavailable(message)

    def _recovered(self) -> None:
        if self.last_error is not None:
            _LOGGER.info("AudioMuse-AI at %s is available again", self._client.base_url)
            self.last_error = None

    @staticmethod
    def _ids(rows: list[AudioMuseTrack]) -> list[str]:
        # AudioMuse answers the Jellyfin provider id as Jellyfin returns it (32 hex).
        return [r.item_id.lower() for r in rows]

    async def similar(self, item_id: str, n: int) -> list[str]:
        """Similar tracks, radius-walk order, AudioMuse's per-artist cap on."""
        return self._ids(await self._call(self._client.similar_tracks(item_id, n)))

    async def text(self, query: str, n: int) -> list[str]:
        """CLAP text search."""
        return self._ids(await self._call(self._client.text_search(query, n)))

    async def alchemy(
        self,
        add: Sequence[str],
        subtract: Sequence[str],
        n: int,
        temperature: float | None,
        subtract_distance: float | None,
    ) -> list[str]:
        """Song Alchemy (n is capped at 200 by AudioMuse)."""
        rows = await self._call(
            self._client.alchemy(
                add,
                subtract,
                n=min(n, 200),
                temperature=temperature,
                subtract_distance=subtract_distance,
            )
        )
        if not rows:
            # Alchemy answers an empty 200 both without an index and for unanalysed seeds.
            await self._explain_missing(add)
        return self._ids(rows)

    async def path(self, start: str, end: str, n: int) -> list[str]:
        """Song Path with n songs at most, endpoints included."""
        try:
            rows = await self._call(self._client.find_path(start, end, max_steps=n))
        except SeedNotAnalysed:
            # find_path's 404 covers no index, unanalysed endpoints and no path at all.
            await self._explain_missing([start, end])
            return []  # both analysed: there is just no path between them
        return self._ids(rows)

    async def _explain_missing(self, seeds: Sequence[str]) -> None:
        """Raise EngineUnavailable when there is no index, SeedNotAnalysed for an unknown seed."""
        for seed in seeds:
            await self._call(self._client.similar_tracks(seed, 1))
