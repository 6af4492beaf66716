"""Imports end to end on the fake Jellyfin: match, commit, pick, fill in as the library grows."""

from __future__ import annotations

import asyncio
from typing import Any

from companion import keys
from companion.events import Event
from companion.imports.models import ImportJob, ImportPick, ImportRow
from companion.library.track_keys import title_key
from companion.providers.live import LibraryFact
from tests.playlists.conftest import Companion, twin_items, wait_synced

from .conftest import add_fake_track, csv_of


def _track_rows(fake: Any, start: int, count: int) -> list[tuple[str, str, str]]:
    """Rows for library tracks whose title and artist no other track shares."""
    lib = fake.library
    names = [(title_key(t.name).core, lib.names(t.artist_ids)[0]) for t in lib.tracks]
    out = []
    for t in lib.tracks[start:]:
        key = (title_key(t.name).core, lib.names(t.artist_ids)[0])
        if names.count(key) > 1:
            continue
        album = lib.album_of(t)
        out.append((t.name, lib.names(t.artist_ids)[0], album.name if album else ""))
        if len(out) == count:
            return out
    raise AssertionError("not enough distinct tracks")


async def test_csv_import_commit_and_fill_in_order(
    companion: Companion, fake_jellyfin: Any
) -> None:
    events: list[Event] = []
    bus = companion.client.app[keys.BUS]
    bus.subscribe(events.append, ("import.progress", "import.filled"))
    present = _track_rows(fake_jellyfin, 0, 3)
    wanted = ("Song From Tomorrow", "Nobody Yet", "Future Album")
    rows = [present[0], wanted, present[1], present[2]]
    body = await companion.call(
        "POST",
        "/api/imports",
        201,
        json={"source": "csv", "text": csv_of(rows), "name": "Mix"},
    )
    assert body["state"] == "ready" and body["total"] == 4
    states = [r["state"] for r in body["rows"]]
    assert states == ["matched", "unmatched", "matched", "matched"]
    by_name = {
        (t.name, fake_jellyfin.library.names(t.artist_ids)[0]): t.id
        for t in fake_jellyfin.library.tracks
    }
    ids = [by_name[(r[0], r[1])] for r in present]
    assert [r["ref"] for r in body["rows"] if r["ref"]] == [f"jellyfin:{i}" for i in ids]
    assert body["rows"][1]["reason"] and body["counts"]["waiting"] == 1
    assert body["rows"][0]["confidence"] >= 0.88

    committed = await companion.call(
        "POST", f"/api/imports/{body['id']}/commit", 201, json={"name": "Imported mix"}
    )
    playlist = committed["playlist"]
    assert [i["ref"] for i in playlist["items"]] == [f"jellyfin:{i}" for i in ids]
    jid = playlist["sync"]["jellyfin_id"]
    assert twin_items(fake_jellyfin, jid) == [f"jellyfin:{i}" for i in ids]
    await companion.call("POST", f"/api/imports/{body['id']}/commit", 409, json={})

    # The wanted song arrives in Jellyfin; the live pipeline indexes it and says so.
    added = await add_fake_track(
        fake_jellyfin, artist=wanted[1], album=wanted[2], title=wanted[0], duration_s=200
    )
    live = companion.client.app[keys.LIVE]
    await live.pipeline.apply([LibraryFact(added=tuple(added["new_ids"]), source="webhook")])
    async with asyncio.timeout(30):
        while not any(e.type == "import.filled" for e in events):
            await asyncio.sleep(0.02)
    filled = next(e for e in events if e.type == "import.filled")
    assert filled.data["rows"] == [1] and filled.data["waiting"] == 0
    assert filled.user_id == fake_jellyfin.user_id("demo")
    assert "Song From Tomorrow" in filled.data["message"]
    expected = [
        f"jellyfin:{ids[0]}",
        f"jellyfin:{added['id']}",
        *(f"jellyfin:{i}" for i in ids[1:]),
    ]
    synced = await wait_synced(companion, playlist["id"])
    assert [i["ref"] for i in synced["items"]] == expected
    assert twin_items(fake_jellyfin, jid) == expected
    got = await companion.call("GET", f"/api/imports/{body['id']}")
    assert got["rows"][1]["state"] == "matched" and got["rows"][1]["filled"]
    assert any(e.type == "import.progress" for e in events)


