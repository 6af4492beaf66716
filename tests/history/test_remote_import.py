"""Importing ListenBrainz and Last.fm histories: matched listens become plays, the rest are
kept aside and listed; additive and idempotent like every import."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from companion.history.import_models import HistoryImport, HistoryImportRow
from companion.history.models import Play
from tests.history.conftest import LB_USER, LFM_USER, demo_id, import_all, run_job
from tests.playlists.conftest import Companion

BASE = datetime(2025, 4, 1, 12, tzinfo=UTC)


def distinct_tracks(fake_jellyfin: Any, count: int) -> list[int]:
    """Indexes of tracks that a title and a first artist alone name (Last.fm listens carry no
    album or duration, and the fake library holds the same song on two albums on purpose)."""
    lib = fake_jellyfin.library

    def core(name: str) -> str:
        return name.split(" (feat.")[0].split(" - ")[0].strip().lower()

    seen: dict[tuple[str, str], int] = {}
    for track in lib.tracks:
        key = (core(track.name), track.artist_ids[0])
        seen[key] = seen.get(key, 0) + 1
    out = [
        i
        for i, track in enumerate(lib.tracks)
        if seen[(core(track.name), track.artist_ids[0])] == 1
    ]
    return out[:count]


def meta(fake_jellyfin: Any, index: int) -> dict[str, Any]:
    track = fake_jellyfin.library.tracks[index]
    artist = fake_jellyfin.library.get(track.artist_ids[0]).name
    return {"artist_name": artist, "track_name": track.name, "release_name": "Whatever"}


async def test_listenbrainz_history_matched_present_and_kept_aside(
    scrobbling: Companion, fake_jellyfin: Any, fake_listenbrainz: Any
) -> None:
    user = demo_id(fake_jellyfin)
    for i in range(5):
        fake_listenbrainz.add_listen(
            LB_USER, int((BASE + timedelta(minutes=10 * i)).timestamp()), meta(fake_jellyfin, i)
        )
    fake_listenbrainz.add_listen(
        LB_USER,
        int((BASE + timedelta(hours=2)).timestamp()),
        {"artist_name": "Nobody Here", "track_name": "Not In The Library"},
    )
    # The companion already has the first listen (it scrobbled it from a live play).
    first = fake_jellyfin.library.tracks[0]
    await Play.create(
        user_id=user,
        item_id=first.id,
        started_at=BASE,
        bucket=int(BASE.timestamp() // 60),
        ended_at=BASE,
        counted=True,
        source="webhook",
    )
    # Without a linked account, the user name is asked for.
    body = await scrobbling.call(
        "POST", "/api/history/imports", 400, json={"source": "listenbrainz"}
    )
    assert body["error"]["details"]["field"] == "user_name"
    job = await run_job(scrobbling, {"source": "listenbrainz", "user_name": LB_USER})
    assert job["summary"]["message"] == (
        "Will add 4 plays for 4 tracks; 1 already present; 1 listens matched no track (kept aside)."
    )
    done = await import_all(scrobbling, {"source": "listenbrainz", "user_name": LB_USER})
    assert done["result"]["dated_added"] == 4
    plays = await Play.filter(user_id=user, source="listenbrainz").order_by("started_at")
    assert [p.item_id for p in plays] == [t.id for t in fake_jellyfin.library.tracks[1:5]]
    assert all(p.counted for p in plays)
    unmatched = await scrobbling.call("GET", f"/api/history/imports/{done['id']}/unmatched")
    assert unmatched["total"] == 1
    assert unmatched["items"][0]["title"] == "Not In The Library"
    assert unmatched["items"][0]["listened_at"].startswith("2025-04-01T14:00")
    # The first preview never imported: forgetting it leaves the plays alone.
    await scrobbling.call("DELETE", f"/api/history/imports/{job['id']}", 204)
    again = await import_all(scrobbling, {"source": "listenbrainz", "user_name": LB_USER})
    assert again["result"]["dated_added"] == 0 and again["summary"]["present"] == 5
    assert await Play.filter(user_id=user).count() == 5


async def test_lastfm_history_of_the_linked_account(
    scrobbling: Companion, fake_jellyfin: Any, fake_lastfm: Any
) -> None:
    await scrobbling.call(
        "PUT", "/api/scrobble/lastfm", json={"username": LFM_USER, "password": "lfm-password"}
    )
    tracks = distinct_tracks(fake_jellyfin, 20)
    for i in range(250):
        m = meta(fake_jellyfin, tracks[i % 20])
        fake_lastfm.add_scrobble(
            LFM_USER, m["artist_name"], m["track_name"], int(BASE.timestamp()) + 600 * i
        )
    # "Horizon" by the first artist is on two albums with different lengths: a listen that
    # names neither is kept aside, never guessed.
    twin = next(t for t in fake_jellyfin.library.tracks if t.name == "Horizon")
    twin_artist = fake_jellyfin.library.get(twin.artist_ids[0]).name
    fake_lastfm.add_scrobble(LFM_USER, twin_artist, "Horizon", int(BASE.timestamp()) - 600)
    done = await import_all(scrobbling, {"source": "lastfm"})
    assert done["summary"]["read"] == {"listens": 251} and done["summary"]["account"] == LFM_USER
    assert done["result"]["dated_added"] == 250
    unmatched = await scrobbling.call("GET", f"/api/history/imports/{done['id']}/unmatched")
    assert [(u["title"], u["artist"]) for u in unmatched["items"]] == [("Horizon", twin_artist)]
    # A user Last.fm does not know: a clear message, no job.
    body = await scrobbling.call(
        "POST", "/api/history/imports", 400, json={"source": "lastfm", "user_name": "ghost"}
    )
    assert body["error"]["code"] == "source_rejected"
    assert "Last.fm has no user of that name" in body["error"]["message"]
    assert await HistoryImport.filter(source="lastfm").count() == 1


async def test_service_not_set_up(companion: Companion) -> None:
    body = await companion.call(
        "POST", "/api/history/imports", 409, json={"source": "listenbrainz", "user_name": "x"}
    )
    assert body["error"]["code"] == "scrobble_service_missing"
    assert await HistoryImportRow.all().count() == 0
