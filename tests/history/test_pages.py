"""The dashboard's year in review and listening pages render what the API knows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from companion.history.import_models import UndatedPlays
from companion.history.models import Play
from companion.testing.jellyfin.routes_playback_reporting import playback_reporting
from tests.history.conftest import T0, demo_id, import_all, set_user_data
from tests.playlists.conftest import Companion


async def _cookie_sign_in(companion: Companion) -> None:
    resp = await companion.client.post(
        "/api/auth/login", json={"username": "demo", "password": "demo"}
    )
    assert resp.status == 200


async def _page(companion: Companion, path: str, status: int = 200) -> str:
    resp = await companion.client.get(path)
    text = await resp.text()
    assert resp.status == status, (path, text[:300])
    return text


async def test_review_page_shows_the_year_with_charts(
    scrobbling: Companion, fake_jellyfin: Any
) -> None:
    user = demo_id(fake_jellyfin)
    track = fake_jellyfin.library.tracks[0]
    for i in range(3):
        at = datetime(2025, 2, 1 + i, 9, tzinfo=UTC)
        await Play.create(
            user_id=user,
            item_id=track.id,
            started_at=at,
            bucket=int(at.timestamp() // 60),
            ended_at=at + timedelta(minutes=3),
            position_ticks=180 * 10**7,
            runtime_ticks=track.runtime_ticks,
            counted=True,
            source="webhook",
        )
    await UndatedPlays.create(user_id=user, item_id=track.id, count=4)
    await _cookie_sign_in(scrobbling)
    text = await _page(scrobbling, "/review")
    assert "<h1>2025 in review</h1>" in text
    assert 'aria-label="Plays per month"' in text and "<rect" in text
    assert track.name[:26].replace("&", "&amp;") in text
    assert "Plus 4 undated plays" in text
    assert 'data-review-playlist="2025"' in text
    assert 'href="/review"' in text  # the nav entry
    empty = await _page(scrobbling, "/review/2024")
    assert "No counted plays in 2024." in empty
    await _page(scrobbling, "/review/1850", 404)


async def test_listening_page_lists_imports_undated_and_services(
    scrobbling: Companion, fake_jellyfin: Any
) -> None:
    track = fake_jellyfin.library.tracks[0]
    set_user_data(fake_jellyfin, track.id, 3, T0)
    # A plugin on a server half an hour off the hour: its local dates are read back to UTC.
    plugin = playback_reporting(fake_jellyfin)
    plugin.install(utc_offset=-timedelta(hours=5, minutes=30))
    plugin.record_playback(demo_id(fake_jellyfin), track.id, T0, 30)
    await import_all(scrobbling, {"source": "jellyfin"})
    await _cookie_sign_in(scrobbling)
    text = await _page(scrobbling, "/listening")
    assert "Will add 1 plays and 2 undated plays for 1 tracks; 1 already present" in text
    assert "its dates read as UTC-05:30 (detected)" in text
    assert "Added 1 plays and 2 undated plays." in text
    assert 'data-import-form="jellyfin"' in text and 'data-import-form="listenbrainz"' in text
    assert 'data-service="listenbrainz"' in text and 'name="token"' in text
    assert 'data-service="lastfm"' in text and 'name="password"' in text
    assert "Mark played in Jellyfin" in text
    assert "<td>2</td>" in text  # the undated plays of the track
