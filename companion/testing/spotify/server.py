"""A fake of open.spotify.com/embed/playlist/{id}: an HTML page with __NEXT_DATA__ JSON.

The same server also plays Spotify's accounts service and Web API (`web_api.py`).

The shape follows what scrapers of the real page read (growth.md §2: SoulSync's public
scraper): props.pageProps.state.data.entity with name and trackList entries {uri, title,
subtitle (artists joined by ", " with NBSPs), duration (ms), isExplicit}; no album, no ISRC,
at most 100 tracks. An unknown or private id renders the page without an entity.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from aiohttp import web

from companion.testing.serving import serve
from companion.testing.spotify.web_api import AccountState, routes

EMBED_LIMIT = 100


def embed_track(title: str, artists: list[str], millis: int) -> dict[str, Any]:
    """A trackList entry in the embed page's shape."""
    tid = hashlib.md5(f"{title}|{artists}".encode(), usedforsecurity=False).hexdigest()[:22]
    return {
        "uri": f"spotify:track:{tid}",
        "uid": tid[:20],
        "title": title,
        "subtitle": ",\u00a0".join(a.replace(" ", "\u00a0") for a in artists),
        "isExplicit": False,
        "isNineteenPlus": False,
        "duration": millis,
        "isPlayable": True,
        "audioPreview": None,
    }


def _next_json(value: Any) -> str:
    """JSON as Next.js embeds it in a script element: <, > and & as \\u escapes."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class FakeSpotify:
    """Serves embed pages for stored playlists."""

    def __init__(self) -> None:
        self.playlists: dict[str, dict[str, Any]] = {}
        # Accounts service and Web API (a user's own playlists after a PKCE sign-in).
        self.accounts = AccountState()
        self.requests: list[str] = []
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def url(self) -> str:
        """Base URL of the running fake."""
        return f"http://127.0.0.1:{self.port}"

    def add_playlist(self, playlist_id: str, name: str, tracks: list[dict[str, Any]]) -> None:
        """Store a public playlist."""
        self.playlists[playlist_id] = {"name": name, "tracks": tracks}

    async def _embed(self, request: web.Request) -> web.Response:
        self.requests.append(request.path)
        pid = request.match_info["id"]
        pl = self.playlists.get(pid)
        state: dict[str, Any] = {"settings": {}, "machineState": {}}
        if pl is not None:
            state["data"] = {
                "entity": {
                    "type": "playlist",
                    "name": pl["name"],
                    "uri": f"spotify:playlist:{pid}",
                    "id": pid,
                    "title": pl["name"],
                    "subtitle": "someone",
                    "trackList": pl["tracks"][:EMBED_LIMIT],
                }
            }
        else:
            state["data"] = {}
        payload = {"props": {"pageProps": {"state": state}}, "page": "/playlist/[id]"}
        body = (
            "<!DOCTYPE html><html><head><title>Spotify Embed</title></head><body>"
            '<div id="__next"></div>'
            f'<script id="__NEXT_DATA__" type="application/json">{_next_json(payload)}</script>'
            "</body></html>"
        )
        return web.Response(text=body, content_type="text/html")

    async def start(self, port: int = 0) -> str:
        """Serve on 127.0.0.1."""
        app = web.Application()
        app.router.add_get("/embed/playlist/{id}", self._embed)
        app.add_routes(routes(self.accounts))
        self._runner, self.port = await serve(app, port=port)
        return self.url

    async def stop(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
