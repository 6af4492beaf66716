"""Fixtures of the history tests: the app on the fake Jellyfin with demo signed in, an indexed
library, and helpers to run an import to its end."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from companion import keys
from companion.settings import Settings
from companion.testing.jellyfin.routes_playback_reporting import (
    PlaybackReporting,
    playback_reporting,
)
from tests.playlists.conftest import ClientFactory, Companion, start_companion

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared settings, in UTC: days and years in these tests are UTC's."""
    from dataclasses import replace

    return replace(settings, timezone="UTC")


@pytest.fixture
async def fake_jellyfin() -> AsyncIterator[Any]:
    """A fake Jellyfin with a small library."""
    from companion.testing.jellyfin import FakeJellyfin

    fake = FakeJellyfin(tracks=300)
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def companion(
    aiohttp_client: ClientFactory, settings: Settings, fake_jellyfin: Any
) -> Companion:
    """The app on the fake with demo signed in and the library index filled."""
    companion = await start_companion(aiohttp_client, settings, fake_jellyfin)
    await companion.client.app[keys.LIVE].sockets.library_index.full_sync()
    return companion


@pytest.fixture
def plugin(fake_jellyfin: Any) -> PlaybackReporting:
    """The fake's Playback Reporting plugin (not installed until a test installs it)."""
    return playback_reporting(fake_jellyfin)


def demo_id(fake: Any) -> str:
    """The demo user's Jellyfin id."""
    return str(fake.user_id("demo"))


def set_user_data(fake: Any, item_id: str, count: int, last: datetime | None) -> None:
    """Give demo a play count and last played date for a track, as Jellyfin keeps them."""
    ud = fake.state.data_for(demo_id(fake), item_id, create=True)
    ud.play_count, ud.last_played, ud.played = count, last, count > 0


async def run_job(companion: Companion, body: dict[str, Any]) -> dict[str, Any]:
    """Start a preview and wait for it to end; returns the job."""
    job = await companion.call("POST", "/api/history/imports", 202, json=body)
    return await wait_job(companion, job["id"])


async def commit_job(companion: Companion, job_id: int) -> dict[str, Any]:
    """Import a previewed job and wait for it to end; returns the job."""
    await companion.call("POST", f"/api/history/imports/{job_id}/import", 202)
    return await wait_job(companion, job_id)


async def wait_job(companion: Companion, job_id: int) -> dict[str, Any]:
    """Wait until the job's background work ended."""
    await companion.client.app[keys.HISTORY_IMPORTS].wait(job_id)
    job: dict[str, Any] = await companion.call("GET", f"/api/history/imports/{job_id}")
    assert job["state"] not in ("previewing", "importing"), job
    return job


async def import_all(companion: Companion, body: dict[str, Any]) -> dict[str, Any]:
    """Preview then import; returns the finished job."""
    job = await run_job(companion, body)
    assert job["state"] == "previewed", job
    return await commit_job(companion, job["id"])


def minutes(n: int) -> timedelta:
    """n minutes."""
    return timedelta(minutes=n)


async def settle() -> None:
    """Let queued callbacks run."""
    await asyncio.sleep(0)


LB_USER, LFM_USER, LFM_PASSWORD = "lbuser", "lfmuser", "lfm-password"


@pytest.fixture
async def fake_listenbrainz() -> AsyncIterator[Any]:
    """A fake ListenBrainz with one account."""
    from companion.testing.listenbrainz import FakeListenBrainz

    fake = FakeListenBrainz()
    fake.add_user(LB_USER)
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def fake_lastfm() -> AsyncIterator[Any]:
    """A fake Last.fm with an API account and one user."""
    from companion.testing.lastfm import FakeLastFm

    fake = FakeLastFm()
    fake.add_api_account("lfm-key", "lfm-secret")
    fake.add_user(LFM_USER, LFM_PASSWORD)
    await fake.start()
    yield fake
    await fake.stop()


def scrobble_env(fake_listenbrainz: Any, fake_lastfm: Any) -> dict[str, str]:
    """The environment that configures both scrobble integrations."""
    return {
        "LISTENBRAINZ_URL": fake_listenbrainz.url,
        "LASTFM_API_KEY": "lfm-key",
        "LASTFM_SHARED_SECRET": "lfm-secret",
        "LASTFM_URL": fake_lastfm.url,
    }


async def ready_scrobbling(companion: Companion) -> None:
    """Wait for the scrobble integrations and make retries and pacing fast."""
    app = companion.client.app
    entries = app[keys.ENTRIES]
    for domain in ("listenbrainz", "lastfm"):
        for entry in entries.entries(domain):
            await entries.wait_setup(entry.entry_id)
    lastfm = app[keys.PROVIDERS].scrobblers.get("lastfm")
    if lastfm is not None:
        lastfm.client.min_interval = 0  # type: ignore[attr-defined]
    outbox = app[keys.LISTENING].outbox
    outbox.backoff_base, outbox.backoff_max = 0.05, 0.2


@pytest.fixture
async def scrobbling(
    aiohttp_client: ClientFactory,
    settings: Settings,
    fake_jellyfin: Any,
    fake_listenbrainz: Any,
    fake_lastfm: Any,
) -> Companion:
    """The app with ListenBrainz and Last.fm configured (demo signed in, index filled)."""
    from dataclasses import replace

    env = {**settings.environ, **scrobble_env(fake_listenbrainz, fake_lastfm)}
    companion = await start_companion(aiohttp_client, replace(settings, environ=env), fake_jellyfin)
    await companion.client.app[keys.LIVE].sockets.library_index.full_sync()
    await ready_scrobbling(companion)
    return companion
