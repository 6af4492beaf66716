"""ListenBrainz as a source of weekly flows: the playlists it creates for a user (Weekly
Exploration, Weekly Jams: listed by /playlists/createdfor, each followed to its JSPF) and its
collaborative-filtering recording recommendations (MBIDs, named through the metadata API).

Wire facts (listenbrainz-server): listings carry playlists without tracks; a playlist's
`identifier` is a URL ending in its MBID; a JSPF track's `identifier` is a list of recording
URLs on current servers and a single string on older ones (Explo#119), so both are read;
the kind of a created-for playlist is `extension[...#playlist].additional_metadata
.algorithm_metadata.source_patch`; no recommendations is a 204 without a body.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Sequence
from typing import Any, TypeVar

from companion.providers import CredentialsRejected, ProviderUnavailable
from companion.providers.discovery import CreatedPlaylist, SuggestedTrack
from integrations.listenbrainz.client import ListenBrainzClient
from integrations.listenbrainz.exceptions import (
    ListenBrainzAuthenticationError,
    ListenBrainzError,
    ListenBrainzNotFoundError,
)

_LOGGER = logging.getLogger(__name__)
_T = TypeVar("_T")

PLAYLIST_EXT = "https://musicbrainz.org/doc/jspf#playlist"
RECORDING_PREFIX = "https://musicbrainz.org/recording/"
LISTING_COUNT = 100
METADATA_BATCH = 100
DOWN = "ListenBrainz is unreachable or failing."
NO_USER = "ListenBrainz has no user named {name}. Link your account again."
REJECTED = "ListenBrainz rejected your token. Link your account again."


def mbid_of(identifier: Any) -> str | None:
    """The MBID at the end of an identifier URL, whether a string or a list of them."""
    values = identifier if isinstance(identifier, list) else [identifier]
    for value in values:
        if isinstance(value, str) and value.strip():
            tail = value.strip().rstrip("/").rsplit("/", 1)[-1]
            if len(tail) == 36 and tail.count("-") == 4:
                return tail.lower()
    return None


def source_patch(playlist: dict[str, Any]) -> str | None:
    """The troi patch that made a playlist ("weekly-exploration", ...)."""
    ext = (playlist.get("extension") or {}).get(PLAYLIST_EXT) or {}
    meta = (ext.get("additional_metadata") or {}).get("algorithm_metadata") or {}
    patch = meta.get("source_patch")
    return patch if isinstance(patch, str) else None


def track_of(raw: dict[str, Any], origin: str, why: str | None) -> SuggestedTrack | None:
    """A JSPF track; None without a title or an artist."""
    title, creator = raw.get("title"), raw.get("creator")
    if not isinstance(title, str) or not isinstance(creator, str) or not title or not creator:
        return None
    duration = raw.get("duration")
    return SuggestedTrack(
        title=title,
        artists=(creator,),
        album=raw.get("album") if isinstance(raw.get("album"), str) else None,
        duration_s=float(duration) / 1000 if isinstance(duration, int | float) else None,
        mbid=mbid_of(raw.get("identifier")),
        origin=origin,
        why=why,
    )


class ListenBrainzRecommendations:
    """Implements `RecommendationSource` over a ListenBrainzClient."""

    name = "ListenBrainz"

    def __init__(self, client: ListenBrainzClient) -> None:
        self.client = client

    async def _call(self, call: Awaitable[_T], user_name: str) -> _T:
        try:
            return await call
        except ListenBrainzNotFoundError as err:
            raise CredentialsRejected(NO_USER.format(name=user_name)) from err
        except ListenBrainzAuthenticationError as err:
            raise CredentialsRejected(REJECTED) from err
        except ListenBrainzError as err:
            _LOGGER.warning("ListenBrainz at %s failed: %s", self.client.base_url, err)
            raise ProviderUnavailable(DOWN) from err

    async def created_for(
        self, user_name: str, kinds: Sequence[str], token: str | None = None
    ) -> list[CreatedPlaylist]:
        """The newest created-for playlist of each kind, with its tracks."""
        listing = await self._call(
            self.client._request(
                "GET",
                f"/1/user/{user_name}/playlists/createdfor",
                token=token,
                params={"count": LISTING_COUNT},
            ),
            user_name,
        )
        newest: dict[str, dict[str, Any]] = {}
        for entry in (listing or {}).get("playlists") or []:
            playlist = entry.get("playlist") if isinstance(entry, dict) else None
            if not isinstance(playlist, dict):
                continue
            kind = source_patch(playlist)
            if kind is None or kind not in kinds:
                continue
            if kind not in newest or str(playlist.get("date", "")) > str(
                newest[kind].get("date", "")
            ):
                newest[kind] = playlist
        out = []
        for kind, meta in newest.items():
            mbid = mbid_of(meta.get("identifier"))
            if mbid is None:
                continue
            full = await self._call(
                self.client._request("GET", f"/1/playlist/{mbid}", token=token), user_name
            )
            body = (full or {}).get("playlist") or {}
            title = str(body.get("title") or meta.get("title") or kind)
            tracks = [
                t
                for raw in body.get("track") or []
                if isinstance(raw, dict) and (t := track_of(raw, kind, title)) is not None
            ]
            out.append(CreatedPlaylist(mbid, title, kind, str(meta.get("date", "")), tuple(tracks)))
        return out

    async def recommended_recordings(
        self, user_name: str, count: int, token: str | None = None
    ) -> list[SuggestedTrack]:
        """CF recommendations, best first, named through the metadata lookup."""
        data = await self._call(
            self.client._request(
                "GET",
                f"/1/cf/recommendation/user/{user_name}/recording",
                token=token,
                params={"count": count},
            ),
            user_name,
        )
        payload = (data or {}).get("payload") if isinstance(data, dict) else None
        if not isinstance(payload, dict):
            return []  # 204: none generated yet
        mbids = [
            str(m["recording_mbid"]).lower()
            for m in payload.get("mbids") or []
            if isinstance(m, dict) and isinstance(m.get("recording_mbid"), str)
        ]
        names = await self._metadata(mbids, user_name, token)
        return [names[m] for m in mbids if m in names]

    async def _metadata(
        self, mbids: list[str], user_name: str, token: str | None
    ) -> dict[str, SuggestedTrack]:
        out: dict[str, SuggestedTrack] = {}
        for start in range(0, len(mbids), METADATA_BATCH):
            batch = mbids[start : start + METADATA_BATCH]
            data = await self._call(
                self.client._request(
                    "POST",
                    "/1/metadata/recording/",
                    token=token,
                    body={"recording_mbids": batch, "inc": "artist release"},
                ),
                user_name,
            )
            for mbid, meta in (data or {}).items():
                track = _named(str(mbid).lower(), meta)
                if track is not None:
                    out[track.mbid or mbid] = track
        return out


def _named(mbid: str, meta: Any) -> SuggestedTrack | None:
    if not isinstance(meta, dict):
        return None
    recording = meta.get("recording") or {}
    artist = meta.get("artist") or {}
    release = meta.get("release") or {}
    title, credit = recording.get("name"), artist.get("name")
    if not isinstance(title, str) or not isinstance(credit, str) or not title or not credit:
        return None
    length = recording.get("length")
    return SuggestedTrack(
        title=title,
        artists=(credit,),
        album=release.get("name") if isinstance(release.get("name"), str) else None,
        duration_s=float(length) / 1000 if isinstance(length, int | float) else None,
        mbid=mbid,
        origin="recommendations",
        why="ListenBrainz recommends it from listeners like you",
    )
