"""The weekly reset on real folders: favorites and plays keep tracks (moved into the library),
the rest go (links first), shared files are counted, and tracks coming back are kept."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from companion.flows import journal
from companion.flows.files import dangling_links
from companion.flows.models import FlowFile, FlowJournal, FlowLink, FlowRun, FlowTrack
from companion.flows.reset import plan_reset
from companion.history.models import Play
from companion.library.models import Favorite
from tests.flows.conftest import Scene


async def _favorite(user_jf: str, item_id: str) -> None:
    await Favorite.create(
        user_id=user_jf, item_id=item_id, source="socket", favorited_at=datetime.now(UTC)
    )


async def _play(user_jf: str, item_id: str, when: datetime, counted: bool = True) -> None:
    await Play.create(
        user_id=user_jf,
        item_id=item_id,
        started_at=when,
        bucket=int(when.timestamp()) // 60,
        ended_at=when + timedelta(minutes=4),
        counted=counted,
    )


async def _reset(scene: Scene, flow_id: int, run: FlowRun, carry: set[str] | None = None) -> None:
    from companion.flows.models import Flow

    flow = await Flow.get(id=flow_id).prefetch_related("user")
    plan = await plan_reset(flow, run, scene.folders, flow.user.jellyfin_id, carry or set())
    entry = await journal.write("reset", plan.steps, run_id=run.id, data=plan.data())
    await scene.service.runner.run(entry)


async def test_favorites_and_plays_are_kept_the_rest_removed_links_first(scene: Scene) -> None:
    alice = await scene.user("alice")
    flow = await scene.flow(alice)
    run = await scene.week(flow, days_ago=6)
    jf = alice.jellyfin_id or ""
    now = datetime.now(UTC)
    liked = await scene.track(run, flow, "Nils Frahm", "Says", position=0)
    played = await scene.track(run, flow, "Floating Points", "Silhouettes", position=1)
    once = await scene.track(run, flow, "Bonobo", "Kerala", position=2)
    before = await scene.track(run, flow, "Four Tet", "Baby", position=3)
    unliked = await scene.track(run, flow, "Jon Hopkins", "Emerald Rush", position=4)
    chosen = await scene.track(run, flow, "Caribou", "Home", position=5)
    await _favorite(jf, liked.item_id or "")
    await _play(jf, played.item_id or "", now - timedelta(days=2))
    await _play(jf, played.item_id or "", now - timedelta(days=1))
    await _play(jf, played.item_id or "", now - timedelta(hours=2), counted=False)  # a skip
    await _play(jf, once.item_id or "", now - timedelta(days=1))
    # Played twice, but before this week started: last week's plays do not count.
    await _play(jf, before.item_id or "", now - timedelta(days=9))
    await _play(jf, before.item_id or "", now - timedelta(days=8))
    # A favorite the user chose to remove anyway, and a track they chose to keep.
    await _favorite(jf, unliked.item_id or "")
    await FlowTrack.filter(id=unliked.id).update(decision="remove")
    await FlowTrack.filter(id=chosen.id).update(decision="keep")
    files = {
        t.id: (await FlowFile.get(id=t.file_id)).path
        for t in (liked, played, once, before, unliked, chosen)
    }  # type: ignore[attr-defined]
    links = {
        t.id: (await FlowLink.get(id=t.link_id)).path
        for t in (liked, played, once, before, unliked, chosen)
    }  # type: ignore[attr-defined]

    await _reset(scene, flow.id, run)

    for kept in (liked, played, chosen):
        await kept.refresh_from_db()
        assert kept.state == "promoted"
        file = await FlowFile.get(id=kept.file_id)  # type: ignore[attr-defined]
        assert file.state == "promoted" and file.library_path
        assert Path(file.library_path).is_file()
        assert file.library_path.startswith(scene.folders.local_library)
        assert not os.path.lexists(files[kept.id])
    for gone in (once, before, unliked):
        await gone.refresh_from_db()
        assert gone.state == "removed"
        assert not os.path.lexists(files[gone.id])
    for track_id, link in links.items():
        assert not os.path.lexists(link), track_id
    assert dangling_links(scene.folders.links_root) == []
    assert (await FlowRun.get(id=run.id)).state == "done"
    assert (await FlowRun.get(id=run.id)).counts["kept"] == 3
    assert await FlowJournal.filter(state="pending").count() == 0
    # One scan names the flow's links folder and the albums the kept files moved into.
    scanned = {p for paths in scene.scans for p in paths}
    assert scene.folders.jellyfin_path(str(Path(links[once.id]).parent)) in scanned
    assert any(p.startswith("/media/music/Nils Frahm") for p in scanned)
    # Empty folders below the flows and links roots are gone too.
    assert not any(Path(scene.folders.flows_path).rglob("*.mp3"))


async def test_a_shared_file_stays_until_no_flow_links_it(scene: Scene) -> None:
    alice, bob = await scene.user("alice"), await scene.user("bob")
    flow_a, flow_b = await scene.flow(alice), await scene.flow(bob)
    run_a, run_b = await scene.week(flow_a), await scene.week(flow_b)
    mine = await scene.track(run_a, flow_a, "Khruangbin", "Maria También")
    shared = await FlowFile.get(id=mine.file_id)  # type: ignore[attr-defined]
    theirs = await scene.track(run_b, flow_b, "Khruangbin", "Maria También", file=shared)
    bob_link = (await FlowLink.get(id=theirs.link_id)).path  # type: ignore[attr-defined]

    await _reset(scene, flow_a.id, run_a)

    assert Path(shared.path).is_file(), "bob's flow still links it"
    assert os.path.realpath(bob_link) == shared.path
    assert (await FlowFile.get(id=shared.id)).state == "present"

    await _reset(scene, flow_b.id, run_b)

    assert not os.path.lexists(shared.path)
    assert not os.path.lexists(bob_link)
    assert (await FlowFile.get(id=shared.id)).state == "deleted"


async def test_keeping_a_shared_file_points_the_other_link_at_its_new_place(scene: Scene) -> None:
    alice, bob = await scene.user("alice"), await scene.user("bob")
    flow_a, flow_b = await scene.flow(alice), await scene.flow(bob)
    run_a, run_b = await scene.week(flow_a), await scene.week(flow_b)
    mine = await scene.track(run_a, flow_a, "Men I Trust", "Show Me How")
    shared = await FlowFile.get(id=mine.file_id)  # type: ignore[attr-defined]
    theirs = await scene.track(run_b, flow_b, "Men I Trust", "Show Me How", file=shared)
    bob_link = (await FlowLink.get(id=theirs.link_id)).path  # type: ignore[attr-defined]
    await _favorite(alice.jellyfin_id or "", mine.item_id or "")

    await _reset(scene, flow_a.id, run_a)

    kept = await FlowFile.get(id=shared.id)
    assert kept.state == "promoted" and kept.library_path
    assert not os.path.lexists(shared.path)
    # Bob's link never dangled: it was pointed at the library copy before the old one went.
    assert os.readlink(bob_link) == kept.library_path
    assert Path(bob_link).is_file()

    await _reset(scene, flow_b.id, run_b)

    assert not os.path.lexists(bob_link)
    assert Path(kept.library_path).is_file(), "a kept file is never deleted by another flow"
    assert dangling_links(scene.folders.links_root) == []


async def test_a_track_back_next_week_keeps_its_file_and_link(scene: Scene) -> None:
    alice = await scene.user("alice")
    flow = await scene.flow(alice)
    run = await scene.week(flow)
    back = await scene.track(run, flow, "Little Simz", "Gorilla")
    gone = await scene.track(run, flow, "Arlo Parks", "Eugene", position=1)
    file = await FlowFile.get(id=back.file_id)  # type: ignore[attr-defined]
    link = await FlowLink.get(id=back.link_id)  # type: ignore[attr-defined]

    await _reset(scene, flow.id, run, carry={back.key})

    await back.refresh_from_db()
    await gone.refresh_from_db()
    assert back.state == "carried" and gone.state == "removed"
    assert Path(file.path).is_file() and os.readlink(link.path) == file.path
    assert (await FlowLink.get(id=link.id)).state == "live"
    assert (await FlowFile.get(id=file.id)).state == "present"


async def test_a_link_is_never_made_to_a_missing_file(scene: Scene, tmp_path: Path) -> None:
    from companion.flows.files import StepError, make_link

    target = tmp_path / "nothing.mp3"
    try:
        make_link(str(target), str(tmp_path / "link.mp3"))
    except StepError:
        pass
    else:  # pragma: no cover - the assertion explains
        raise AssertionError("a link to a missing file was made")
    assert not os.path.lexists(tmp_path / "link.mp3")
