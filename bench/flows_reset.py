"""Flow reset budget: 5 users x 2 flows x 50 tracks reset at once — links removed, kept files
moved into the library, the rest deleted — in under 10 s, Jellyfin's scan excluded.

python -m bench.flows_reset [--users 5] [--flows 2] [--tracks 50] [--keep 0.2] [--shared 0.1]
                            [--file-kb 256] [--postgres URL of an empty database]

Real files and symlinks in a temporary folder, a real database (SQLite by default), the
journal and its finisher as the app runs them. Counts afterwards: dangling links and kept
tracks whose file is missing (both must be 0). Baseline, in the same run: the same filesystem
operations done with bare os calls (no plan, no journal, no database), on a copy of the layout.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from companion.accounts.models import User
from companion.db.database import Database
from companion.flows import journal
from companion.flows.candidates import track_key
from companion.flows.files import dangling_links
from companion.flows.journal import JournalRunner
from companion.flows.layout import FlowFolders, flow_folder
from companion.flows.models import Flow, FlowFile, FlowLink, FlowRun, FlowTrack
from companion.flows.reset import plan_reset
from companion.flows.weeks import finish
from companion.history.models import Play
from companion.library.models import Favorite


async def _layout(root: Path, args: argparse.Namespace) -> tuple[FlowFolders, list[Flow]]:
    rng = random.Random(7)
    library, flows_dir = root / "music", root / "flows"
    library.mkdir(parents=True)
    flows_dir.mkdir(parents=True)
    folders = FlowFolders("lib", "/media/music", str(library), str(flows_dir))
    payload = os.urandom(args.file_kb * 1024)
    flows: list[Flow] = []
    shared_pool: list[FlowFile] = []
    now = datetime.now(UTC)
    for u in range(args.users):
        user = await User.create(name=f"user{u}", jellyfin_id=uuid.uuid4().hex)
        for f in range(args.flows):
            flow = await Flow.create(
                user=user,
                name=f"Flow {f}",
                folder=flow_folder(user.name, f"Flow {f}"),
                size_tracks=args.tracks,
                day=0,
                time="06:00",
                sources={"weights": {"listenbrainz": 1}},
                keep_plays=2,
            )
            run = await FlowRun.create(flow=flow, week="2026-W49", state="active")
            run.started_at = now - timedelta(days=6)
            await run.save(update_fields=["started_at"])
            flows.append(flow)
            for n in range(args.tracks):
                await _track(folders, flow, run, user, n, rng, payload, shared_pool, args)
    return folders, flows


async def _track(
    folders: FlowFolders,
    flow: Flow,
    run: FlowRun,
    user: User,
    n: int,
    rng: random.Random,
    payload: bytes,
    shared_pool: list[FlowFile],
    args: argparse.Namespace,
) -> None:
    artist, title = f"Artist {flow.id}-{n}", f"Song {n}"
    if shared_pool and rng.random() < args.shared:
        file = rng.choice(shared_pool)
    else:
        path = folders.file_path(flow.folder, artist, "Album", f"{title}.flac")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_bytes(payload)
        file = await FlowFile.create(key=track_key((artist,), title), path=path, size=len(payload))
        shared_pool.append(file)
    link_path = folders.link_path(flow.folder, file.path)
    if os.path.lexists(link_path):
        return  # the same shared file twice in one flow: one link
    Path(link_path).parent.mkdir(parents=True, exist_ok=True)
    os.symlink(file.path, link_path)
    item_id = uuid.uuid4().hex
    link = await FlowLink.create(
        flow=flow,
        file=file,
        path=link_path,
        jellyfin_path=folders.jellyfin_path(link_path),
        item_id=item_id,
    )
    await FlowTrack.create(
        run=run,
        position=n,
        source="listenbrainz",
        key=file.key,
        title=title,
        artists=[artist],
        kind="download",
        item_id=item_id,
        state="indexed",
        file=file,
        link=link,
    )
    roll = rng.random()
    if roll < args.keep / 2:
        await Favorite.create(
            user_id=user.jellyfin_id,
            item_id=item_id,
            source="socket",
            favorited_at=datetime.now(UTC),
        )
    elif roll < args.keep:
        for day in (1, 2):
            when = datetime.now(UTC) - timedelta(days=day)
            await Play.create(
                user_id=user.jellyfin_id,
                item_id=item_id,
                started_at=when,
                bucket=int(when.timestamp()) // 60,
                ended_at=when,
                counted=True,
            )


async def _reset_all(folders: FlowFolders, flows: list[Flow]) -> dict[str, Any]:
    scans: list[list[str]] = []

    async def scan(paths: Any) -> bool:
        # Jellyfin's scan is excluded from the budget: only recorded here.
        scans.append(list(paths))
        return True

    runner = JournalRunner(scan, {"reset": finish})
    started = time.perf_counter()
    steps = 0
    for flow in flows:
        user = await User.get(id=flow.user_id)  # type: ignore[attr-defined]
        run = await FlowRun.get(flow_id=flow.id, state="active")
        plan = await plan_reset(flow, run, folders, user.jellyfin_id, set())
        entry = await journal.write("reset", plan.steps, run_id=run.id, data=plan.data())
        steps += len(plan.steps)
        await runner.run(entry)
    return {"seconds": time.perf_counter() - started, "steps": steps, "errors": runner.errors}


def _baseline(root: Path) -> float:
    """The bare filesystem work: unlink every link, then delete or move every file."""
    library, flows_dir = root / "music", root / "flows"
    started = time.perf_counter()
    for link in [p for p in library.rglob("*") if p.is_symlink()]:
        link.unlink()
    for n, file in enumerate(p for p in list(flows_dir.rglob("*")) if p.is_file()):
        if n % 5 == 0:
            target = library / "kept" / f"{n}.flac"
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(file, target)
        file.unlink()
    return time.perf_counter() - started


async def _counts(folders: FlowFolders) -> dict[str, int]:
    kept = await FlowTrack.filter(state="promoted").prefetch_related("file")
    lost = sum(1 for t in kept if not (t.file.library_path and Path(t.file.library_path).is_file()))
    return {
        "tracks": await FlowTrack.all().count(),
        "kept": len(kept),
        "removed": await FlowTrack.filter(state="removed").count(),
        "files_deleted": await FlowFile.filter(state="deleted").count(),
        "files_promoted": await FlowFile.filter(state="promoted").count(),
        "dangling_links": len(dangling_links(str(Path(folders.local_library)))),
        "kept_tracks_lost": lost,
        "flow_files_left": sum(1 for p in Path(folders.flows_path).rglob("*") if p.is_file()),
    }


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="flows-bench-") as tmp:
        root = Path(tmp)
        url = args.postgres or f"sqlite://{root / 'bench.sqlite3'}"
        database = Database(url)
        await database.open()
        await database.migrate()
        try:
            folders, flows = await _layout(root / "disk", args)
            result = await _reset_all(folders, flows)
            counts = await _counts(folders)
        finally:
            await database.close()
        base_root = root / "baseline"
        database = Database(f"sqlite://{root / 'baseline.sqlite3'}")
        await database.open()
        await database.migrate()
        try:
            await _layout(base_root, args)
        finally:
            await database.close()
        baseline = _baseline(base_root)
    total = args.users * args.flows * args.tracks
    print(
        f"flows_reset_layout={args.users}x{args.flows}x{args.tracks} ({total} picks, "
        f"{counts['tracks']} once a flow's repeated shared file is counted once)"
    )
    print(f"flows_reset_seconds={result['seconds']:.3f} (budget < 10 s, Jellyfin scan excluded)")
    print(f"flows_reset_steps={result['steps']}")
    print(f"flows_reset_step_errors={len(result['errors'])}")
    for name, value in counts.items():
        print(f"flows_reset_{name}={value}")
    print(f"baseline_bare_fs_seconds={baseline:.3f}")
    print(f"flows_reset_vs_bare_fs_ratio={result['seconds'] / max(baseline, 1e-6):.1f}")


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--users", type=int, default=5)
    parser.add_argument("--flows", type=int, default=2)
    parser.add_argument("--tracks", type=int, default=50)
    parser.add_argument("--keep", type=float, default=0.2, help="share kept (favorite or plays)")
    parser.add_argument("--shared", type=float, default=0.1, help="share of shared files")
    parser.add_argument("--file-kb", type=int, default=256)
    parser.add_argument("--postgres", default=None, help="run on this PostgreSQL database")
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse()))
