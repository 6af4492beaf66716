"""AudioMuse-AI for weekly flows: neighbours of a library track with their names, so tracks
AudioMuse knows but the library lacks can be fetched (the engine errors are the same)."""

from __future__ import annotations

from companion.providers import ProviderUnavailable
from companion.providers.discovery import SuggestedTrack
from companion.providers.vibe import EngineUnavailable, SeedNotAnalysed
from integrations.audiomuse.engine import AudioMuseEngine


class AudioMuseNeighbours:
    """Implements `KnownSimilarTracks` with the engine's client and error mapping."""

    name = "AudioMuse-AI"

    def __init__(self, engine: AudioMuseEngine) -> None:
        self._engine = engine

    async def similar_known(self, item_id: str, n: int) -> list[SuggestedTrack]:
        """/api/similar_tracks rows, named; [] for a seed AudioMuse has not analysed."""
        try:
            rows = await self._engine._call(self._engine._client.similar_tracks(item_id, n))
        except SeedNotAnalysed:
            return []
        except EngineUnavailable as err:
            raise ProviderUnavailable(str(err)) from err
        return [
            SuggestedTrack(
                title=row.title,
                artists=(row.artist,) if row.artist else (),
                album=row.album,
                # The Jellyfin provider id, as AudioMuse answers it (32 hex).
                item_id=row.item_id.lower(),
                origin="similar",
                why="Sounds like your favorites and recent plays",
            )
            for row in rows
            if row.title
        ]
