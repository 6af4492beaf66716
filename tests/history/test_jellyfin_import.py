"""Importing Jellyfin play history: UserData counts and Playback Reporting rows, additive."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import websockets

from companion import keys
from companion.history.import_models import HistoryImport, HistoryImportRow, UndatedPlays
from companion.history.models import Play
from companion.testing.jellyfin.routes_playback_reporting import PlaybackReporting
from tests.history.conftest import (
    T0,
    commit_job,
    demo_id,
    import_all,
    minutes,
    run_job,
    set_user_data,
)
from tests.playlists.conftest import Companion


def tracks(fake: Any, n: int, start: int = 0) -> list[Any]:
    return list(fake.library.tracks[start : start + n])


async def test_user_data_gives_one_dated_play_and_undated_counts(
    companion: Companion, fake_jellyfin: Any
) -> None:
    a, b, c = tracks(fake_jellyfin, 3)
    set_user_data(fake_jellyfin, a.id, 5, T0)
    set_user_data(fake_jellyfin, b.id, 1, T0 + minutes(10))
    set_user_data(fake_jellyfin, c.id, 3, T0 + minutes(20))
    job = await run_job(companion, {"source": "jellyfin"})
    summary = job["summary"]
    assert summary["dated"]["add"] == 3
    assert summary["undated"] == {"add": 4 + 0 + 2, "tracks": 2}
    assert summary["tracks"] == 3 and summary["present"] == 0
    assert summary["playback_reporting"]["state"] == "missing"
    assert summary["message"].startswith("Will add 3 plays and 6 undated plays for 3 tracks")
    # A preview writes no play.
    assert await Play.all().count() == 0

    done = await commit_job(companion, job["id"])
    assert done["state"] == "done"
    assert done["result"] == {"dated_added": 3, "undated_added": 6, "tracks": 3, "present": 0}
    plays = await Play.filter(user_id=demo_id(fake_jellyfin)).order_by("started_at")
    assert [(p.item_id, p.started_at, p.source, p.counted) for p in plays] == [
        (a.id, T0, "userdata", True),
        (b.id, T0 + minutes(10), "userdata", True),
        (c.id, T0 + minutes(20), "userdata", True),
    ]
    undated = {u.item_id: u.count for u in await UndatedPlays.all()}
    assert undated == {a.id: 4, c.id: 2}
    history = await companion.call("GET", "/api/history")
    assert {p["source"] for p in history["items"]} == {"userdata"}
    # The staged rows are gone with the commit.
    assert await HistoryImportRow.all().count() == 0

    # Marked as undated where history is read.
    body = await companion.call("GET", "/api/history/undated")
    assert body["total"] == 2 and body["undated_plays"] == {"jellyfin": 6}
    assert body["items"][0]["undated_plays"] == 4
    assert body["items"][0]["note"] == "Imported play count without dates"


async def test_rerun_adds_nothing_and_counts_never_go_down(
    companion: Companion, fake_jellyfin: Any
) -> None:
    (a,) = tracks(fake_jellyfin, 1)
    set_user_data(fake_jellyfin, a.id, 4, T0)
    await import_all(companion, {"source": "jellyfin"})
    before = (await Play.all().count(), await UndatedPlays.get(item_id=a.id))
    again = await import_all(companion, {"source": "jellyfin"})
    assert again["summary"]["dated"]["add"] == 0 and again["summary"]["present"] == 1
    assert again["result"] == {"dated_added": 0, "undated_added": 0, "tracks": 0, "present": 0}
    assert await Play.all().count() == before[0]
    assert (await UndatedPlays.get(item_id=a.id)).count == before[1].count == 3
    # Jellyfin's count is reset (marked unplayed, then played once since): the companion keeps
    # its plays, and the new listen is one more play.
    set_user_data(fake_jellyfin, a.id, 1, datetime.now(UTC))
    await import_all(companion, {"source": "jellyfin"})
    assert await Play.filter(item_id=a.id).count() == 2
    assert (await UndatedPlays.get(item_id=a.id)).count == 3


async def test_playback_reporting_rows_are_dated_plays_in_utc(
    companion: Companion, fake_jellyfin: Any, plugin: PlaybackReporting
) -> None:
    # Released plugins store the server's local time: this server runs at UTC+02:00.
    plugin.install(utc_offset=timedelta(hours=2))
    user = demo_id(fake_jellyfin)
    a, b = tracks(fake_jellyfin, 2)
    full = a.runtime_ticks // 10_000_000
    for i in range(3):
        plugin.record_playback(user, a.id, T0 + minutes(10 * i), full)
    plugin.record_playback(user, b.id, T0 + minutes(40), 20)
    # A TSV re-import left a copy of one row whose date drifted by milliseconds.
    (first,) = plugin.db.execute(
        "SELECT DateCreated FROM PlaybackActivity ORDER BY rowid LIMIT 1"
    ).fetchone()
    assert first == "2025-03-01 14:00:20"
    plugin.insert_row(first + ".0004", user, a.id, full)
    # Someone else's rows and a video are not the user's music.
    plugin.record_playback("f" * 32, a.id, T0, 200)
    plugin.record_playback(user, b.id, T0, 200, item_type="Movie")
    # Jellyfin's last played date of a is the plugin's newest row of a; it carries the zone.
    set_user_data(fake_jellyfin, a.id, 3, T0 + minutes(20))
    set_user_data(fake_jellyfin, b.id, 1, T0 + minutes(40))

    job = await run_job(companion, {"source": "jellyfin"})
    summary = job["summary"]
    assert summary["playback_reporting"] == {
        "state": "installed",
        "utc_offset_minutes": 120,
        "offset_detected": True,
    }
    assert summary["dated"] == {
        "add": 4,
        "from_playback_reporting": 4,
        "from_last_played": 0,
    }
    # The drifted copy and both last-played dates are the same plays.
    assert summary["present"] == 3
    assert summary["undated"]["add"] == 0
    done = await commit_job(companion, job["id"])
    assert done["result"]["dated_added"] == 4
    plays = await Play.filter(user_id=user).order_by("started_at")
    assert [(p.item_id, p.started_at) for p in plays] == [
        (a.id, T0),
        (a.id, T0 + minutes(10)),
        (a.id, T0 + minutes(20)),
        (b.id, T0 + minutes(40)),
    ]
    # A whole track listened to counts by the usual rule; 20 s is a skip.
    assert [p.counted for p in plays] == [True, True, True, False]
    assert plays[0].position_ticks == full * 10_000_000
    assert plays[0].source == "playbackreport"


async def test_plugin_dates_stored_in_utc_and_an_offset_given(
    companion: Companion, fake_jellyfin: Any, plugin: PlaybackReporting
) -> None:
    plugin.install(stores_utc=True)
    user = demo_id(fake_jellyfin)
    (a,) = tracks(fake_jellyfin, 1)
    plugin.record_playback(user, a.id, T0, 300)
    job = await run_job(companion, {"source": "jellyfin"})
    assert job["summary"]["dated"]["add"] == 1
    await commit_job(companion, job["id"])
    assert (await Play.get(item_id=a.id)).started_at == T0

    plugin2_user_offset = {"source": "jellyfin", "plugin_utc_offset_minutes": -300}
    plugin.stores_utc = False
    plugin.utc_offset = timedelta(hours=-5)
    plugin.record_playback(user, a.id, T0 + timedelta(hours=5), 300)
    await import_all(companion, plugin2_user_offset)
    assert [p.started_at for p in await Play.filter(item_id=a.id).order_by("started_at")] == [
        T0,
        T0 + timedelta(hours=5),
    ]


async def test_live_plays_are_not_imported_twice(
    companion: Companion, fake_jellyfin: Any, plugin: PlaybackReporting
) -> None:
    plugin.install()
    user = demo_id(fake_jellyfin)
    (a,) = tracks(fake_jellyfin, 1)
    # The companion saw this listen live; the plugin and Jellyfin's user data saw it too.
    await Play.create(
        user_id=user,
        item_id=a.id,
        started_at=T0 + timedelta(seconds=3),
        bucket=int((T0.timestamp() + 3) // 60),
        ended_at=T0 + minutes(4),
        position_ticks=240 * 10_000_000,
        runtime_ticks=240 * 10_000_000,
        counted=True,
        source="webhook",
    )
    plugin.record_playback(user, a.id, T0, 240)
    set_user_data(fake_jellyfin, a.id, 2, T0 + timedelta(seconds=1))
    job = await import_all(companion, {"source": "jellyfin"})
    assert job["summary"]["present"] == 2
    assert job["result"]["dated_added"] == 0
    # Jellyfin counted 2, the companion has 1 dated: one undated play.
    assert (await UndatedPlays.get(item_id=a.id)).count == 1


async def test_progress_is_pushed_over_the_websocket(
    companion: Companion, fake_jellyfin: Any, plugin: PlaybackReporting
) -> None:
    plugin.install()
    user = demo_id(fake_jellyfin)
    (a,) = tracks(fake_jellyfin, 1)
    for i in range(50):
        plugin.record_playback(user, a.id, T0 + minutes(5 * i), 100)
    url = str(companion.client.make_url("/api/ws")).replace("http://", "ws://")
    token = companion.headers["Authorization"].removeprefix("Bearer ")
    async with websockets.connect(url) as conn:
        await conn.recv()
        await conn.send(json.dumps({"type": "auth", "access_token": token}))
        assert json.loads(await conn.recv())["type"] == "auth_ok"
        await conn.send(
            json.dumps({"id": 1, "type": "subscribe_events", "event_type": "history.import"})
        )
        assert json.loads(await conn.recv())["success"] is True
        job = await companion.call("POST", "/api/history/imports", 202, json={"source": "jellyfin"})
        seen: list[dict[str, Any]] = []
        while not seen or seen[-1]["state"] != "previewed":
            message = json.loads(await conn.recv())
            seen.append(message["event"]["data"])
        assert all(e["job_id"] == job["id"] and e["phase"] == "preview" for e in seen)
        assert seen[-1]["done"] == seen[-1]["total"] == 50
        assert seen[-1]["summary"]["dated"]["add"] == 50
        await companion.call("POST", f"/api/history/imports/{job['id']}/import", 202)
        while True:
            data = json.loads(await conn.recv())["event"]["data"]
            if data["state"] == "done":
                break
        assert data["phase"] == "import" and data["result"]["dated_added"] == 50


async def test_bad_input_and_failures_write_nothing(
    companion: Companion, fake_jellyfin: Any, plugin: PlaybackReporting
) -> None:
    (a,) = tracks(fake_jellyfin, 1)
    set_user_data(fake_jellyfin, a.id, 2, T0)
    # The plugin was asked for but is not installed.
    body = await companion.call(
        "POST", "/api/history/imports", 409, json={"source": "jellyfin", "playback_reporting": "on"}
    )
    assert body["error"]["code"] == "playback_reporting_missing"
    assert "Playback Reporting plugin is not installed" in body["error"]["message"]
    for bad, field in (
        ({"source": "spotify"}, "source"),
        ({"source": "jellyfin", "playback_reporting": "maybe"}, "playback_reporting"),
        ({"source": "jellyfin", "plugin_utc_offset_minutes": "2h"}, "plugin_utc_offset_minutes"),
        ({}, "source"),
    ):
        body = await companion.call("POST", "/api/history/imports", 400, json=bad)
        assert body["error"]["details"]["field"] == field
    # Jellyfin is down: a clear 503 and no job.
    await fake_jellyfin_down(fake_jellyfin)
    body = await companion.call("POST", "/api/history/imports", 503, json={"source": "jellyfin"})
    assert (
        body["error"]["message"] == "Jellyfin is slow or unreachable. Check your Jellyfin instance."
    )
    assert await HistoryImport.all().count() == 0
    assert await Play.all().count() == 0


async def test_an_outage_during_the_preview_fails_the_job_cleanly(
    companion: Companion, fake_jellyfin: Any, plugin: PlaybackReporting
) -> None:
    plugin.install()
    user = demo_id(fake_jellyfin)
    (a,) = tracks(fake_jellyfin, 1)
    set_user_data(fake_jellyfin, a.id, 2, T0)
    for i in range(10):
        plugin.record_playback(user, a.id, T0 + minutes(5 * i), 100)
    # The plugin's table breaks after the probe: its query fails with the plugin's message.
    plugin.db.execute("ALTER TABLE PlaybackActivity RENAME TO Gone")
    job = await run_job(companion, {"source": "jellyfin"})
    assert job["state"] == "failed"
    assert "refused the query" in job["error"] and "no such table" in job["error"]
    assert await HistoryImportRow.all().count() == 0
    assert await Play.all().count() == 0


async def test_restart_recovers_interrupted_jobs(companion: Companion) -> None:
    user = "a" * 32
    previewing = await HistoryImport.create(user_id=user, source="jellyfin", state="previewing")
    await HistoryImportRow.create(job=previewing, kind="dated", origin="userdata", item_id="b" * 32)
    importing = await HistoryImport.create(user_id=user, source="jellyfin", state="importing")
    await companion.client.app[keys.HISTORY_IMPORTS].recover()
    assert (await HistoryImport.get(id=previewing.id)).state == "failed"
    assert await HistoryImportRow.filter(job_id=previewing.id).count() == 0
    assert (await HistoryImport.get(id=importing.id)).state == "previewed"


async def fake_jellyfin_down(fake: Any) -> None:
    """Every Jellyfin request fails with 503 from now on."""
    fake.state.faults.error_rate = 1.0
    fake.state.faults.status = 503
