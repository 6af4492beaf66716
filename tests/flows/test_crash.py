"""A reset killed with SIGKILL between any two steps is finished at the next start: no kept
track lost, no dangling link, nothing deleted that another flow still links."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from companion import keys
from companion.flows import journal
from companion.flows.files import dangling_links
from companion.flows.models import Flow, FlowFile, FlowJournal, FlowLink, FlowRun, FlowTrack
from companion.flows.recovery import recover
from companion.flows.reset import plan_reset
from companion.library.models import Favorite
from tests.flows.conftest import Scene

ROOT = Path(__file__).resolve().parents[2]
SCAN = 999


async def _layout(scene: Scene) -> tuple[FlowJournal, dict[str, Any]]:
    """Alice keeps two tracks (one shared with Bob's flow) and drops three."""
    alice, bob = await scene.user("alice"), await scene.user("bob")
    flow_a, flow_b = await scene.flow(alice), await scene.flow(bob)
    run_a, run_b = await scene.week(flow_a), await scene.week(flow_b)
    kept = [
        await scene.track(run_a, flow_a, "Nala Sinephro", "Space 1", position=0),
        await scene.track(run_a, flow_a, "Yussef Dayes", "Rust", position=1),
    ]
    dropped = [
        await scene.track(run_a, flow_a, "Alfa Mist", "Keep On", position=2),
        await scene.track(run_a, flow_a, "Ezra Collective", "Victory Dance", position=3),
        await scene.track(run_a, flow_a, "Moses Boyd", "Stranger Than Fiction", position=4),
    ]
    shared = await FlowFile.get(id=kept[1].file_id)  # type: ignore[attr-defined]
    bobs = await scene.track(run_b, flow_b, "Yussef Dayes", "Rust", file=shared)
    for track in kept:
        await Favorite.create(
            user_id=alice.jellyfin_id,
            item_id=track.item_id,
            source="socket",
            favorited_at=datetime.now(UTC),
        )
    flow = await Flow.get(id=flow_a.id)
    plan = await plan_reset(flow, run_a, scene.folders, alice.jellyfin_id, set())
    entry = await journal.write("reset", plan.steps, run_id=run_a.id, data=plan.data())
    facts = {
        "kept_files": [(await FlowFile.get(id=t.file_id)).path for t in kept],  # type: ignore[attr-defined]
        "dropped_files": [(await FlowFile.get(id=t.file_id)).path for t in dropped],  # type: ignore[attr-defined]
        "alice_links": [(await FlowLink.get(id=t.link_id)).path for t in (*kept, *dropped)],  # type: ignore[attr-defined]
        "bob_link": (await FlowLink.get(id=bobs.link_id)).path,  # type: ignore[attr-defined]
        "kept_ids": [t.id for t in kept],
        "run_id": run_a.id,
    }
    return entry, facts


def _run_child(url: str, journal_id: int, pause: int, batch: int) -> str:
    """Run the journal in a child process and SIGKILL it once it paused after `pause`."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.flows.reset_child",
            url,
            str(journal_id),
            str(pause),
            str(batch),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    seen = []
    for line in proc.stdout:
        seen.append(line.strip())
        if line.startswith("paused") or line.startswith("finished"):
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL or seen[-1] == "finished", (
        proc.stderr.read() if proc.stderr else ""
    )
    return seen[-1]


async def _check_outcome(scene: Scene, facts: dict[str, Any]) -> None:
    """Every kept file is in the library, dropped ones are gone, no link dangles."""
    for track_id, old in zip(facts["kept_ids"], facts["kept_files"], strict=True):
        track = await FlowTrack.get(id=track_id)
        file = await FlowFile.get(id=track.file_id)  # type: ignore[attr-defined]
        assert track.state == "promoted"
        assert file.library_path and Path(file.library_path).is_file(), "a kept track was lost"
        assert not os.path.lexists(old)
    for path in facts["dropped_files"]:
        assert not os.path.lexists(path)
    for path in facts["alice_links"]:
        assert not os.path.lexists(path)
    # Bob still has his copy of the shared track, now the library file.
    assert Path(facts["bob_link"]).is_file()
    assert dangling_links(scene.folders.links_root) == []
    assert (await FlowRun.get(id=facts["run_id"])).state == "done"
    assert await FlowJournal.filter(state="pending").count() == 0


@pytest.mark.parametrize("batch", [1, 200])
@pytest.mark.parametrize("pause", [0, 1, 4, 5, 6, 7, 8, 9, 11, 13, SCAN])
async def test_a_kill_between_steps_is_finished_at_the_next_start(
    client: TestClient[Any, Any], scene: Scene, settings: Any, pause: int, batch: int
) -> None:
    entry, facts = await _layout(scene)
    kinds = [s[0] for s in entry.steps]
    # unlink x5, place, link (bob), drop_source, place, drop_source, delete x3, prunes..., scan
    assert kinds[:5] == ["unlink"] * 5 and kinds[-1] == "scan"
    last_fs = len(kinds) - 2
    at = min(pause, last_fs) if pause != SCAN else SCAN
    url = settings.resolved_database_url

    stopped = _run_child(url, entry.id, at, batch)
    assert stopped.startswith("paused") or stopped == "finished"
    # The kill left the journal pending (the finisher never ran) ...
    assert (await FlowJournal.get(id=entry.id)).state == "pending"
    service = client.app[keys.FLOWS]

    # ... and the next start finishes it before anything else.
    recovered = await recover(service.runner, scene.folders, service.scan)

    assert recovered.journals == 1
    await _check_outcome(scene, facts)


@pytest.mark.parametrize("pause", [0, 1, 2])
async def test_a_promotion_killed_midway_is_finished_at_the_next_start(
    client: TestClient[Any, Any], scene: Scene, settings: Any, pause: int
) -> None:
    """Promote now (the dashboard button): unlink, place in the library, drop the source."""
    from companion.flows.reset import plan_tracks

    alice = await scene.user("alice")
    flow = await scene.flow(alice)
    run = await scene.week(flow)
    track = await scene.track(run, flow, "Sampha", "Spirit 2.0")
    old = (await FlowFile.get(id=track.file_id)).path  # type: ignore[attr-defined]
    link = (await FlowLink.get(id=track.link_id)).path  # type: ignore[attr-defined]
    plan = await plan_tracks(scene.folders, [track], {track.id}, set())
    assert [s[0] for s in plan.steps][:3] == ["unlink", "place", "drop_source"]
    entry = await journal.write("promote", plan.steps, data=plan.data())

    _run_child(settings.resolved_database_url, entry.id, pause, 1)
    service = client.app[keys.FLOWS]
    assert (await recover(service.runner, scene.folders, service.scan)).journals == 1

    file = await FlowFile.get(id=track.file_id)  # type: ignore[attr-defined]
    assert file.state == "promoted" and file.library_path
    assert Path(file.library_path).is_file() and not os.path.lexists(old)
    assert not os.path.lexists(link)
    assert (await FlowTrack.get(id=track.id)).state == "promoted"
    assert dangling_links(scene.folders.links_root) == []
