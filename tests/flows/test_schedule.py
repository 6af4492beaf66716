"""When weeks turn over (day and time in the install's zone, DST included), missed ones run
at the next start, and what a start cleans up (dangling links, half-built weeks)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp.test_utils import TestClient

from companion.flows.files import dangling_links
from companion.flows.models import FlowFile, FlowLink, FlowRun, FlowTrack
from companion.flows.recovery import recover
from companion.flows.schedule import next_run
from tests.flows.conftest import Scene

PARIS = ZoneInfo("Europe/Paris")


def test_next_run_is_the_local_day_and_time_in_the_install_zone() -> None:
    # Wednesday 2026-03-25 12:00 in Paris (UTC+1 before the switch on Sunday the 29th).
    now = datetime(2026, 3, 25, 11, 0, tzinfo=UTC)
    monday = next_run(0, "06:00", PARIS, now)
    # The next Monday is after the DST switch: 06:00 Paris is 04:00 UTC there.
    assert monday == datetime(2026, 3, 30, 4, 0, tzinfo=UTC)
    # Later today, local time.
    assert next_run(2, "18:00", PARIS, now) == datetime(2026, 3, 25, 17, 0, tzinfo=UTC)
    # Earlier today: a week ahead.
    assert next_run(2, "08:00", PARIS, now) == datetime(2026, 4, 1, 6, 0, tzinfo=UTC)
    # 02:30 does not exist on the switch night: it is moved, not dropped.
    sunday = next_run(6, "02:30", PARIS, now)
    assert sunday.astimezone(PARIS).date().isoformat() == "2026-03-29"


async def test_due_and_missed_flows_turn_over_and_get_their_next_time(
    client: TestClient[Any, Any], scene: Scene
) -> None:
    alice = await scene.user("alice")
    due = await scene.flow(alice, "Due")
    later = await scene.flow(alice, "Later")
    now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # a Monday
    service = scene.service
    service.clock = lambda: now
    service.zone = service.weeks.zone = ZoneInfo("UTC")
    # Missed while the companion was down (last Monday), and one not due yet.
    due.next_run_at = now - timedelta(days=7)
    later.next_run_at = now + timedelta(days=2)
    await due.save()
    await later.save()

    assert await service.run_due() == 1

    run = await FlowRun.get(flow_id=due.id)
    assert run.state == "active" and run.week == "2026-W50"
    # No source is set up in this app: the week says so instead of failing.
    assert any("not set up" in n for n in run.notices)
    await due.refresh_from_db()
    assert due.next_run_at == datetime(2026, 12, 14, 6, 0, tzinfo=UTC)
    assert not await FlowRun.filter(flow_id=later.id).exists()
    assert await service.run_due() == 0


async def test_a_start_removes_dangling_links_and_half_built_weeks(
    client: TestClient[Any, Any], scene: Scene
) -> None:
    alice = await scene.user("alice")
    flow = await scene.flow(alice)
    run = await scene.week(flow)
    track = await scene.track(run, flow, "Loyle Carner", "Ottolenghi")
    link = await FlowLink.get(id=track.link_id)  # type: ignore[attr-defined]
    # The file vanished behind the companion's back (a disk cleaned by hand, say).
    os.unlink((await FlowFile.get(id=track.file_id)).path)  # type: ignore[attr-defined]
    stray = Path(scene.folders.links_root) / "stray" / "x.mp3"
    stray.parent.mkdir(parents=True)
    os.symlink("/nowhere/x.mp3", stray)
    half = await FlowRun.create(flow=flow, week="2026-W50", state="building")
    planned = await FlowRun.create(flow=flow, week="2026-W51", state="planned")

    scanned: list[list[str]] = []

    async def scan(paths: Any) -> bool:
        scanned.append(list(paths))
        return True

    found = await recover(scene.service.runner, scene.folders, scan)

    assert found.dangling == 2 and found.half_built == 1
    assert dangling_links(scene.folders.links_root) == []
    assert not os.path.lexists(link.path)
    await track.refresh_from_db()
    assert track.state == "failed" and "disappeared" in (track.reason or "")
    assert (await FlowLink.get(id=link.id)).state == "removed"
    assert not await FlowRun.filter(id=half.id).exists()
    assert (await FlowRun.get(id=planned.id)).state == "active"
    assert await FlowTrack.filter(run_id=run.id).count() == 1
    assert any(scene.folders.jellyfin_path(str(Path(link.path).parent)) in s for s in scanned)
