"""Fixtures of the flows tests: a started companion with real folders on disk, and a scene
builder that lays out weeks of flow tracks (files, links, rows) the way the tracker does."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from companion import keys
from companion.accounts.models import Setting, User
from companion.flows.candidates import track_key
from companion.flows.config import SETTING_KEY
from companion.flows.files import make_link
from companion.flows.layout import FlowFolders, flow_folder
from companion.flows.models import Flow, FlowFile, FlowLink, FlowRun, FlowTrack
from companion.flows.service import FlowService
from tests.automation.conftest import receiver  # noqa: F401  (fixture)


@dataclass
class Scene:
    """Folders, users and flows of one test, and helpers to lay tracks out."""

    root: Path
    folders: FlowFolders
    service: FlowService
    scans: list[list[str]] = field(default_factory=list)

    async def user(self, name: str) -> User:
        """A companion user linked to a Jellyfin id."""
        return await User.create(name=name, jellyfin_id=uuid.uuid4().hex)

    async def flow(self, user: User, name: str = "Discovery", **kw: Any) -> Flow:
        """A flow of the user (no schedule run)."""
        defaults: dict[str, Any] = {
            "size_tracks": 10,
            "day": 0,
            "time": "06:00",
            "sources": {"weights": {"listenbrainz": 1.0}},
            "keep_plays": 2,
        }
        return await Flow.create(
            user=user, name=name, folder=flow_folder(user.name, name), **(defaults | kw)
        )

    async def week(self, flow: Flow, label: str = "2026-W49", days_ago: int = 6) -> FlowRun:
        """An active week that started `days_ago`."""
        run = await FlowRun.create(flow=flow, week=label, state="active")
        run.started_at = datetime.now(UTC) - timedelta(days=days_ago)
        await run.save(update_fields=["started_at"])
        return run

    async def track(
        self,
        run: FlowRun,
        flow: Flow,
        artist: str,
        title: str,
        *,
        position: int = 0,
        file: FlowFile | None = None,
        size: int = 4096,
    ) -> FlowTrack:
        """An indexed download: its file (new, or shared), its link, its Jellyfin item."""
        key = track_key((artist,), title)
        if file is None:
            path = self.folders.file_path(flow.folder, artist, "Album", f"{title}.mp3")
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            Path(path).write_bytes(b"\xff\xfb" + bytes(size))
            file = await FlowFile.create(key=key, path=path, size=size + 2)
        link_path = self.folders.link_path(flow.folder, file.path)
        make_link(file.path, link_path)
        item_id = uuid.uuid4().hex
        link = await FlowLink.create(
            flow=flow,
            file=file,
            path=link_path,
            jellyfin_path=self.folders.jellyfin_path(link_path),
            item_id=item_id,
        )
        return await FlowTrack.create(
            run=run,
            position=position,
            source="listenbrainz",
            key=key,
            title=title,
            artists=[artist],
            album="Album",
            kind="download",
            item_id=item_id,
            state="indexed",
            file=file,
            link=link,
        )


async def make_scene(client: TestClient[Any, Any], root: Path) -> Scene:
    """Folders on disk, saved as the install's flows settings, and the app's service on them."""
    library = root / "music"
    flows = root / "flows"
    library.mkdir(parents=True)
    flows.mkdir(parents=True)
    folders = FlowFolders(
        library_id="lib",
        library_path="/media/music",
        local_library=str(library),
        flows_path=str(flows),
    )
    await Setting.update_or_create(key=SETTING_KEY, defaults={"value": folders.as_dict()})
    service: FlowService = client.app[keys.FLOWS]
    service._use(folders)
    scene = Scene(root, folders, service)

    async def record_scan(paths: Any) -> bool:
        scene.scans.append(list(paths))
        return True

    service.runner._scanner = record_scan
    return scene


@pytest.fixture
async def scene(client: TestClient[Any, Any], tmp_path: Path) -> Scene:
    """A scene on the started app."""
    return await make_scene(client, tmp_path / "disk")
