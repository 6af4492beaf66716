"""A fake of Deezer's public API: playlists, paging by `next`, errors inside HTTP 200.

Follows Deezer's documented shapes (developers.deezer.com/api: playlist, playlist/tracks,
errors): pages of 25 by default, `next` as an absolute api.deezer.com URL, `total`; unknown
ids answer `DataException` 800, private playlists `OAuthException` 200, and a quota error
(code 4) can be switched on for the next requests.
"""

from __future__ import annotations

import hashlib
from typing import Any

from aiohttp import web

from companion.testing.serving import serve

REAL_BASE = "https://api.deezer.com"
DEFAULT_LIMIT = 25
MAX_LIMIT = 100
NO_DATA = {"type": "DataException", "message": "no data", "code": 800}
PRIVATE = {
    "type": "OAuthException",
    "message": "An active access token must be used to query information about the current user",
    "code": 200,
}
QUOTA = {"type": "Exception", "message": "Quota limit exceeded", "code": 4}


def deezer_track(
    title: str,
    artist: str,
    album: str,
    duration: int,
    version: str = "",
    track_id: int | None = None,
) -> dict[str, Any]:
    """A playlist item in Deezer's shape; `title` carries the version as Deezer's does."""
    digest = int(
        hashlib.md5(f"{artist}|{title}|{version}".encode(), usedforsecurity=False).hexdigest()[:8],
        16,
    )
    tid = track_id or digest
    full = f"{title} {version}".strip()
    return {
        "id": tid,
        "readable": True,
        "title": full,
        "title_short": title,
        "title_version": version,
        "link": f"https://www.deezer.com/track/{tid}",
        "duration": duration,
        "rank": 500000,
        "explicit_lyrics": False,
        "explicit_content_lyrics": 0,
        "explicit_content_cover": 0,
        "preview": f"https://cdns-preview-0.dzcdn.net/stream/c-{tid}.mp3",
        "md5_image": "0" * 32,
        "time_add": 1700000000,
        "artist": {
            "id": digest % 100000,
            "name": artist,
            "link": f"https://www.deezer.com/artist/{digest % 100000}",
            "tracklist": f"{REAL_BASE}/artist/{digest % 100000}/top?limit=50",
            "type": "artist",
        },
        "album": {
            "id": digest % 1000000,
            "title": album,
            "cover": f"{REAL_BASE}/album/{digest % 1000000}/image",
            "md5_image": "0" * 32,
            "tracklist": f"{REAL_BASE}/album/{digest % 1000000}/tracks",
            "type": "album",
        },
        "type": "track",
    }


class FakeDeezer:
    """Deezer's public API on 127.0.0.1 for tests and the demo."""

    def __init__(self) -> None:
        self.playlists: dict[str, dict[str, Any]] = {}
        self.private: set[str] = set()
        self.quota_errors = 0
        self.requests: list[str] = []
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def url(self) -> str:
        """Base URL of the running fake."""
        return f"http://127.0.0.1:{self.port}"

    def add_playlist(
        self, playlist_id: str, title: str, tracks: list[dict[str, Any]], *, public: bool = True
    ) -> None:
        """Store a playlist; a private one answers OAuthException 200."""
        self.playlists[playlist_id] = {"title": title, "tracks": tracks}
        if not public:
            self.private.add(playlist_id)

    def _error(self, playlist_id: str) -> dict[str, Any] | None:
        if self.quota_errors > 0:
            self.quota_errors -= 1
            return {"error": QUOTA}
        if playlist_id not in self.playlists:
            return {"error": NO_DATA}
        if playlist_id in self.private:
            return {"error": PRIVATE}
        return None

    async def _playlist(self, request: web.Request) -> web.Response:
        self.requests.append(request.path_qs)
        pid = request.match_info["id"]
        error = self._error(pid)
        if error:
            # Deezer reports errors with HTTP 200.
            return web.json_response(error)
        pl = self.playlists[pid]
        tracks = pl["tracks"]
        return web.json_response(
            {
                "id": int(pid),
                "title": pl["title"],
                "description": "",
                "duration": sum(t["duration"] for t in tracks),
                "public": True,
                "is_loved_track": False,
                "collaborative": False,
                "nb_tracks": len(tracks),
                "fans": 3,
                "link": f"https://www.deezer.com/playlist/{pid}",
                "checksum": hashlib.md5(pid.encode(), usedforsecurity=False).hexdigest(),
                "tracklist": f"{REAL_BASE}/playlist/{pid}/tracks",
                "creation_date": "2024-01-01 10:00:00",
                "creator": {"id": 1, "name": "someone", "type": "user"},
                "type": "playlist",
                # The embedded list is cut short for long playlists; clients page instead.
                "tracks": {"data": tracks[:DEFAULT_LIMIT], "checksum": "x"},
            }
        )

    async def _tracks(self, request: web.Request) -> web.Response:
        self.requests.append(request.path_qs)
        pid = request.match_info["id"]
        error = self._error(pid)
        if error:
            return web.json_response(error)
        tracks = self.playlists[pid]["tracks"]
        index = max(0, int(request.query.get("index", "0") or 0))
        limit = min(
            MAX_LIMIT, max(1, int(request.query.get("limit", DEFAULT_LIMIT) or DEFAULT_LIMIT))
        )
        page: dict[str, Any] = {
            "data": tracks[index : index + limit],
            "total": len(tracks),
            "checksum": "x",
        }
        if index + limit < len(tracks):
            page["next"] = f"{REAL_BASE}/playlist/{pid}/tracks?limit={limit}&index={index + limit}"
        if index > 0:
            page["prev"] = (
                f"{REAL_BASE}/playlist/{pid}/tracks?limit={limit}&index={max(0, index - limit)}"
            )
        return web.json_response(page)

    async def _infos(self, request: web.Request) -> web.Response:
        return web.json_response(
            {"country_iso": "FR", "country": "France", "open": True, "pop": "fr", "offers": []}
        )

    async def start(self, port: int = 0) -> str:
        """Serve on 127.0.0.1 (a free port unless one is given)."""
        app = web.Application()
        app.router.add_get("/infos", self._infos)
        app.router.add_get(r"/playlist/{id:\d+}", self._playlist)
        app.router.add_get(r"/playlist/{id:\d+}/tracks", self._tracks)
        self._runner, self.port = await serve(app, port=port)
        return self.url

    async def stop(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
