"""Statistics and the year in review, with undated imported plays kept apart, and the
"Top of <year>" playlist pushed to Jellyfin."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from companion import keys
from companion.history import stats
from companion.history.import_models import UndatedPlays
from companion.history.models import Play
from companion.listening.models import ReviewPlaylist
from tests.history.conftest import demo_id
from tests.playlists.conftest import Companion, wait_synced

TICKS = 10_000_000


async def play(
    fake: Any, index: int, at: datetime, *, source: str = "webhook", seconds: int = 0
) -> None:
    track = fake.library.tracks[index]
    await Play.create(
        user_id=demo_id(fake),
        item_id=track.id,
        started_at=at,
        bucket=int(at.timestamp() // 60),
        ended_at=at + timedelta(seconds=seconds),
        position_ticks=seconds * TICKS,
        runtime_ticks=track.runtime_ticks,
        counted=True,
        source=source,
    )


def artist_of(fake: Any, index: int) -> str:
    track = fake.library.tracks[index]
    return str(fake.library.get(track.artist_ids[0]).name)


async def test_year_in_review_and_all_time_keep_undated_apart(
    companion: Companion, fake_jellyfin: Any
) -> None:
    y = datetime(2025, 1, 1, tzinfo=UTC)
    # Track 0 three times in January (a three-day streak), track 1 twice in March, imported
    # track 2 once (a last-played date: no length, so its length counts).
    for day in range(3):
        await play(fake_jellyfin, 0, y + timedelta(days=day, hours=20), seconds=200)
    await play(fake_jellyfin, 1, y + timedelta(days=60, hours=8), seconds=100)
    await play(fake_jellyfin, 1, y + timedelta(days=61, hours=8), seconds=100)
    await play(fake_jellyfin, 2, y + timedelta(days=100), source="userdata")
    # A play of 2024 by another artist, and undated plays of track 1.
    other = next(
        i
        for i in range(3, 200)
        if artist_of(fake_jellyfin, i) not in {artist_of(fake_jellyfin, j) for j in range(3)}
    )
    await play(fake_jellyfin, other, y - timedelta(days=10), seconds=60)
    await UndatedPlays.create(
        user_id=demo_id(fake_jellyfin), item_id=fake_jellyfin.library.tracks[1].id, count=7
    )
    body = await companion.call("GET", "/api/stats/review/2025")
    assert body["plays"] == 6 and body["imported_plays"] == 1
    assert body["top_tracks"][0]["ref"] == f"jellyfin:{fake_jellyfin.library.tracks[0].id}"
    assert body["top_tracks"][0]["plays"] == 3 and body["top_tracks"][0]["undated"] == 0
    runtime2 = fake_jellyfin.library.tracks[2].runtime_ticks / TICKS
    assert body["listening_seconds"] == round(3 * 200 + 2 * 100 + runtime2)
    assert body["estimated_plays"] == 1
    assert [m["plays"] for m in body["months"][:4]] == [3, 0, 2, 1]
    assert body["hours"][20] == 3 and body["hours"][8] == 2
    assert body["streaks"]["longest_days"] == 3
    assert body["streaks"]["longest_from"] == "2025-01-01"
    assert body["busiest_day"]["plays"] == 1
    # Undated plays have no year: the review names them, its lists leave them out.
    assert body["undated_plays"] == 7
    new = {a["name"] for a in body["new_artists"]}
    assert new == {artist_of(fake_jellyfin, i) for i in range(3)}
    assert artist_of(fake_jellyfin, other) not in new
    assert body["top_genres"] is not None and body["top_albums"][0]["plays"] >= 3

    everything = await companion.call("GET", "/api/stats?period=all")
    top = everything["top_tracks"][0]
    assert top["ref"] == f"jellyfin:{fake_jellyfin.library.tracks[1].id}"
    assert (top["plays"], top["undated"]) == (9, 7)
    assert everything["plays"] == 7 and everything["undated_plays"] == 7
    assert (await companion.call("GET", "/api/stats/years"))["years"] == [2025, 2024]


async def test_rolling_periods_and_bad_input(companion: Companion, fake_jellyfin: Any) -> None:
    now = datetime.now(UTC)
    await play(fake_jellyfin, 0, now - timedelta(days=2), seconds=10)
    await play(fake_jellyfin, 1, now - timedelta(days=20), seconds=10)
    await play(fake_jellyfin, 0, now - timedelta(days=1), seconds=10)
    week = await companion.call("GET", "/api/stats?period=week")
    month = await companion.call("GET", "/api/stats?period=month&limit=1")
    assert week["plays"] == 2 and month["plays"] == 3 and len(month["top_tracks"]) == 1
    assert week["streaks"]["current_days"] == 2
    for path, field in (
        ("/api/stats?period=decade", "period"),
        ("/api/stats?limit=0", "limit"),
        ("/api/stats/review/1999", "year"),
    ):
        body = await companion.call("GET", path, 400)
        assert body["error"]["details"]["field"] == field


async def test_top_of_year_playlist_is_pushed_and_refreshed_in_place(
    companion: Companion, fake_jellyfin: Any
) -> None:
    y = datetime(2025, 6, 1, tzinfo=UTC)
    for i, times in ((5, 3), (6, 1), (7, 2)):
        for n in range(times):
            await play(fake_jellyfin, i, y + timedelta(days=i, hours=n), seconds=100)
    body = await companion.call("POST", "/api/stats/review/2025/playlist", json={"size": 2})
    assert body["name"] == "Top of 2025"
    ids = [fake_jellyfin.library.tracks[i].id for i in (5, 7)]
    assert [item["ref"] for item in body["items"]] == [f"jellyfin:{i}" for i in ids]
    synced = await wait_synced(companion, body["id"])
    twin = fake_jellyfin.state.playlists[synced["sync"]["jellyfin_id"]]
    assert twin.name == "Top of 2025" and [i for _, i in twin.entries] == ids
    # Made again after more plays: the same playlist (and Jellyfin twin) is refreshed.
    for n in range(3):
        await play(fake_jellyfin, 6, y + timedelta(days=30, hours=n), seconds=100)
    again = await companion.call("POST", "/api/stats/review/2025/playlist", json={"size": 2})
    assert again["id"] == body["id"]
    assert again["items"][0]["ref"] == f"jellyfin:{fake_jellyfin.library.tracks[6].id}"
    synced = await wait_synced(companion, body["id"])
    assert synced["sync"]["jellyfin_id"] == twin.id
    assert await ReviewPlaylist.all().count() == 1
    # A year without plays: nothing is made.
    none = await companion.call("POST", "/api/stats/review/2024/playlist", 409)
    assert none["error"]["code"] == "no_plays_in_year"
    bad = await companion.call("POST", "/api/stats/review/2025/playlist", 400, json={"size": 0})
    assert bad["error"]["details"]["field"] == "size"


async def test_streaks_count_days() -> None:
    days = {datetime(2025, 1, d, tzinfo=UTC).date() for d in (1, 2, 3, 7, 8)}
    result = stats._streaks(days, datetime(2025, 1, 9, tzinfo=UTC).date())
    assert result["longest_days"] == 3 and result["current_days"] == 2
    assert result["longest_to"] == "2025-01-03" and result["days_with_plays"] == 5
    assert keys.LISTENING  # the review's playlist lives in the listening capability


async def test_days_and_years_are_the_install_time_zone(
    companion: Companion, fake_jellyfin: Any
) -> None:
    from zoneinfo import ZoneInfo

    auckland = ZoneInfo("Pacific/Auckland")
    # 20:00 UTC on New Year's Eve is already 09:00 on New Year's Day in Auckland.
    await play(fake_jellyfin, 0, datetime(2025, 12, 31, 20, tzinfo=UTC), seconds=100)
    user = demo_id(fake_jellyfin)
    utc = await stats.review(user, 2025)
    local = await stats.review(user, 2026, zone=auckland)
    assert utc["plays"] == 1 and local["plays"] == 1
    assert local["months"][0]["plays"] == 1 and local["hours"][9] == 1
    assert local["time_zone"] == "Pacific/Auckland"
    assert await stats.years(user, auckland) == [2026]
    assert (await stats.review(user, 2025, zone=auckland))["plays"] == 0
