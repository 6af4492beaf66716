"""The weekly reset of a flow's week, as a journal: keep what the listener liked, carry what
comes back next week, remove the rest (links first, then files, then a scan).

A track is kept when its user chose Keep, or — unless they chose Remove — when it is a
favorite in Jellyfin (the live favorites mirror) or was played at least `keep_plays` times
during the week. Kept files move into the library folder; links to them from other users'
flows are pointed at the new place before the old file goes, so no link ever dangles. A file
is deleted only when no live link and no unfinished track of any flow still needs it.
"""

from __future__ import annotations

import asyncio
import os
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any

from companion.flows.files import Step
from companion.flows.layout import FlowFolders
from companion.flows.models import Flow, FlowFile, FlowLink, FlowRun, FlowTrack
from companion.history.models import Play
from companion.library.models import Favorite

# Track states that still need their file (a download or a link in use).
ACTIVE_STATES = ("waiting", "fetching", "placed", "indexed")


@dataclass
class ResetPlan:
    """What a reset (or a single removal or promotion) will do, before it does it."""

    steps: list[Step] = field(default_factory=list)
    kept: list[int] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)
    carried: list[int] = field(default_factory=list)
    links_removed: list[int] = field(default_factory=list)
    files_deleted: list[int] = field(default_factory=list)
    files_promoted: dict[int, str] = field(default_factory=dict)
    relinked: dict[int, str] = field(default_factory=dict)

    def data(self) -> dict[str, Any]:
        """The journal's record of the plan (what the finisher writes to the database)."""
        return {
            "kept": self.kept,
            "removed": self.removed,
            "carried": self.carried,
            "links_removed": self.links_removed,
            "files_deleted": self.files_deleted,
            "files_promoted": {str(k): v for k, v in self.files_promoted.items()},
            "relinked": {str(k): v for k, v in self.relinked.items()},
        }


async def liked(user_jellyfin_id: str, item_ids: Iterable[str]) -> set[str]:
    """The items among item_ids that are the user's favorites now."""
    ids = [i for i in set(item_ids) if i]
    if not ids:
        return set()
    rows = await Favorite.filter(user_id=user_jellyfin_id, item_id__in=ids).values_list(
        "item_id", flat=True
    )
    return {str(r) for r in rows}


async def play_counts(
    user_jellyfin_id: str, item_ids: Iterable[str], since: datetime
) -> dict[str, int]:
    """Counted plays of each item by the user since a time."""
    ids = [i for i in set(item_ids) if i]
    counts: dict[str, int] = defaultdict(int)
    if not ids:
        return counts
    rows = await Play.filter(
        user_id=user_jellyfin_id, item_id__in=ids, started_at__gte=since, counted=True
    ).values_list("item_id", flat=True)
    for item in rows:
        counts[str(item)] += 1
    return counts


async def decide_kept(
    flow: Flow, run: FlowRun, user_jellyfin_id: str | None, tracks: list[FlowTrack]
) -> set[int]:
    """Ids of the tracks the reset keeps."""
    ids = [t.item_id for t in tracks if t.item_id]
    favorites = await liked(user_jellyfin_id, ids) if user_jellyfin_id else set()
    plays = await play_counts(user_jellyfin_id, ids, run.started_at) if user_jellyfin_id else {}
    kept: set[int] = set()
    for track in tracks:
        if track.decision == "keep" or (
            track.decision != "remove"
            and track.item_id is not None
            and (track.item_id in favorites or plays.get(track.item_id, 0) >= flow.keep_plays)
        ):
            kept.add(track.id)
    return kept


class Planner:
    """Turns decisions about tracks into ordered, idempotent steps."""

    def __init__(self, folders: FlowFolders) -> None:
        self.folders = folders
        self.plan = ResetPlan()
        self._unlinks: list[Step] = []
        self._moves: list[Step] = []
        self._deletes: list[Step] = []
        self._prunes: dict[str, Step] = {}
        self._scan: set[str] = set()
        self._taken: set[str] = set()

    def unlink(self, link: FlowLink) -> None:
        """Remove a link (first, before any target goes)."""
        self._unlinks.append(["unlink", link.path])
        self.plan.links_removed.append(link.id)
        self._prune(str(PurePosixPath(link.path).parent), self.folders.links_root)
        self._scan.add(self.folders.jellyfin_path(str(PurePosixPath(link.path).parent)))

    def delete(self, file: FlowFile) -> None:
        """Delete a file nothing needs any more."""
        self._deletes.append(["delete", file.path])
        self.plan.files_deleted.append(file.id)
        self._prune(str(PurePosixPath(file.path).parent), self.folders.flows_path)

    def promote(self, file: FlowFile, others: list[FlowLink], taken: set[str]) -> str:
        """Move a file into the library; other flows' links follow it before it leaves."""
        dst = self._free_path(self.folders.promoted_path(file.path), taken)
        self._moves.append(["place", file.path, dst])
        for link in others:
            self._moves.append(["link", dst, link.path])
            self.plan.relinked[link.id] = dst
        self._moves.append(["drop_source", file.path, dst])
        self.plan.files_promoted[file.id] = dst
        self._prune(str(PurePosixPath(file.path).parent), self.folders.flows_path)
        self._scan.add(self.folders.jellyfin_path(str(PurePosixPath(dst).parent)))
        return dst

    def _free_path(self, wanted: str, taken: set[str]) -> str:
        path = PurePosixPath(wanted)
        candidate, n = wanted, 1
        while candidate in taken or candidate in self._taken or os.path.lexists(candidate):
            n += 1
            candidate = str(path.with_name(f"{path.stem} ({n}){path.suffix}"))
        self._taken.add(candidate)
        return candidate

    def _prune(self, folder: str, root: str) -> None:
        self._prunes.setdefault(folder, ["prune", folder, root])

    def steps(self) -> list[Step]:
        """Links first, then moves and deletions, then empty folders, then one scan."""
        out = [*self._unlinks, *self._moves, *self._deletes]
        # Deepest folders first, so parents empty out in the same pass.
        out += sorted(self._prunes.values(), key=lambda s: -len(str(s[1])))
        if self._scan:
            out.append(["scan", sorted(self._scan)])
        return out


