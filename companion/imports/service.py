"""Imports as users drive them: read a playlist, match it, fix rows, commit it as a playlist."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from tortoise.transactions import in_transaction

from companion.accounts.auth import Principal
from companion.crypto import SecretBox
from companion.errors import CompanionError, Conflict, Forbidden, InvalidInput, NotFound
from companion.events import Event, EventBus
from companion.imports.accounts import AccountLinks
from companion.imports.filling import Filler
from companion.imports.matching import TrackQuery, match_tracks, pick_key
from companion.imports.models import ImportJob, ImportPick, ImportRow
from companion.imports.parsers import parse_file, parse_text
from companion.imports.rows import (
    RESULT_FIELDS,
    apply_result,
    job_dto,
    new_row,
    query_of,
)
from companion.imports.sources import fetch_url
from companion.library.index_rows import backfill_match_keys
from companion.library.models import LibraryTrack
from companion.media import make_ref, parse_ref, ref_scheme
from companion.playlists.service import PlaylistService
from companion.providers import Providers, ProviderUnavailable
from companion.providers.sources import (
    AccountRejected,
    Progress,
    SourcePlaylist,
    SourcePlaylistMissing,
)

_LOGGER = logging.getLogger(__name__)

PROGRESS_EVENT = "import.progress"
# Bigger uploads are refused before they are read to the end (a playlist of 10,000 rows with
# every Exportify column is about 4 MB).
MAX_FILE_BYTES = 10 * 1024 * 1024
RECENT = 50


def _now() -> datetime:
    return datetime.now(UTC)


class ImportService:
    """Every import operation of the API, the websocket and the re-match reactor."""

    def __init__(
        self, playlists: PlaylistService, providers: Providers, bus: EventBus, box: SecretBox
    ) -> None:
        self._playlists = playlists
        self._providers = providers
        self._bus = bus
        self.filler = Filler(playlists, bus)
        self.accounts = AccountLinks(providers, box)

    async def start(self) -> None:
        """Give rows indexed before matching keys existed their keys (once, after upgrade)."""
        filled = await backfill_match_keys()
        if filled:
            _LOGGER.info("Library index: matching keys computed for %d tracks", filled)

    @staticmethod
    def _owner(principal: Principal) -> int:
        if principal.user_id is None:
            raise Forbidden("Sign in to import playlists.")
        return principal.user_id

    async def _job(self, principal: Principal, job_id: int) -> ImportJob:
        job = await ImportJob.get_or_none(id=job_id, owner_id=self._owner(principal))
        if job is None:
            raise NotFound("No such import.", code="import_not_found")
        return job

    # -- creating ----------------------------------------------------------------------------

    async def from_file(
        self,
        principal: Principal,
        filename: str,
        data: bytes,
        mapping: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """Import an uploaded file (CSV, M3U/M3U8, JSPF, XSPF)."""
        self._owner(principal)
        return await self._create(principal, parse_file(filename, data, mapping))

    async def from_text(
        self,
        principal: Principal,
        source: str | None,
        text: str,
        name: str | None = None,
        mapping: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """Import pasted text; `source` names the format (csv, m3u, jspf, xspf) or is None."""
        self._owner(principal)
        fmt = None if source in (None, "", "auto") else source
        if fmt == "exportify":
            fmt = "csv"
        if fmt is not None and fmt not in ("csv", "m3u", "jspf", "xspf"):
            raise InvalidInput(
                f"Unknown source {source!r}: use csv, exportify, m3u, jspf or xspf, or send a URL.",
                code="import_unknown_format",
            )
        return await self._create(
            principal, parse_text(text, name or "Imported playlist", fmt, mapping)
        )

    async def from_url(self, principal: Principal, url: str) -> dict[str, Any]:
        """Import a public playlist of another service by its URL."""
        self._owner(principal)
        user = principal.jellyfin_id

        def progress(done: int, total: int) -> None:
            self._publish(user, {"phase": "fetching", "done": done, "total": total})

        playlist = await self._own_playlist(principal, url, progress)
        if playlist is None:
            playlist = await fetch_url(self._providers, url, progress)
        return await self._create(principal, playlist)

    async def _own_playlist(
        self, principal: Principal, url: str, progress: Progress
    ) -> SourcePlaylist | None:
        """The playlist through the user's own sign-in at its service, when they have one."""
        for name in self._providers.account_sources:
            source = self._providers.playlist_sources.get(name)
            playlist_id = source.playlist_id(url.strip()) if source is not None else None
            if playlist_id is None:
                continue
            try:
                return await self.accounts.try_fetch(principal, name, playlist_id, progress)
            except SourcePlaylistMissing as err:
                raise NotFound(str(err), code="import_playlist_not_found") from err
            except AccountRejected:
                return None  # signed out at the service: the public page may still do
            except ProviderUnavailable as err:
                raise CompanionError(
                    str(err), code="import_source_unreachable", status=503
                ) from err
        return None

    async def _create(self, principal: Principal, playlist: SourcePlaylist) -> dict[str, Any]:
        owner = self._owner(principal)
        async with in_transaction() as conn:
            job = await ImportJob.create(
                owner_id=owner,
                name=(playlist.name or "Imported playlist")[:255],
                source=playlist.source,
                source_url=playlist.url,
                notice=playlist.notice,
                total=len(playlist.tracks),
                using_db=conn,
            )
            rows = [new_row(job, i, t) for i, t in enumerate(playlist.tracks)]
            await ImportRow.bulk_create(rows, batch_size=500, using_db=conn)
        rows = await ImportRow.filter(job_id=job.id).order_by("index")
        await self._match(principal, job, rows)
        return job_dto(job, rows)

    async def _match(self, principal: Principal, job: ImportJob, rows: list[ImportRow]) -> None:
        picks = await self._picks(self._owner(principal), [query_of(r) for r in rows])
        user = principal.jellyfin_id

        def progress(done: int, total: int) -> None:
            job.done = done
            self._publish(user, {**_brief(job), "phase": "matching", "done": done, "total": total})

        results = await match_tracks([query_of(r) for r in rows], picks=picks, progress=progress)
        for row, result in zip(rows, results, strict=True):
            apply_result(row, result)
        async with in_transaction() as conn:
            for start in range(0, len(rows), 500):
                await ImportRow.bulk_update(
                    rows[start : start + 500], fields=list(RESULT_FIELDS), using_db=conn
                )
            job.state = "ready"
            job.done = len(rows)
            await job.save(using_db=conn)
        self._publish(user, {**_brief(job), "phase": "ready", "done": job.done})

    async def _picks(self, owner: int, queries: list[TrackQuery]) -> dict[str, str]:
        keys = list({pick_key(q) for q in queries})
        found: dict[str, str] = {}
        for start in range(0, len(keys), 500):
            for pick in await ImportPick.filter(owner_id=owner, key__in=keys[start : start + 500]):
                found[pick.key] = pick.item_id
        return found

    def _publish(self, user: str | None, data: dict[str, Any]) -> None:
        self._bus.publish(Event(PROGRESS_EVENT, data, user_id=user))

    # -- reading -----------------------------------------------------------------------------

    async def recent(self, principal: Principal) -> list[dict[str, Any]]:
        """The user's imports, newest first (no rows)."""
        jobs = await ImportJob.filter(owner_id=self._owner(principal)).order_by("-id").limit(RECENT)
        return [job_dto(j) for j in jobs]

    async def get(self, principal: Principal, job_id: int) -> dict[str, Any]:
        """One import with its rows."""
        job = await self._job(principal, job_id)
        rows = await ImportRow.filter(job_id=job.id).order_by("index")
        return job_dto(job, rows)

    # -- fixing rows -------------------------------------------------------------------------

    async def patch_row(
        self, principal: Principal, job_id: int, index: int, body: dict[str, Any]
    ) -> dict[str, Any]:
        """Pick a track for a row (`{"ref"}`), skip it (`{"skip": true}`) or unskip it."""
        job = await self._job(principal, job_id)
        row = await ImportRow.get_or_none(job_id=job.id, index=index)
        if row is None:
            raise NotFound(f"The import has no row {index}.", code="import_row_not_found")
        unknown = set(body) - {"ref", "skip"}
        if unknown or not body:
            raise InvalidInput("Send {'ref': '<server>:<id>'} or {'skip': true|false}.")
        if "ref" in body:
            item_id = await self._known_item(body["ref"])
            if row.filled and row.item_id != item_id:
                raise Conflict(
                    "That row is already in the playlist; edit the playlist to change it.",
                    code="import_row_filled",
                )
            row.state, row.item_id, row.confidence = "matched", item_id, 1.0
            row.method, row.reason, row.picked = "pick", None, True
            await row.save()
            await ImportPick.update_or_create(
                defaults={"item_id": item_id},
                owner_id=self._owner(principal),
                key=pick_key(query_of(row)),
            )
        else:
            skip = body["skip"]
            if not isinstance(skip, bool):
                raise InvalidInput("'skip' must be true or false.", details={"field": "skip"})
            if skip and row.filled:
                raise Conflict(
                    "That row is already in the playlist; remove it from the playlist instead.",
                    code="import_row_filled",
                )
            if skip:
                row.state, row.picked, row.reason = "skipped", True, "skipped by you"
            elif row.state == "skipped":
                row.state, row.picked, row.reason = "unmatched", False, "waiting for the library"
            await row.save()
        if job.state == "committed" and row.state == "matched" and not row.filled:
            await self.filler.fill(job, [row])
        return await self.get(principal, job_id)

    async def _known_item(self, ref: Any) -> str:
        item_id = parse_ref(ref) if isinstance(ref, str) else None
        if item_id is None:
            raise InvalidInput(
                f"'ref' must be a track ref {ref_scheme()}:<32 hex>.", details={"field": "ref"}
            )
        if not await LibraryTrack.filter(item_id=item_id).exists():
            raise InvalidInput(
                f"Unknown ref: {ref} (not a track in the library index).", code="unknown_ref"
            )
        return item_id

    # -- committing --------------------------------------------------------------------------

    async def commit(self, principal: Principal, job_id: int, name: Any) -> dict[str, Any]:
        """Make the companion playlist: matched rows in order; the others wait for the library."""
        job = await self._job(principal, job_id)
        if job.state == "committed":
            raise Conflict("This import is already a playlist.", code="import_committed")
        if job.state != "ready":
            raise Conflict("This import is still being matched.", code="import_not_ready")
        if name is not None and not isinstance(name, str):
            raise InvalidInput("'name' must be a string.", details={"field": "name"})
        rows = await ImportRow.filter(job_id=job.id).order_by("index")
        matched = [r for r in rows if r.state == "matched" and r.item_id]
        playlist = await self._playlists.create(
            principal,
            (name or job.name).strip() or job.name,
            [make_ref(r.item_id) for r in matched if r.item_id],
            f"Imported from {job.source}" + (f" ({job.source_url})" if job.source_url else ""),
        )
        now = _now()
        async with in_transaction() as conn:
            for row in matched:
                row.filled, row.filled_at = True, now
            if matched:
                await ImportRow.bulk_update(matched, fields=["filled", "filled_at"], using_db=conn)
            job.state, job.playlist_id, job.committed_at = "committed", playlist["id"], now
            await job.save(using_db=conn)
        self._publish(principal.jellyfin_id, {**_brief(job), "phase": "committed"})
        return {**job_dto(job, rows), "playlist": playlist}


def _brief(job: ImportJob) -> dict[str, Any]:
    return {"import_id": job.id, "name": job.name, "state": job.state, "total": job.total}
