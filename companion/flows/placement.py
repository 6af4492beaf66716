"""A finished download becomes a flow file and a link Jellyfin can see; a file another flow
already has is linked again instead of downloaded twice.

The file is placed first and the link made only once its target exists, so a link never
dangles; each step is idempotent, so a restart in the middle simply does it again.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import PurePosixPath

from tortoise.exceptions import IntegrityError

from companion.flows.files import drop_source, make_link, place_file
from companion.flows.layout import FlowFolders
from companion.flows.models import Flow, FlowFile, FlowLink, FlowTrack


def _place(src: str, dst: str) -> tuple[str, int]:
    target = dst
    n = 1
    # A different file under the same name (another recording, same album folder): a new name.
    while os.path.exists(target) and os.path.exists(src) and not os.path.samefile(src, target):
        if os.path.getsize(src) == os.path.getsize(target):
            break
        n += 1
        path = PurePosixPath(dst)
        target = str(path.with_name(f"{path.stem} ({n}){path.suffix}"))
    place_file(src, target)
    drop_source(src, target)
    return target, os.path.getsize(target)


async def adopt_download(
    folders: FlowFolders, flow: Flow, track: FlowTrack, landed: str
) -> FlowFile:
    """Record a finished download (moved into the flow's folder first if it is elsewhere)."""
    flow_root = str(PurePosixPath(folders.flows_path) / flow.folder)
    if landed.startswith(flow_root + "/"):
        # The downloads capability placed it in the flow's folder already.
        size = await asyncio.to_thread(os.path.getsize, landed)
        return await _record(track, landed, size)
    artist = track.artists[0] if track.artists else "Unknown Artist"
    wanted = folders.file_path(
        flow.folder, artist, track.album or "Unknown Album", PurePosixPath(landed).name
    )
    existing = await FlowFile.get_or_none(path=wanted)
    if existing is not None and existing.state == "present" and existing.key == track.key:
        await asyncio.to_thread(_cleanup, landed, wanted)
        return existing
    path, size = await asyncio.to_thread(_place, landed, wanted)
    return await _record(track, path, size)


async def _record(track: FlowTrack, path: str, size: int) -> FlowFile:
    file = await FlowFile.get_or_none(path=path)
    if file is None:
        try:
            file = await FlowFile.create(key=track.key, path=path, size=size)
        except IntegrityError:
            file = await FlowFile.get(path=path)
    elif file.state != "present":
        file.state, file.key, file.size = "present", track.key, size
        await file.save(update_fields=["state", "key", "size"])
    return file


def _cleanup(landed: str, placed: str) -> None:
    # The same file was placed before a restart; a second copy slskd wrote is not needed.
    if os.path.exists(landed) and os.path.exists(placed) and not os.path.samefile(landed, placed):
        drop_source(landed, placed)


async def link_file(folders: FlowFolders, flow: Flow, file: FlowFile) -> FlowLink:
    """Make (or find) the flow's link to a file."""
    link = await FlowLink.get_or_none(flow_id=flow.id, file_id=file.id, state="live")
    path = link.path if link is not None else folders.link_path(flow.folder, file.path)
    await asyncio.to_thread(make_link, file.path, path)
    if link is not None:
        return link
    stale = await FlowLink.get_or_none(path=path)
    if stale is not None:
        # A removed link's row at the same place (an earlier week): it lives again.
        stale.file_id, stale.state, stale.item_id = file.id, "live", None
        await stale.save(update_fields=["file_id", "state", "item_id"])
        return stale
    return await FlowLink.create(
        flow_id=flow.id,
        file_id=file.id,
        path=path,
        jellyfin_path=folders.jellyfin_path(path),
    )


async def reusable_file(key: str) -> FlowFile | None:
    """A file some flow already downloaded for this track and still has."""
    return await FlowFile.filter(key=key, state="present").order_by("id").first()