async def test_pick_is_remembered_and_reused(companion: Companion, fake_jellyfin: Any) -> None:
    target = fake_jellyfin.library.tracks[5]
    text = csv_of([("Some Unknown Name", "Unknown Artist", "")])
    first = await companion.call("POST", "/api/imports", 201, json={"source": "csv", "text": text})
    assert first["rows"][0]["state"] == "unmatched"
    picked = await companion.call(
        "PATCH",
        f"/api/imports/{first['id']}/rows/0",
        json={"ref": f"jellyfin:{target.id}"},
    )
    row = picked["rows"][0]
    assert (row["state"], row["ref"], row["method"]) == ("matched", f"jellyfin:{target.id}", "pick")
    again = await companion.call("POST", "/api/imports", 201, json={"source": "csv", "text": text})
    assert again["rows"][0]["ref"] == f"jellyfin:{target.id}"
    assert again["rows"][0]["method"] == "pick"
    skipped = await companion.call(
        "PATCH", f"/api/imports/{again['id']}/rows/0", json={"skip": True}
    )
    assert skipped["rows"][0]["state"] == "skipped"
    await companion.call(
        "PATCH", f"/api/imports/{again['id']}/rows/0", 400, json={"ref": "jellyfin:" + "0" * 32}
    )
    await companion.call("PATCH", f"/api/imports/{again['id']}/rows/9", 404, json={"skip": True})
    assert await ImportPick.all().count() == 1


async def test_bad_input_saves_nothing(companion: Companion) -> None:
    async def refused(status: int, code: str, **kw: Any) -> dict[str, Any]:
        body: dict[str, Any] = await companion.call("POST", "/api/imports", status, **kw)
        assert body["error"]["code"] == code, body
        return body

    await refused(400, "import_unknown_format", json={"text": "just some words"})
    await refused(400, "import_unknown_format", json={"source": "wav", "text": "x"})
    body = await refused(
        422, "csv_columns_unknown", json={"source": "csv", "text": "Foo,Bar\n1,2\n"}
    )
    assert body["error"]["details"]["headers"] == ["Foo", "Bar"]
    await refused(400, "import_unsupported_url", json={"url": "https://example.com/playlist/1"})
    await refused(400, "import_bad_url", json={"url": "not a url"})
    big = b"Name,Artist\n" + b"x" * (50 * 1024 * 1024)
    import aiohttp

    form = aiohttp.FormData()
    form.add_field("file", big, filename="huge.csv", content_type="text/csv")
    await refused(413, "import_file_too_large", data=form)
    form = aiohttp.FormData()
    form.add_field("file", b"\x00\x01binary", filename="song.mp3", content_type="audio/mpeg")
    await refused(400, "import_unknown_format", data=form)
    assert await ImportJob.all().count() == 0 and await ImportRow.all().count() == 0


async def test_mapping_step_and_multipart(companion: Companion, fake_jellyfin: Any) -> None:
    (title, artist, _album) = _track_rows(fake_jellyfin, 7, 1)[0]
    text = f"Col A;Col B\n{artist};{title}\n"
    import aiohttp

    form = aiohttp.FormData()
    form.add_field("file", text.encode(), filename="mine.csv", content_type="text/csv")
    form.add_field("mapping", '{"title": "Col B", "artist": "Col A"}')
    body = await companion.call("POST", "/api/imports", 201, data=form)
    assert body["name"] == "mine" and body["rows"][0]["state"] == "matched", str(body["rows"][0])


async def test_keys_backfilled_after_upgrade(companion: Companion) -> None:
    from companion.library.index_rows import backfill_match_keys
    from companion.library.models import LibraryTrack

    before = {r.item_id: r.match_title for r in await LibraryTrack.all().limit(20)}
    await LibraryTrack.filter(item_id__in=list(before)).update(match_title="", match_artist="")
    assert await backfill_match_keys(batch=7) >= len(before)
    after = {r.item_id: r.match_title for r in await LibraryTrack.filter(item_id__in=list(before))}
    assert after == before and all(after.values())


async def test_index_sync_end_fills_waiting_rows(companion: Companion, fake_jellyfin: Any) -> None:
    events: list[Event] = []
    bus = companion.client.app[keys.BUS]
    bus.subscribe(events.append, ("import.filled",))
    text = csv_of([("Arrives Later", "Patient Band", "Someday")])
    body = await companion.call("POST", "/api/imports", 201, json={"source": "csv", "text": text})
    await companion.call("POST", f"/api/imports/{body['id']}/commit", 201, json={})
    added = await add_fake_track(
        fake_jellyfin, artist="Patient Band", album="Someday", title="Arrives Later"
    )
    # An index sync (not a live event) brings the track in, then says it has finished.
    index = companion.client.app[keys.LIVE].sockets.library_index
    await index.incremental_sync()
    bus.publish(Event("library.index_synced", {"indexed": 1, "removed": 0}))
    async with asyncio.timeout(30):
        while not events:
            await asyncio.sleep(0.02)
    assert events[0].data["refs"] == [f"jellyfin:{added['id']}"]
