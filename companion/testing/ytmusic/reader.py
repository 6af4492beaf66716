"""A stand-in for ytmusicapi.YTMusic: get_playlist's documented dict shape, no network.

ytmusicapi speaks YouTube's private InnerTube protocol, so the fake sits at the library's
boundary (growth.md: "mock at our adapter boundary"). Shapes follow ytmusicapi 1.12's
get_playlist docstring: tracks with videoId, title, artists [{name, id}], album {name, id} or
None (music videos), duration "m:ss" and duration_seconds, isAvailable, videoType. An unknown
id raises what ytmusicapi raises for YouTube's 404; a private playlist comes back without a
header, which ytmusicapi's navigation reports as a KeyError.
"""

from __future__ import annotations

import hashlib
from typing import Any

from ytmusicapi.exceptions import YTMusicServerError


def ytmusic_track(
    title: str, artists: list[str], album: str | None, seconds: int, *, video: bool = False
) -> dict[str, Any]:
    """A playlist item in ytmusicapi's shape (a music video has no album)."""
    vid = hashlib.md5(f"{title}|{artists}".encode(), usedforsecurity=False).hexdigest()[:11]
    return {
        "videoId": vid,
        "title": title,
        "artists": [
            {
                "name": a,
                "id": f"UC{hashlib.md5(a.encode(), usedforsecurity=False).hexdigest()[:22]}",
            }
            for a in artists
        ],
        "album": None if video or album is None else {"name": album, "id": f"MPREb_{vid}"},
        "likeStatus": "INDIFFERENT",
        "inLibrary": False,
        "thumbnails": [],
        "isAvailable": True,
        "isExplicit": False,
        "videoType": "MUSIC_VIDEO_TYPE_OMV" if video else "MUSIC_VIDEO_TYPE_ATV",
        "duration": f"{seconds // 60}:{seconds % 60:02d}",
        "duration_seconds": seconds,
        "setVideoId": vid.upper(),
        "feedbackTokens": None,
    }


class FakeYTMusic:
    """Answers get_playlist from stored playlists; counts calls."""

    def __init__(self) -> None:
        self.playlists: dict[str, dict[str, Any]] = {}
        self.private: set[str] = set()
        self.calls: list[tuple[str, int | None]] = []

    def add_playlist(
        self, playlist_id: str, title: str, tracks: list[dict[str, Any]], *, public: bool = True
    ) -> None:
        """Store a playlist (a private one is invisible without an account)."""
        self.playlists[playlist_id] = {"title": title, "tracks": tracks}
        if not public:
            self.private.add(playlist_id)

    def factory(self) -> FakeYTMusic:
        """Stands in for `YTMusic()` in the client."""
        return self

    def get_playlist(
        self,
        playlistId: str,
        limit: int | None = 100,
        related: bool = False,
        suggestions_limit: int = 0,
    ) -> dict[str, Any]:
        """ytmusicapi's get_playlist: `limit=None` returns every track."""
        self.calls.append((playlistId, limit))
        if playlistId not in self.playlists:
            raise YTMusicServerError(
                "Server returned HTTP 404: Not Found.\nRequested entity was not found."
            )
        if playlistId in self.private:
            raise KeyError("Unable to find 'musicResponsiveHeaderRenderer' using path [...]")
        pl = self.playlists[playlistId]
        tracks = pl["tracks"] if limit is None else pl["tracks"][:limit]
        return {
            "owned": False,
            "id": playlistId,
            "privacy": "PUBLIC",
            "description": None,
            "thumbnails": [],
            "title": pl["title"],
            "author": {"name": "someone", "id": "UC0"},
            "year": "2024",
            "duration": "1 hour",
            "duration_seconds": sum(t["duration_seconds"] for t in pl["tracks"]),
            "trackCount": len(pl["tracks"]),
            "related": [],
            "tracks": tracks,
        }
