"""Fixtures of the import tests: the playlist tests' companion on the fake Jellyfin."""

from __future__ import annotations

from typing import Any

import aiohttp

from tests.playlists.conftest import companion, fake_jellyfin  # noqa: F401  (fixtures)


async def add_fake_track(fake: Any, **body: Any) -> dict[str, Any]:
    """Add a track to the fake Jellyfin's library; its id and the new item ids."""
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{fake.url}/__fake__/library/tracks", json=body) as resp,
    ):
        assert resp.status == 200
        result: dict[str, Any] = await resp.json()
        return result


def csv_of(rows: list[tuple[str, str, str]]) -> str:
    """A generic CSV (Name, Artist, Album)."""
    lines = ["Name,Artist,Album"]
    for title, artist, album in rows:
        lines.append(",".join('"' + v.replace('"', '""') + '"' for v in (title, artist, album)))
    return "\n".join(lines) + "\n"
