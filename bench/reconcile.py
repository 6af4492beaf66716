"""Reconcile after an outage, per emulated Jellyfin version: 10 users, 2,000 favorites each
(tracks, albums and artists; some added and some removed while the companion was away) and a
few listens each that nobody reported. Budget (issue 13): at most 3 upstream calls per user.

The fake Jellyfin runs in this process (its state is set directly, as another app would have
changed it); the companion side is the real LiveService, overlay writer and a temporary
SQLite database. After the reconcile the mirror must equal Jellyfin's favorites exactly.

    python -m bench.reconcile [--users 10] [--favorites 2000] [--versions 10.10.7,10.11.11]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
from cryptography.fernet import Fernet

from companion.crypto import SecretBox
from companion.db.database import Database
from companion.events import EventBus
from companion.history.models import Play
from companion.library.index import LibraryIndexService
from companion.library.models import Favorite
from companion.live.overlay import OverlayWriter
from companion.live.pipeline import LivePipeline
from companion.live.service import LiveService
from companion.media import UserCredential
from companion.providers import Providers
from companion.testing.jellyfin import FAKE_API_KEY, FakeJellyfin
from integrations.jellyfin.client import JellyfinClient
from integrations.jellyfin.media import JellyfinMedia

PLAYS_WHILE_AWAY = 5


def _favorites(fake: FakeJellyfin, rng: random.Random, count: int) -> set[str]:
    """A user's favorite ids: mostly tracks, some albums and artists."""
    lib = fake.library
    albums = min(len(lib.albums), count // 10)
    artists = min(len(lib.artists), count // 40)
    chosen = rng.sample([t.id for t in lib.tracks], count - albums - artists)
    chosen += rng.sample([a.id for a in lib.albums], albums)
    chosen += rng.sample([a.id for a in lib.artists], artists)
    return set(chosen)


def _set_favorites(fake: FakeJellyfin, user_id: str, ids: set[str]) -> None:
    for per in fake.state.user_data.get(user_id, {}).values():
        per.is_favorite = False
    for item_id in ids:
        data = fake.state.data_for(user_id, item_id, create=True)
        assert data is not None
        data.is_favorite = True


async def run_version(version: str, users: int, favorites: int) -> None:
    """Set up, reconcile once (the mirror), change while away, reconcile again: the figures."""
    fake = FakeJellyfin(tracks=20_000, version=version, seed=3)
    await fake.start()
    tag = version.replace(".", "_")
    rng = random.Random(version)
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite://{Path(tmp) / 'companion.sqlite3'}")
        await db.open()
        await db.migrate()
        try:
            async with aiohttp.ClientSession() as http:
                service = JellyfinClient(
                    fake.url, session=http, token=FAKE_API_KEY, device_id="bench-reconcile"
                )
                await service.system_info()
                providers = Providers()
                providers.media = JellyfinMedia(service, fake.url)
                bus = EventBus()
                pipeline = LivePipeline(OverlayWriter(bus))
                pipeline.start()
                live = LiveService(
                    providers,
                    pipeline,
                    bus,
                    SecretBox(Fernet.generate_key()),
                    LibraryIndexService(providers, bus),
                )
                creds: list[UserCredential] = []
                for n in range(users):
                    name = f"listener{n}"
                    fake.state.add_user(name, name, admin=False)
                    device = f"bench-{name}"
                    auth = await JellyfinClient(
                        fake.url, session=http, device_id=device
                    ).authenticate(name, name)
                    creds.append(UserCredential(auth.user.id, auth.access_token, device))
                truth: dict[str, set[str]] = {}
                for cred in creds:
                    truth[cred.user_id] = _favorites(fake, rng, favorites)
                    _set_favorites(fake, cred.user_id, truth[cred.user_id])
                    await live.reconcile_user(cred)  # mirrored before the outage
                # While the companion is away: a quarter of each user's favorites replaced,
                # and a few listens.
                tracks = [t for t in fake.library.tracks]
                for cred in creds:
                    keep = set(rng.sample(sorted(truth[cred.user_id]), favorites * 3 // 4))
                    fresh = _favorites(fake, rng, favorites) - keep
                    truth[cred.user_id] = keep | set(sorted(fresh)[: favorites - len(keep)])
                    _set_favorites(fake, cred.user_id, truth[cred.user_id])
                    for track in rng.sample(tracks, PLAYS_WHILE_AWAY):
                        data = fake.state.data_for(cred.user_id, track.id, create=True)
                        assert data is not None
                        data.play_count += 1
                        data.played = True
                        data.last_played = datetime.now(UTC) - timedelta(minutes=1)
                fake.state.requests.clear()
                started = time.perf_counter()
                applied = 0
                for cred in creds:
                    applied += await live.reconcile_user(cred)
                elapsed = time.perf_counter() - started
                calls = len(fake.state.requests)
                missing = extra = 0
                for cred in creds:
                    rows = {
                        str(i)
                        for i in await Favorite.filter(user_id=cred.user_id).values_list(
                            "item_id", flat=True
                        )
                    }
                    missing += len(truth[cred.user_id] - rows)
                    extra += len(rows - truth[cred.user_id])
                plays = await Play.filter(source="reconcile").count()
                await pipeline.stop()
        finally:
            await db.close()
            await fake.stop()
    print(f"reconcile_{tag}_users: {users}")
    print(f"reconcile_{tag}_favorites_per_user: {favorites}")
    print(f"reconcile_{tag}_facts_applied: {applied}")
    print(f"reconcile_{tag}_upstream_calls: {calls}")
    print(f"reconcile_{tag}_upstream_calls_per_user: {calls / users:.1f}")
    print(f"reconcile_{tag}_s: {elapsed:.2f}")
    print(f"reconcile_{tag}_favorites_missing: {missing}")
    print(f"reconcile_{tag}_favorites_extra: {extra}")
    print(f"reconcile_{tag}_listens_recorded: {plays} of {users * PLAYS_WHILE_AWAY}")


async def run(users: int, favorites: int, versions: list[str]) -> None:
    """Every version in turn."""
    for version in versions:
        await run_version(version, users, favorites)


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--favorites", type=int, default=2000)
    parser.add_argument("--versions", default="10.10.7,10.11.11")
    args = parser.parse_args()
    asyncio.run(run(args.users, args.favorites, args.versions.split(",")))


if __name__ == "__main__":
    main()