async def plan_reset(
    flow: Flow,
    run: FlowRun,
    folders: FlowFolders,
    user_jellyfin_id: str | None,
    carry_keys: set[str],
) -> ResetPlan:
    """Decide every track of the week and write the steps (nothing is touched yet)."""
    tracks = await FlowTrack.filter(run_id=run.id, state__in=ACTIVE_STATES)
    kept = await decide_kept(flow, run, user_jellyfin_id, tracks)
    return await plan_tracks(folders, tracks, kept, carry_keys)


async def plan_tracks(
    folders: FlowFolders, tracks: list[FlowTrack], kept: set[int], carry_keys: set[str]
) -> ResetPlan:
    """Steps that keep `kept`, carry indexed tracks whose key is in carry_keys, drop the rest."""
    planner = Planner(folders)
    plan = planner.plan
    leaving_links: set[int] = set()
    staying_links: set[int] = set()
    for track in tracks:
        link_id = track.link_id  # type: ignore[attr-defined]
        if track.id in kept:
            plan.kept.append(track.id)
            if link_id is not None:
                leaving_links.add(link_id)
        elif track.key in carry_keys and track.decision != "remove" and track.state == "indexed":
            plan.carried.append(track.id)
            if link_id is not None:
                staying_links.add(link_id)
        else:
            plan.removed.append(track.id)
            if link_id is not None:
                leaving_links.add(link_id)
    leaving_links -= staying_links
    links = await FlowLink.filter(id__in=list(leaving_links), state="live")
    for link in links:
        planner.unlink(link)
    await _plan_files(planner, tracks, kept, {link.id for link in links})
    plan.steps = planner.steps()
    return plan


async def _plan_files(
    planner: Planner,
    tracks: list[FlowTrack],
    kept: set[int],
    unlinked: set[int],
) -> None:
    file_ids = {t.file_id for t in tracks if t.file_id is not None}  # type: ignore[attr-defined]
    if not file_ids:
        return
    files = {f.id: f for f in await FlowFile.filter(id__in=list(file_ids), state="present")}
    live = await FlowLink.filter(file_id__in=list(files), state="live")
    remaining: dict[int, list[FlowLink]] = defaultdict(list)
    for link in live:
        if link.id not in unlinked:
            remaining[link.file_id].append(link)  # type: ignore[attr-defined]
    # Unfinished tracks that are not part of this plan (another user's week, say).
    mine = [t.id for t in tracks]
    rows = await FlowTrack.filter(
        file_id__in=list(files), state__in=ACTIVE_STATES, id__not_in=mine
    ).values_list("file_id", flat=True)
    busy = {int(str(r)) for r in rows}
    promote = {
        t.file_id  # type: ignore[attr-defined]
        for t in tracks
        if t.id in kept and t.file_id is not None  # type: ignore[attr-defined]
    }
    taken: set[str] = set()
    for file_id, file in files.items():
        if file_id in promote:
            taken.add(planner.promote(file, remaining[file_id], taken))
        elif not remaining[file_id] and file_id not in busy:
            planner.delete(file)


async def finish_reset(journal_data: dict[str, Any], run_id: int | None, conn: Any) -> None:
    """Record a reset's outcome (idempotent: it only sets states)."""
    now = datetime.now(UTC)
    await _finish_items(journal_data, conn)
    if run_id is not None:
        counts = {
            "kept": len(journal_data.get("kept", [])),
            "removed": len(journal_data.get("removed", [])),
            "carried": len(journal_data.get("carried", [])),
            "files_deleted": len(journal_data.get("files_deleted", [])),
        }
        await (
            FlowRun.filter(id=run_id)
            .using_db(conn)
            .update(state="done", reset_at=now, counts=counts)
        )


async def _finish_items(data: dict[str, Any], conn: Any) -> None:
    kept, removed = data.get("kept", []), data.get("removed", [])
    failed: list[int] = []
    promoted: dict[str, str] = data.get("files_promoted", {})
    placed = await asyncio.to_thread(lambda: {k: os.path.exists(v) for k, v in promoted.items()})
    for file_id, dst in promoted.items():
        if placed[file_id]:
            await (
                FlowFile.filter(id=int(file_id))
                .using_db(conn)
                .update(state="promoted", library_path=dst)
            )
        else:
            # The move did not happen (the journal logged why): the file stays where it was.
            failed.append(int(file_id))
    if kept:
        await FlowTrack.filter(id__in=kept, kind="download").using_db(conn).update(state="promoted")
        await FlowTrack.filter(id__in=kept, kind="library").using_db(conn).update(state="kept")
        if failed:
            await (
                FlowTrack.filter(id__in=kept, file_id__in=failed)
                .using_db(conn)
                .update(
                    state="failed",
                    reason="Could not move the file into the library; it was kept "
                    "in the flows folder.",
                )
            )
    if removed:
        await FlowTrack.filter(id__in=removed).using_db(conn).update(state="removed")
    if data.get("carried"):
        await FlowTrack.filter(id__in=data["carried"]).using_db(conn).update(state="carried")
    if data.get("links_removed"):
        await FlowLink.filter(id__in=data["links_removed"]).using_db(conn).update(state="removed")
    if data.get("files_deleted"):
        await FlowFile.filter(id__in=data["files_deleted"]).using_db(conn).update(state="deleted")
