"""The fake ListenBrainz's recommendation routes: created-for-you playlists, their JSPF,
collaborative-filtering recording recommendations and the recording metadata lookup.

Facts kept from metabrainz/listenbrainz-server (webserver/views/api.py,
playlist_api.py, recommendations_cf_recording_api.py, metadata_api.py, db/model/playlist.py):
- GET /1/user/<name>/playlists/createdfor?count=&offset= (default count 25) answers
  `{"playlists": [{"playlist": <JSPF without recordings, "track": []>}], "playlist_count",
  "offset", "count"}`, newest first; 404 "Cannot find user: <name>";
- a playlist's `identifier` is "https://listenbrainz.org/playlist/<mbid>"; its extension
  "https://musicbrainz.org/doc/jspf#playlist" carries `public`, `creator`, `created_for`,
  `last_modified_at` and `additional_metadata.algorithm_metadata.source_patch`
  ("weekly-exploration", "weekly-jams", "daily-jams", ...);
- GET /1/playlist/<mbid> answers the JSPF with tracks whose `identifier` is a LIST of
  "https://musicbrainz.org/recording/<mbid>" (Explo#119), with `title`, `creator`,
  `album`, `duration` (ms) and the track extension (`added_by`, `added_at`,
  `artist_identifiers`, `release_identifier`); 400 "Provided playlist ID is invalid.",
  404 "Cannot find playlist: <mbid>";
- GET /1/cf/recommendation/user/<name>/recording?count=&offset= answers `{"payload": {"mbids":
  [{"recording_mbid", "score"}], "entity": "recording", "user_name", "last_updated",
  "count", "total_mbid_count", "offset", "model_id", "model_url"}}`; 204 (no body) when none
  were generated; 404 for an unknown user;
- GET|POST /1/metadata/recording/ (recording_mbids, inc "artist release") answers a mapping
  mbid → {"recording": {"name", "length", "rels"}, "artist": {"name", "artist_credit_id",
  "artists": [...]}, "release": {"name", "mbid", "album_artist_name", "year", ...}}; unknown
  mbids are simply absent.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from companion.testing.listenbrainz.server import FakeListenBrainz, _error

PLAYLIST_PREFIX = "https://listenbrainz.org/playlist/"
RECORDING_PREFIX = "https://musicbrainz.org/recording/"
ARTIST_PREFIX = "https://musicbrainz.org/artist/"
RELEASE_PREFIX = "https://musicbrainz.org/release/"
PLAYLIST_EXT = "https://musicbrainz.org/doc/jspf#playlist"
TRACK_EXT = "https://musicbrainz.org/doc/jspf#track"
TITLES = {
    "weekly-exploration": "Weekly Exploration for {user}, week of {day}",
    "weekly-jams": "Weekly Jams for {user}, week of {day}",
    "daily-jams": "Daily Jams for {user}, {day}",
}


def _uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


@dataclass
class Recording:
    """What MusicBrainz knows of one recording."""

    mbid: str
    title: str
    artist: str
    album: str
    length_ms: int
    artist_mbid: str = field(default_factory=lambda: str(uuid.uuid4()))
    release_mbid: str = field(default_factory=lambda: str(uuid.uuid4()))
    year: int = 2020


@dataclass
class CreatedPlaylist:
    """A playlist the troi bot made for a user."""

    mbid: str
    user: str
    kind: str
    created: datetime
    recordings: list[str]


class ListenBrainzDiscovery:
    """Adds the recommendation routes to a FakeListenBrainz (call install() before start)."""

    def __init__(self, fake: FakeListenBrainz) -> None:
        self.fake = fake
        self.recordings: dict[str, Recording] = {}
        self.playlists: dict[str, CreatedPlaylist] = {}
        self.recommendations: dict[str, list[tuple[str, float]] | None] = {}

    def install(self) -> ListenBrainzDiscovery:
        """Register the routes on the fake's app."""
        router = self.fake.app.router
        router.add_get("/1/user/{user}/playlists/createdfor", self.created_for)
        router.add_get("/1/playlist/{mbid}", self.playlist)
        router.add_get("/1/cf/recommendation/user/{user}/recording", self.cf_recording)
        router.add_get("/1/metadata/recording/", self.metadata_get)
        router.add_post("/1/metadata/recording/", self.metadata_post)
        return self

    # -- test helpers ------------------------------------------------------------------------

    def add_recording(
        self, title: str, artist: str, album: str = "", length_ms: int = 240_000, **kw: Any
    ) -> str:
        """Describe a recording MusicBrainz knows; returns its MBID."""
        mbid = str(kw.pop("mbid", None) or uuid.uuid4())
        self.recordings[mbid] = Recording(mbid, title, artist, album, length_ms, **kw)
        return mbid

    def add_created_for(
        self, user: str, kind: str, recordings: list[str], *, days_ago: int = 0
    ) -> str:
        """A playlist made for a user (newest first in listings)."""
        mbid = str(uuid.uuid4())
        created = datetime.now(UTC) - timedelta(days=days_ago)
        self.playlists[mbid] = CreatedPlaylist(mbid, user, kind, created, list(recordings))
        return mbid

    # -- serialisation -------------------------------------------------------------------------

    def _jspf(self, pl: CreatedPlaylist, *, with_tracks: bool) -> dict[str, Any]:
        day = pl.created.date().isoformat()
        body: dict[str, Any] = {
            "creator": "listenbrainz",
            "title": TITLES.get(pl.kind, pl.kind + " for {user}").format(user=pl.user, day=day),
            "identifier": PLAYLIST_PREFIX + pl.mbid,
            "date": pl.created.isoformat(),
            "annotation": "<p>Generated by troi.</p>",
            "extension": {
                PLAYLIST_EXT: {
                    "public": True,
                    "creator": "listenbrainz",
                    "last_modified_at": pl.created.isoformat(),
                    "created_for": pl.user,
                    "additional_metadata": {"algorithm_metadata": {"source_patch": pl.kind}},
                }
            },
            "track": [],
        }
        if with_tracks:
            body["track"] = [self._track(m, pl.created) for m in pl.recordings]
        return {"playlist": body}

    def _track(self, mbid: str, added: datetime) -> dict[str, Any]:
        rec = self.recordings.get(mbid)
        out: dict[str, Any] = {"identifier": [RECORDING_PREFIX + mbid]}
        extension: dict[str, Any] = {"added_by": "listenbrainz", "added_at": added.isoformat()}
        if rec is not None:
            out.update(creator=rec.artist, title=rec.title, duration=rec.length_ms)
            if rec.album:
                out["album"] = rec.album
            extension["artist_identifiers"] = [ARTIST_PREFIX + rec.artist_mbid]
            extension["release_identifier"] = RELEASE_PREFIX + rec.release_mbid
        out["extension"] = {TRACK_EXT: extension}
        return out

    # -- routes ------------------------------------------------------------------------------

    def _user(self, request: web.Request) -> str | web.Response:
        name = request.match_info["user"]
        if name.lower() not in self.fake.users:
            return _error(404, f"Cannot find user: {name}")
        return self.fake.users[name.lower()].name

    @staticmethod
    def _count(request: web.Request, default: int) -> tuple[int, int] | web.Response:
        try:
            count = int(request.query.get("count", default))
            offset = int(request.query.get("offset", 0))
        except ValueError:
            return _error(400, "Invalid count or offset argument.")
        if count < 0 or offset < 0:
            return _error(400, "Invalid count or offset argument.")
        return count, offset

    async def created_for(self, request: web.Request) -> web.Response:
        """GET /1/user/<name>/playlists/createdfor."""
        user = self._user(request)
        if isinstance(user, web.Response):
            return user
        paging = self._count(request, 25)
        if isinstance(paging, web.Response):
            return paging
        count, offset = paging
        mine = sorted(
            (p for p in self.playlists.values() if p.user.lower() == user.lower()),
            key=lambda p: p.created,
            reverse=True,
        )
        page = mine[offset : offset + count]
        return web.json_response(
            {
                "playlists": [self._jspf(p, with_tracks=False) for p in page],
                "playlist_count": len(mine),
                "offset": offset,
                "count": count,
            }
        )

    async def playlist(self, request: web.Request) -> web.Response:
        """GET /1/playlist/<mbid>."""
        mbid = request.match_info["mbid"]
        if not _uuid(mbid):
            return _error(400, "Provided playlist ID is invalid.")
        pl = self.playlists.get(mbid)
        if pl is None:
            return _error(404, f"Cannot find playlist: {mbid}")
        return web.json_response(self._jspf(pl, with_tracks=True))

    async def cf_recording(self, request: web.Request) -> web.StreamResponse:
        """GET /1/cf/recommendation/user/<name>/recording."""
        user = self._user(request)
        if isinstance(user, web.Response):
            return user
        paging = self._count(request, 25)
        if isinstance(paging, web.Response):
            return paging
        count, offset = paging
        recs = self.recommendations.get(user.lower())
        if not recs:
            # APINoContent: a 204 carries no body.
            return web.Response(status=204)
        chosen = recs[offset : offset + min(count, 1000)]
        return web.json_response(
            {
                "payload": {
                    "model_id": "fake-model",
                    "model_url": "https://listenbrainz.org/recommendations/model",
                    "mbids": [{"recording_mbid": m, "score": s} for m, s in chosen],
                    "entity": "recording",
                    "user_name": user,
                    "last_updated": int(datetime.now(UTC).timestamp()),
                    "count": len(chosen),
                    "total_mbid_count": len(recs),
                    "offset": offset,
                }
            }
        )

    def _metadata(self, mbids: list[str], incs: list[str]) -> web.Response:
        for mbid in mbids:
            if not _uuid(mbid):
                return _error(400, f"recording_mbid {mbid} is not valid.")
        out: dict[str, Any] = {}
        for mbid in mbids:
            rec = self.recordings.get(mbid)
            if rec is None:
                continue
            data: dict[str, Any] = {
                "recording": {"name": rec.title, "length": rec.length_ms, "rels": []}
            }
            if "artist" in incs:
                data["artist"] = {
                    "name": rec.artist,
                    "artist_credit_id": abs(hash(rec.artist)) % 1_000_000,
                    "artists": [
                        {
                            "artist_mbid": rec.artist_mbid,
                            "name": rec.artist,
                            "join_phrase": "",
                            "type": "Group",
                        }
                    ],
                }
            if "release" in incs and rec.album:
                data["release"] = {
                    "name": rec.album,
                    "mbid": rec.release_mbid,
                    "album_artist_name": rec.artist,
                    "year": rec.year,
                }
            out[mbid] = data
        return web.json_response(out)

    @staticmethod
    def _incs(raw: Any) -> list[str] | web.Response:
        if raw is None:
            return []
        if not isinstance(raw, str):
            return _error(400, "inc must be a string")
        incs = raw.split()
        allowed = ("artist", "tag", "release", "recording", "release_group")
        for inc in incs:
            if inc not in allowed:
                return _error(
                    400, f"invalid inc argument '{inc}'. Must be one of {', '.join(allowed)}."
                )
        return incs

    async def metadata_get(self, request: web.Request) -> web.Response:
        """GET /1/metadata/recording/?recording_mbids=a,b&inc=artist release."""
        incs = self._incs(request.query.get("inc"))
        if isinstance(incs, web.Response):
            return incs
        raw = request.query.get("recording_mbids")
        if raw is None:
            return _error(
                400,
                "recording_mbids argument must be present and contain a comma separated list "
                "of recording_mbids",
            )
        return self._metadata([m.strip() for m in raw.split(",")], incs)

    async def metadata_post(self, request: web.Request) -> web.Response:
        """POST /1/metadata/recording/ {recording_mbids, inc}."""
        try:
            data = json.loads(await request.text())
        except ValueError:
            return _error(400, "Cannot parse JSON document.")
        incs = self._incs(data.get("inc") if isinstance(data, dict) else None)
        if isinstance(incs, web.Response):
            return incs
        mbids = data.get("recording_mbids") if isinstance(data, dict) else None
        if not isinstance(mbids, list):
            return _error(
                400,
                "recording_mbids JSON element must be present and contain a list of "
                "recording_mbids",
            )
        for mbid in mbids:
            if not isinstance(mbid, str) or not _uuid(mbid):
                return _error(400, f"recording_mbid {mbid} is not valid.")
        if not mbids:
            return _error(400, "At least one valid recording_mbid must be present.")
        if len(mbids) > 1000:
            return _error(
                400, "Maximum number of recordings_mbids that can be fetched at once is 1000"
            )
        return self._metadata([str(m) for m in mbids], incs)
