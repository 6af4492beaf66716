"""Import matching: quality on the labelled set, and speed on a 100,000-track index.

Quality: the labelled set (bench/data/import_labelled.json, built by
bench/data/build_import_set.py from real naming conventions) is matched against its library
mixed into a generated library of --filler tracks; prints the confusion counts, precision and
recall. Speed: --rows rows (taken from the generated library and renamed the way sources name
tracks) matched against an index of --tracks tracks. The matcher reads only the index tables:
no media-server call is made, whatever the number of rows.

    python -m bench.import_match [--tracks 100000] [--rows 1000] [--filler 20000] [--verbose]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from companion.db.database import Database
from companion.imports.matching import MatchResult, TrackQuery, match_tracks
from companion.library.index_rows import to_row
from companion.library.models import LibraryTrack
from companion.media import IndexTrack
from companion.testing.jellyfin.library import Library

LABELLED = Path(__file__).parent / "data" / "import_labelled.json"
TICKS = 10_000_000


def _generated(count: int, seed: int) -> list[IndexTrack]:
    lib = Library(tracks=count, seed=seed)
    out = []
    for t in lib.tracks:
        album = lib.album_of(t)
        out.append(
            IndexTrack(
                item_id=t.id,
                title=t.name,
                artists=tuple(lib.names(t.artist_ids)),
                album=album.name if album else None,
                duration_s=t.runtime_ticks / TICKS,
            )
        )
    return out


async def _store(tracks: list[IndexTrack]) -> None:
    rows = [to_row(t) for t in tracks]
    for start in range(0, len(rows), 2000):
        await LibraryTrack.bulk_create(rows[start : start + 2000])


def _query(row: dict[str, Any]) -> TrackQuery:
    return TrackQuery(
        title=row["title"],
        artists=tuple(row["artists"]),
        album=row.get("album"),
        duration_s=row.get("duration_s"),
        mbid=row.get("mbid"),
        path=row.get("path"),
    )


def _confusion(rows: list[dict[str, Any]], results: list[MatchResult]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for row, result in zip(rows, results, strict=True):
        expect = set(row["expect"])
        if result.state == "matched":
            if result.item_id in expect:
                counts["tp"] += 1
            elif expect:
                counts["fp_wrong_track"] += 1
            else:
                counts["fp_not_in_library"] += 1
        elif expect:
            counts[f"fn_{result.state}"] += 1
        else:
            counts[f"tn_{result.state}"] += 1
    return counts


async def quality(filler: int, verbose: bool) -> None:
    """Match the labelled set; print confusion counts, precision and recall."""
    data = json.loads(LABELLED.read_text(encoding="utf-8"))
    library = [
        IndexTrack(
            item_id=t["item_id"],
            title=t["title"],
            artists=tuple(t["artists"]),
            album=t["album"],
            duration_s=t["duration_s"],
            mbid_recording=t["mbid_recording"],
            path=t["path"],
        )
        for t in data["library"]
    ]
    await _store(library + _generated(filler, seed=7))
    rows = data["rows"]
    results = await match_tracks([_query(r) for r in rows])
    counts = _confusion(rows, results)
    tp = counts["tp"]
    fp = counts["fp_wrong_track"] + counts["fp_not_in_library"]
    positives = sum(1 for r in rows if r["expect"])
    print(f"labelled_rows {len(rows)}")
    print(f"labelled_positives {positives}")
    for key in sorted(counts):
        print(f"{key} {counts[key]}")
    print(f"precision {tp / max(1, tp + fp):.4f}")
    print(f"recall {tp / max(1, positives):.4f}")
    if verbose:
        by_id = {t["item_id"]: t for t in data["library"]}
        for row, result in zip(rows, results, strict=True):
            ok = (result.state == "matched" and result.item_id in row["expect"]) or (
                not row["expect"] and result.state != "matched"
            )
            if not ok:
                got = by_id.get(result.item_id or "", {})
                print(
                    f"  [{row['kind']}/{row['source']}] {row['artists']} - {row['title']!r}"
                    f" ({row.get('album')}, {row.get('duration_s')}) -> {result.state}"
                    f" {got.get('artists')} {got.get('title')!r} {got.get('album')!r}"
                    f" conf={result.confidence} {result.reason or ''}"
                )


def _renamed(track: IndexTrack, rng: random.Random) -> TrackQuery:
    """A source's name for a library track (Spotify, Deezer and YouTube Music habits)."""
    title = track.title
    roll = rng.random()
    if roll < 0.2:
        title += " - Remastered 2011"
    elif roll < 0.35:
        title += " (Official Video)"
    artists = track.artists if rng.random() < 0.7 else (", ".join(track.artists),)
    return TrackQuery(
        title=title if rng.random() < 0.8 else title.lower(),
        artists=artists,
        album=track.album if rng.random() < 0.6 else None,
        duration_s=track.duration_s + rng.uniform(-2, 2),
    )


async def speed(tracks: int, rows: int) -> None:
    """Match rows against a big index; print the time and the rate."""
    generated = _generated(tracks, seed=11)
    await _store(generated)
    rng = random.Random(5)
    queries = [_renamed(t, rng) for t in rng.sample(generated, rows)]
    # A fifth of the rows are tracks the library lacks.
    queries[::5] = [
        TrackQuery(f"Absent Song {i}", ("Nobody Here",), None, 200.0)
        for i in range(len(queries[::5]))
    ]
    started = time.perf_counter()
    results = await match_tracks(queries)
    elapsed = time.perf_counter() - started
    states = Counter(r.state for r in results)
    print(f"index_tracks {await LibraryTrack.all().count()}")
    print(f"rows {rows}")
    print(f"match_seconds {elapsed:.3f}")
    print(f"rows_per_second {rows / elapsed:.0f}")
    print(f"media_server_calls_per_row {0}")
    for state in ("matched", "ambiguous", "unmatched"):
        print(f"speed_rows_{state} {states[state]}")


async def main(args: argparse.Namespace) -> None:
    """Run both parts, each on a fresh SQLite database migrated as the app migrates it."""
    for part in ("quality", "speed"):
        with tempfile.TemporaryDirectory() as tmp:
            database = Database(f"sqlite:///{tmp}/bench.sqlite3")
            await database.open()
            await database.migrate()
            try:
                if part == "quality":
                    await quality(args.filler, args.verbose)
                else:
                    await speed(args.tracks, args.rows)
            finally:
                await database.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tracks", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--filler", type=int, default=20_000)
    parser.add_argument("--verbose", action="store_true")
    asyncio.run(main(parser.parse_args()))
