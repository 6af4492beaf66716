"""Importing a ListenBrainz or Last.fm listening history: every listen matched to a library
track becomes a dated play (unless the companion has it already); the others are kept aside
with the job and listed, never guessed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from companion.accounts.models import User
from companion.crypto import SecretBox
from companion.errors import Conflict, InvalidInput
from companion.history.import_models import HistoryImport, HistoryImportRow
from companion.history.import_rules import SAME_PLAY, PlayTimes
from companion.history.models import Play
from companion.listening.matching import Matcher
from companion.listening.models import ScrobbleAccount
from companion.listening.senders import NOT_SET_UP, SERVICE_NAMES
from companion.providers import Providers
from companion.providers.scrobble import RemoteListen, ScrobbleService

Progress = Callable[[int, int], Awaitable[None]]
PAGE = {"listenbrainz": 1000, "lastfm": 200}
MAX_TEXT = 512


def import_message(dated: int, tracks: int, present: int, unmatched: int) -> str:
    """The preview in one sentence."""
    return (
        f"Will add {dated} plays for {tracks} tracks; {present} already present; "
        f"{unmatched} listens matched no track (kept aside)."
    )


class RemoteHistoryStager:
    """Stages one user's history from a scrobble service."""

    def __init__(
        self,
        providers: Providers,
        box: SecretBox,
        user: User,
        source: str,
        user_name: str | None,
        matcher: Matcher,
    ) -> None:
        self._providers = providers
        self._box = box
        self._user = user
        self._source = source
        self._user_name = user_name
        self._matcher = matcher
        self._account = ""
        self._secret = ""

    def _service(self) -> ScrobbleService:
        service = self._providers.scrobblers.get(self._source)
        if service is None:
            raise Conflict(
                NOT_SET_UP.format(name=SERVICE_NAMES[self._source]), code="scrobble_service_missing"
            )
        return service

    async def probe(self) -> None:
        """The account to read (the given name, else the linked one) answers one listen."""
        service = self._service()
        linked = await ScrobbleAccount.get_or_none(user_id=self._user.id, service=self._source)
        self._account = self._user_name or (linked.account_name if linked else "")
        if linked is not None and linked.secret:
            self._secret = self._box.decrypt(linked.secret)
        if not self._account:
            name = SERVICE_NAMES[self._source]
            raise InvalidInput(
                f"Enter your {name} user name, or link your {name} account first.",
                details={"field": "user_name"},
            )
        await service.history(self._account, self._secret, None, 1)

    async def run(self, job: HistoryImport, progress: Progress) -> dict[str, Any]:
        """Page through the history newest first and stage each page."""
        service = self._service()
        tally = {"dated": 0, "present": 0, "unmatched": 0, "read": 0}
        tracks: set[str] = set()
        cursor: str | None = None
        total = 0
        while True:
            page = await service.history(self._account, self._secret, cursor, PAGE[self._source])
            total = page.total or max(total, tally["read"] + len(page.listens))
            await self._stage(job, list(page.listens), tally, tracks)
            tally["read"] += len(page.listens)
            await progress(tally["read"], max(total, tally["read"]))
            if page.next_cursor is None or not page.listens:
                break
            cursor = page.next_cursor
        return {
            "dated": {"add": tally["dated"]},
            "tracks": len(tracks),
            "present": tally["present"],
            "unmatched": tally["unmatched"],
            "account": self._account,
            "read": {"listens": tally["read"]},
            "message": import_message(
                tally["dated"], len(tracks), tally["present"], tally["unmatched"]
            ),
        }

    async def _stage(
        self,
        job: HistoryImport,
        listens: list[RemoteListen],
        tally: dict[str, int],
        tracks: set[str],
    ) -> None:
        if not listens:
            return
        matched = await self._matcher(listens)
        lo = min(x.listened_at for x in listens) - SAME_PLAY
        hi = max(x.listened_at for x in listens) + SAME_PLAY
        times = PlayTimes()
        times.add_many(
            await Play.filter(
                user_id=self._user.jellyfin_id, started_at__gte=lo, started_at__lte=hi
            ).values_list("item_id", "started_at")
        )
        times.add_many(
            await HistoryImportRow.filter(
                job_id=job.id, kind="dated", started_at__gte=lo, started_at__lte=hi
            ).values_list("item_id", "started_at")
        )
        rows: list[HistoryImportRow] = []
        for listen, item_id in zip(listens, matched, strict=True):
            text = {
                "artist": listen.artist[:MAX_TEXT],
                "title": listen.title[:MAX_TEXT],
                "album": (listen.album or "")[:MAX_TEXT],
            }
            if item_id is None:
                tally["unmatched"] += 1
                rows.append(
                    HistoryImportRow(
                        job_id=job.id,
                        kind="unmatched",
                        origin=self._source,
                        started_at=listen.listened_at,
                        **text,
                    )
                )
                continue
            if times.has_near(item_id, listen.listened_at):
                tally["present"] += 1
                continue
            times.add(item_id, listen.listened_at)
            tracks.add(item_id)
            tally["dated"] += 1
            rows.append(
                HistoryImportRow(
                    job_id=job.id,
                    kind="dated",
                    origin=self._source,
                    item_id=item_id,
                    started_at=listen.listened_at,
                    **text,
                )
            )
        await HistoryImportRow.bulk_create(rows, batch_size=1000)
