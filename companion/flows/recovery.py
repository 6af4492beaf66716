"""What a start does before anything else in flows: finish interrupted journals, remove links
whose targets are gone (they break Jellyfin's folder polling), and drop weeks a crash left
half built (their flow is still due, so the scheduler builds them again)."""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass
from pathlib import PurePosixPath

from companion.flows.files import dangling_links, remove_link
from companion.flows.journal import JournalRunner, Scanner
from companion.flows.layout import FlowFolders
from companion.flows.models import FlowLink, FlowRun, FlowTrack

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Recovered:
    """What the start found and fixed."""

    journals: int
    dangling: int
    half_built: int


def _sweep(root: str) -> list[str]:
    removed: list[str] = []
    for path in dangling_links(root):
        try:
            remove_link(path)
        except OSError as err:
            _LOGGER.warning("Could not remove the dangling flow link %s: %s", path, err)
            continue
        removed.append(path)
    return removed


async def remove_dangling(folders: FlowFolders, scanner: Scanner) -> int:
    """Remove dangling links below the links folder, record it, and have Jellyfin look."""
    removed = await asyncio.to_thread(_sweep, folders.links_root)
    if not removed:
        return 0
    _LOGGER.warning("Removed %s flow link(s) whose file was gone", len(removed))
    links = await FlowLink.filter(path__in=removed)
    ids = [link.id for link in links]
    await FlowLink.filter(id__in=ids).update(state="removed")
    await FlowTrack.filter(link_id__in=ids, state__in=("placed", "indexed")).update(
        state="failed", reason="The file disappeared from the flows folder."
    )
    parents = sorted({folders.jellyfin_path(str(PurePosixPath(p).parent)) for p in removed})
    await scanner(parents)
    return len(removed)


async def missing_links(folders: FlowFolders) -> int:
    """Links the database says are live but that are not on disk any more (removed by hand)."""
    live = await FlowLink.filter(state="live").values_list("id", "path")
    gone = await asyncio.to_thread(lambda: [i for i, p in live if not os.path.lexists(p)])
    if gone:
        await FlowLink.filter(id__in=gone).update(state="removed")
        await FlowTrack.filter(link_id__in=gone, state__in=("placed", "indexed")).update(
            state="failed", reason="Its link was removed outside the companion."
        )
    return len(gone)


async def recover(
    runner: JournalRunner, folders: FlowFolders | None, scanner: Scanner
) -> Recovered:
    """Everything a start must do before the tracker and the scheduler run."""
    journals = await runner.replay()
    dangling = 0
    if folders is not None:
        dangling = await remove_dangling(folders, scanner)
        await missing_links(folders)
    # Planned weeks had their turnover written down: the replay finished it, they go live.
    await FlowRun.filter(state="planned").update(state="active")
    half = await FlowRun.filter(state="building")
    for run in half:
        await run.delete()
    return Recovered(journals, dangling, len(half))
