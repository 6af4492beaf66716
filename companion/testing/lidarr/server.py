"""FakeLidarr: Lidarr's v1 API on 127.0.0.1 for the calls "add to library" makes.

Quirks kept (reference services.md §1): the key from `apikey`, `X-Api-Key` or a Bearer header,
401 with an empty body; camelCase JSON with camelCase enum strings; 201 for a POST with the
created resource, 202 for PUT /album/monitor; 400 with a FluentValidation array ("This artist has
already been added."); lookups with id 0; paged queue; GET /filesystem/type says "file" only for
an existing file and "folder" for anything else.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from companion.testing.lidarr.state import LibraryAlbum, LidarrWorld, Outcome, QueueRecord, Release
from companion.testing.serving import serve

FAKE_LIDARR_API_KEY = "0123456789abcdef0123456789abcdef"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_WORDS = re.compile(r"[^\w]+")
QUALITY_PROFILES = [{"id": 1, "name": "Any"}, {"id": 2, "name": "Lossless"}]
METADATA_PROFILES = [{"id": 1, "name": "Standard"}, {"id": 2, "name": "None"}]


def _validation(prop: str, message: str, value: Any = None) -> web.Response:
    return web.json_response(
        [
            {
                "propertyName": prop,
                "errorMessage": message,
                "attemptedValue": value,
                "severity": "error",
                "errorCode": "PredicateValidator",
            }
        ],
        status=400,
    )


class FakeLidarr:
    """A real aiohttp server speaking Lidarr's API over a catalogue the tests describe."""

    def __init__(
        self,
        root_folders: dict[str, Path],
        *,
        api_key: str = FAKE_LIDARR_API_KEY,
        step: float = 0.05,
        version: str = "2.13.3.4711",
    ) -> None:
        for real in root_folders.values():
            real.mkdir(parents=True, exist_ok=True)
        self.world = LidarrWorld(root_folders, step=step)
        self.api_key = api_key
        self.version = version
        self.requests: list[dict[str, Any]] = []
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.app = self._make_app()

    # -- test helpers ------------------------------------------------------------------------

    def add_release(
        self,
        artist_name: str,
        title: str,
        tracks: list[tuple[str, int]],
        *,
        artist_mbid: str,
        album_mbid: str,
        year: int = 2020,
        outcome: Outcome = "ok",
    ) -> Release:
        """Put an album into the metadata catalogue (lookups find it)."""
        release = Release(album_mbid, title, artist_mbid, artist_name, tracks, year, outcome)
        self.world.catalogue[album_mbid] = release
        return release

    def set_webhook(self, url: str, headers: dict[str, str] | None = None) -> None:
        """Settings → Connect → Webhook: where events go, with extra headers."""
        self.world.webhook_url = url
        self.world.webhook_headers = dict(headers or {})

    @property
    def url(self) -> str:
        """Base URL."""
        return f"http://127.0.0.1:{self.port}"

    async def start(self, port: int = 0) -> str:
        """Serve on 127.0.0.1 (a restart reuses the port)."""
        self._runner, self.port = await serve(self.app, "127.0.0.1", port or self.port)
        return self.url

    async def stop(self) -> None:
        """Stop serving; the world keeps its state."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
            self.app = self._make_app()

    async def close(self) -> None:
        """Stop serving and cancel work in flight."""
        await self.stop()
        await self.world.stop()

    # -- the app -----------------------------------------------------------------------------

    def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware])
        r = app.router
        api = "/api/v1"
        r.add_get(f"{api}/system/status", self._status)
        r.add_get(f"{api}/rootfolder", self._root_folders)
        r.add_get(f"{api}/qualityprofile", self._quality_profiles)
        r.add_get(f"{api}/metadataprofile", self._metadata_profiles)
        r.add_get(f"{api}/filesystem/type", self._path_type)
        r.add_get(f"{api}/album/lookup", self._album_lookup)
        r.add_get(f"{api}/album", self._albums)
        r.add_put(f"{api}/album/monitor", self._monitor)
        r.add_post(f"{api}/artist", self._add_artist)
        r.add_get(f"{api}/artist", self._artists)
        r.add_post(f"{api}/command", self._command)
        r.add_get(f"{api}/command/{{id:\\d+}}", self._get_command)
        r.add_get(f"{api}/queue", self._queue)
        r.add_get(f"{api}/trackfile", self._track_files)
        return app

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.requests.append({"method": request.method, "path": request.path})
        auth = request.headers.get("Authorization", "")
        key = (
            request.query.get("apikey")
            or request.headers.get("X-Api-Key")
            or (auth[7:] if auth.startswith("Bearer ") else None)
        )
        if key != self.api_key:
            return web.Response(status=401)
        return await handler(request)

    async def _body(self, request: web.Request) -> Any:
        try:
            return await request.json()
        except ValueError:
            raise web.HTTPBadRequest(text="Invalid JSON") from None

    async def _status(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "appName": "Lidarr",
                "instanceName": "Lidarr",
                "version": self.version,
                "branch": "master",
                "urlBase": "",
                "isDocker": True,
                "startTime": "2026-01-01T00:00:00Z",
            }
        )

    async def _quality_profiles(self, request: web.Request) -> web.Response:
        return web.json_response(QUALITY_PROFILES)

    async def _metadata_profiles(self, request: web.Request) -> web.Response:
        return web.json_response(METADATA_PROFILES)

    async def _root_folders(self, request: web.Request) -> web.Response:
        return web.json_response(
            [
                {
                    "id": n,
                    "name": path.rsplit("/", 1)[-1],
                    "path": path,
                    "defaultMetadataProfileId": 1,
                    "defaultQualityProfileId": 2,
                    "defaultMonitorOption": "all",
                    "defaultNewItemMonitorOption": "all",
                    "defaultTags": [],
                    "accessible": real.is_dir(),
                    "freeSpace": 500_000_000_000,
                    "totalSpace": 1_000_000_000_000,
                }
                for n, (path, real) in enumerate(self.world.root_folders.items(), start=1)
            ]
        )

    def _real_path(self, path: str) -> Path | None:
        for lidarr_root, real in self.world.root_folders.items():
            prefix = lidarr_root.rstrip("/") + "/"
            if path.startswith(prefix):
                return real / path[len(prefix) :]
        return None

    async def _path_type(self, request: web.Request) -> web.Response:
        real = self._real_path(request.query.get("path", ""))
        kind = "file" if real is not None and real.is_file() else "folder"
        return web.json_response({"type": kind})

    def _album_resource(self, release: Release, album: LibraryAlbum | None) -> dict[str, Any]:
        artist = self.world.artist_by_mbid(release.artist_mbid)
        return {
            "id": album.id if album else 0,
            "title": release.title,
            "foreignAlbumId": release.album_mbid,
            "artistId": album.artist_id if album else 0,
            "monitored": album.monitored if album else False,
            "albumType": "Album",
            "secondaryTypes": [],
            "releaseDate": f"{release.year}-01-01T00:00:00Z",
            "remoteCover": f"https://coverartarchive.org/release-group/{release.album_mbid}/front",
            "artist": {
                "id": artist["id"] if artist else 0,
                "artistName": release.artist_name,
                "foreignArtistId": release.artist_mbid,
            },
            "statistics": {
                "trackFileCount": len(album.files) if album else 0,
                "trackCount": len(release.tracks),
                "totalTrackCount": len(release.tracks),
            },
        }

    async def _album_lookup(self, request: web.Request) -> web.Response:
        term = request.query.get("term", "").strip()
        for prefix in ("lidarr:", "lidarrid:", "mbid:"):
            if term.lower().startswith(prefix):
                release = self.world.catalogue.get(term[len(prefix) :].strip().lower())
                found = [release] if release else []
                break
        else:
            words = [w for w in _WORDS.split(term.lower()) if w]
            found = [
                r
                for r in self.world.catalogue.values()
                if words
                and all(w in _WORDS.split(f"{r.artist_name} {r.title}".lower()) for w in words)
            ]
        return web.json_response(
            [self._album_resource(r, self.world.album_by_mbid(r.album_mbid)) for r in found]
        )

    async def _albums(self, request: web.Request) -> web.Response:
        world = self.world
        if "foreignAlbumId" in request.query:
            album = world.album_by_mbid(request.query["foreignAlbumId"].lower())
            albums = [album] if album else []
        elif "albumIds" in request.query:
            ids = {int(i) for i in request.query.getall("albumIds") if i.isdigit()}
            albums = [a for a in world.albums.values() if a.id in ids]
        elif "artistId" in request.query:
            artist_id = int(request.query["artistId"])
            albums = [a for a in world.albums.values() if a.artist_id == artist_id]
        else:
            albums = list(world.albums.values())
        return web.json_response([self._album_resource(a.release, a) for a in albums])

    async def _monitor(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        ids = [int(i) for i in body.get("albumIds") or ()]
        for album_id in ids:
            if album_id in self.world.albums:
                self.world.albums[album_id].monitored = bool(body.get("monitored"))
        albums = [self.world.albums[i] for i in ids if i in self.world.albums]
        return web.json_response([self._album_resource(a.release, a) for a in albums], status=202)

    async def _add_artist(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        if not body.get("artistName"):
            return _validation("ArtistName", "'Artist Name' must not be empty.")
        mbid = str(body.get("foreignArtistId") or "").lower()
        if not mbid:
            return _validation("ForeignArtistId", "'Foreign Artist Id' must not be empty.")
        if self.world.artist_by_mbid(mbid) is not None:
            return _validation("ForeignArtistId", "This artist has already been added.", mbid)
        if body.get("qualityProfileId") not in {p["id"] for p in QUALITY_PROFILES}:
            return _validation("QualityProfileId", "Quality Profile does not exist")
        if body.get("metadataProfileId") not in {p["id"] for p in METADATA_PROFILES}:
            return _validation("MetadataProfileId", "Metadata Profile does not exist")
        root = str(body.get("rootFolderPath") or "").rstrip("/")
        if not body.get("path") and root not in self.world.root_folders:
            return _validation("RootFolderPath", "Root Folder does not exist", root)
        artist = self.world.add_artist({**body, "foreignArtistId": mbid, "rootFolderPath": root})
        return web.json_response(artist, status=201)

    async def _artists(self, request: web.Request) -> web.Response:
        mbid = request.query.get("mbId")
        if mbid is not None:
            found = self.world.artist_by_mbid(mbid.lower())
            return web.json_response([found] if found else [])
        return web.json_response(list(self.world.artists.values()))

    async def _command(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        name = str(body.get("name") or "")
        if name.lower() not in ("albumsearch", "artistsearch", "refreshartist", "rescanfolders"):
            return _validation("Name", f"Unknown command {name}")
        command = self.world.command(name, body)
        return web.json_response(command, status=201)

    async def _get_command(self, request: web.Request) -> web.Response:
        command = self.world.commands.get(int(request.match_info["id"]))
        if command is None:
            return web.json_response({"message": "NotFound"}, status=404)
        return web.json_response(command)

    def _queue_resource(self, record: QueueRecord) -> dict[str, Any]:
        return {
            "id": record.id,
            "artistId": record.album.artist_id,
            "albumId": record.album.id,
            "title": f"{record.album.release.artist_name} - {record.album.release.title}",
            "size": record.size,
            "sizeleft": record.size_left,
            "status": record.status,
            "trackedDownloadStatus": record.tracked_status,
            "trackedDownloadState": record.tracked_state,
            "statusMessages": record.messages,
            "downloadId": record.download_id,
            "protocol": "usenet",
            "downloadClient": "SABnzbd",
            "outputPath": f"/downloads/complete/{record.album.release.title}",
        }

    async def _queue(self, request: web.Request) -> web.Response:
        page = max(1, int(request.query.get("page", "1")))
        size = max(1, int(request.query.get("pageSize", "10")))
        records = list(self.world.queue.values())
        chunk = records[(page - 1) * size : page * size]
        return web.json_response(
            {
                "page": page,
                "pageSize": size,
                "sortKey": "timeleft",
                "sortDirection": "ascending",
                "totalRecords": len(records),
                "records": [self._queue_resource(r) for r in chunk],
            }
        )

    async def _track_files(self, request: web.Request) -> web.Response:
        ids = [int(i) for i in request.query.getall("albumId", []) if i.isdigit()]
        if not ids:
            return web.json_response(
                {"message": "artistId, albumId, trackFileIds or unmapped must be provided"},
                status=400,
            )
        out: list[dict[str, Any]] = []
        for album_id in ids:
            album = self.world.albums.get(album_id)
            if album is None:
                return web.json_response({"message": "NotFound"}, status=404)
            out.extend(
                {"id": f["id"], "path": f["path"], "albumId": album.id, "size": f["size"]}
                for f in album.files
            )
        return web.json_response(out)
