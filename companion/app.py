"""The application factory: wires storage, the bus, HTTP, auth and integrations."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterable

import aiohttp
from aiohttp import web

from companion import __version__, const, keys
from companion.accounts.auth import AuthService
from companion.accounts.signin import SignInService
from companion.automation.services import AutomationServices
from companion.cluster.setup import create_cluster, migration_guard
from companion.crypto import SecretBox, load_or_create_key, prepare_data_dir
from companion.db.database import Database
from companion.downloads.service import DownloadService
from companion.events import EventBus
from companion.flows.service import FlowService
from companion.history.imports import HistoryImports
from companion.imports.service import ImportService
from companion.integration.entries import ConfigEntries
from companion.integration.registry import discover
from companion.integration.types import IntegrationContext
from companion.library.music import MusicServices
from companion.listening.service import ListeningService
from companion.live.inbox import SIGNAL as INBOX_SIGNAL
from companion.live.runtime import LiveRuntime
from companion.metrics import Metrics, gauge
from companion.player.runtime import PlayerServices
from companion.playlists.outbox import SIGNAL as PLAYLIST_OUTBOX_SIGNAL
from companion.playlists.service import PlaylistService
from companion.providers import Providers
from companion.providers.live import FavoriteFact
from companion.ratelimit import FailureLimiter
from companion.settings import Settings
from companion.vibe.extend import VibeExtender
from companion.vibe.service import VibeService, audiomuse_problem
from web import base_path, middlewares
from web import ws as ws_api
from web.api import artwork as artwork_api
from web.api import auth as auth_api
from web.api import automation as automation_api
from web.api import downloads as downloads_api
from web.api import favorites as favorites_api
from web.api import flows as flows_api
from web.api import history as history_api
from web.api import history_import as history_import_api
from web.api import import_accounts as import_accounts_api
from web.api import imports as imports_api
from web.api import integrations as integrations_api
from web.api import items as items_api
from web.api import library as library_api
from web.api import player as player_api
from web.api import playlists as playlists_api
from web.api import preferences as preferences_api
from web.api import scrobble as scrobble_api
from web.api import sessions as sessions_api
from web.api import setup as setup_api
from web.api import stats as stats_api
from web.api import system as system_api
from web.api import tracks as tracks_api
from web.api import vibe as vibe_api
from web.api import webhook_settings as webhook_settings_api
from web.dashboard import api as dashboard_api
from web.dashboard.routes import setup_dashboard
from web.routing import ApiRouter
from web.urls import where_to_open
from webhooks import automation as automation_webhook  # noqa: F401  (registers its route)
from webhooks import jellyfin as jellyfin_webhook
from webhooks import lidarr as lidarr_webhook  # noqa: F401  (registers its route)
from webhooks.routes import router as webhooks_router

_LOGGER = logging.getLogger(__name__)


async def _storage_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    prepare_data_dir(settings.data_dir)
    app[keys.SECRET_BOX] = SecretBox(load_or_create_key(settings.data_dir, settings.secret_key))
    database = Database(settings.resolved_database_url)
    await database.open()
    try:
        if settings.auto_migrate:
            async with migration_guard(settings):
                await database.migrate()
        app[keys.DATABASE] = database
        yield
    finally:
        await database.close()


async def _bus_ctx(app: web.Application) -> AsyncIterator[None]:
    bus = EventBus()
    app[keys.BUS] = bus
    yield
    await bus.close()


async def _cluster_ctx(app: web.Application) -> AsyncIterator[None]:
    # Alone: a no-op. Replicas: the bus's events reach the others from the first one on.
    cluster = create_cluster(app[keys.SETTINGS])
    cluster.attach(app[keys.BUS])
    await cluster.connect()
    app[keys.CLUSTER] = cluster
    yield
    await cluster.close()


async def _ownership_ctx(app: web.Application) -> AsyncIterator[None]:
    # Last: every service exists before singleton work starts (alone: at once, here), and all
    # of it stops before any service closes.
    cluster = app[keys.CLUSTER]
    await cluster.start()
    yield
    await cluster.stop()


async def _http_ctx(app: web.Application) -> AsyncIterator[None]:
    # One session for every outgoing call; clients get it injected.
    session = aiohttp.ClientSession(
        headers={"User-Agent": f"jellyfin-companion/{__version__}"},
        timeout=aiohttp.ClientTimeout(total=30, connect=10),
    )
    app[keys.HTTP_SESSION] = session
    yield
    await session.close()


async def _auth_ctx(app: web.Application) -> AsyncIterator[None]:
    auth = AuthService(app[keys.SECRET_BOX])
    app[keys.AUTH] = auth
    app[keys.SIGNIN] = SignInService(app[keys.PROVIDERS], auth, app[keys.SECRET_BOX], app[keys.BUS])
    token = await auth.ensure_setup_token()
    if token is not None:
        # Printed on purpose: only someone who can read the log can claim a fresh install.
        _LOGGER.warning(
            "No administrator yet. Open %s and enter this one-time setup token: %s",
            where_to_open(app[keys.SETTINGS]),
            token,
            extra={"show_secret": True},
        )
    yield


async def _integrations_ctx(app: web.Application) -> AsyncIterator[None]:
    ctx = IntegrationContext(
        settings=app[keys.SETTINGS],
        session=app[keys.HTTP_SESSION],
        bus=app[keys.BUS],
        secret_box=app[keys.SECRET_BOX],
        providers=app[keys.PROVIDERS],
        cluster=app[keys.CLUSTER],
    )
    entries = ConfigEntries(ctx, discover())
    app[keys.ENTRIES] = entries
    cluster = app[keys.CLUSTER]
    # Replicas starting together: one at a time, so an environment-only entry is stored once.
    async with cluster.lock("integrations:load"):
        await entries.load()
    # An entry added or removed through one replica is set up or unloaded on all of them.
    entries.changed = lambda: cluster.signal("integrations")
    cluster.on_signal("integrations", entries.schedule_sync)
    # Sockets follow integration.state events from then on and open what is configured; one
    # replica holds them.
    live = app[keys.LIVE]
    app[keys.CLUSTER].singleton("jellyfin-sockets", live.start_sockets, live.sockets.stop)
    yield
    await live.sockets.stop()
    await entries.unload_all()


async def _live_ctx(app: web.Application) -> AsyncIterator[None]:
    live = LiveRuntime.create(
        app[keys.PROVIDERS],
        app[keys.BUS],
        app[keys.SECRET_BOX],
        {"jellyfin": jellyfin_webhook.parse_stored},
    )
    app[keys.LIVE] = live
    live.pipeline.start()
    # Webhooks are stored by any replica; one drains the inbox, woken by the signal.
    cluster = app[keys.CLUSTER]
    cluster.on_signal(INBOX_SIGNAL, live.inbox.notify)

    async def start_inbox() -> None:
        live.inbox.start()

    cluster.singleton("webhook-inbox", start_inbox, live.inbox.stop)
    # A secret rotated through one replica is the one every replica checks.
    live.secrets.changed = lambda: cluster.signal("webhook-secrets")
    cluster.on_signal("webhook-secrets", live.secrets.forget)
    yield
    await live.stop()


async def _music_ctx(app: web.Application) -> AsyncIterator[None]:
    pipeline = app[keys.LIVE].pipeline

    async def record_favorite(fact: FavoriteFact) -> None:
        await pipeline.apply([fact])

    music = MusicServices.create(
        app[keys.PROVIDERS], app[keys.BUS], app[keys.SECRET_BOX], record_favorite
    )
    app[keys.MUSIC] = music
    yield
    # Before the bus closes: unsubscribe and cancel fetches in flight.
    await music.close()


async def _automation_ctx(app: web.Application) -> AsyncIterator[None]:
    # Vibe and playlists are looked up per call: their services may land after this one.
    automation = AutomationServices.create(
        bus=app[keys.BUS],
        music=app[keys.MUSIC],
        box=app[keys.SECRET_BOX],
        session=app[keys.HTTP_SESSION],
        entries=lambda: list(app[keys.ENTRIES].entries()),
        vibe=lambda: app.get(keys.VIBE) if hasattr(keys, "VIBE") else None,
        playlists=lambda: app.get(keys.PLAYLISTS) if hasattr(keys, "PLAYLISTS") else None,
        public_url=app[keys.SETTINGS].public_url,
        zone=app[keys.SETTINGS].zone,
    )
    app[keys.AUTOMATION] = automation
    # A target edited through any replica reaches the owner's copy of the target list.
    cluster = app[keys.CLUSTER]
    automation.targets.changed = lambda: cluster.signal("automation-targets")
    cluster.on_signal("automation-targets", automation.targets.forget)
    # Hooks, outgoing webhooks and the automation state follow every replica's events on one.
    app[keys.CLUSTER].singleton("automation", automation.start, automation.stop)
    yield


async def _playlists_ctx(app: web.Application) -> AsyncIterator[None]:
    # After music (credentials, resolver); its outbox worker resumes pushes left by a restart.
    playlists = PlaylistService(app[keys.MUSIC], app[keys.PROVIDERS], app[keys.BUS])
    app[keys.PLAYLISTS] = playlists
    cluster = app[keys.CLUSTER]
    # Edits and pushes of one playlist are serialised across replicas; pushes queued anywhere
    # wake the worker on the replica that runs it.
    playlists.outbox.shared_lock = cluster.lock
    playlists.outbox.notify = lambda: cluster.signal(PLAYLIST_OUTBOX_SIGNAL)
    cluster.on_signal(PLAYLIST_OUTBOX_SIGNAL, playlists.outbox.wake)
    playlists.follow()
    cluster.singleton("playlist-outbox", playlists.start_outbox, playlists.outbox.stop)
    yield
    await playlists.close()


async def _player_ctx(app: web.Application) -> AsyncIterator[None]:
    # After playlists ("save as playlist", "play a playlist"); no background work of its own.
    app[keys.PLAYER] = PlayerServices.create(
        app[keys.MUSIC], app[keys.PROVIDERS], app[keys.BUS], lambda: app.get(keys.PLAYLISTS)
    )
    yield


async def _history_ctx(app: web.Application) -> AsyncIterator[None]:
    # Imports of old plays: a restart finds what it interrupted and marks it.
    imports = HistoryImports(app[keys.PROVIDERS], app[keys.BUS])
    imports.cluster = app[keys.CLUSTER]
    app[keys.HISTORY_IMPORTS] = imports
    await imports.recover()
    yield
    await imports.close()


async def _listening_ctx(app: web.Application) -> AsyncIterator[None]:
    # Scrobbling out through a durable outbox; rows a restart left are sent from here on.
    listening = ListeningService(
        app[keys.PROVIDERS], app[keys.BUS], app[keys.SECRET_BOX], app[keys.MUSIC]
    )
    app[keys.LISTENING] = listening
    listening.now_playing.start()
    cluster = app[keys.CLUSTER]
    cluster.singleton("scrobble-outbox", listening.outbox.start, listening.outbox.stop)
    yield
    await listening.close()


async def _vibe_ctx(app: web.Application) -> AsyncIterator[None]:
    entries = app[keys.ENTRIES]
    vibe = VibeService(
        app[keys.PROVIDERS],
        app[keys.BUS],
        app[keys.MUSIC],
        lambda: audiomuse_problem(entries),
        lambda: app.get(keys.PLAYLISTS),
    )
    app[keys.VIBE] = vibe
    # Never stop the music: queues grow as their listeners near the end.
    extender = VibeExtender(vibe, app[keys.MUSIC], app[keys.PROVIDERS])
    app[keys.VIBE_EXTENDER] = extender
    unsubscribe = extender.subscribe(app[keys.BUS])
    yield
    unsubscribe()


async def _imports_ctx(app: web.Application) -> AsyncIterator[None]:
    # After playlists (commits make playlists); waiting rows follow library changes.
    imports = ImportService(
        app[keys.PLAYLISTS], app[keys.PROVIDERS], app[keys.BUS], app[keys.SECRET_BOX]
    )
    app[keys.IMPORTS] = imports
    unsubscribe = imports.filler.subscribe()
    # Keys for rows indexed before an upgrade; in the background, so startup is not delayed.
    backfill = asyncio.get_running_loop().create_task(imports.start(), name="import-keys")
    yield
    unsubscribe()
    backfill.cancel()
    with contextlib.suppress(BaseException):
        await backfill


async def _downloads_ctx(app: web.Application) -> AsyncIterator[None]:
    # After imports: arrivals fill the import rows that waited for them.
    downloads = DownloadService(app[keys.PROVIDERS], app[keys.BUS], app[keys.IMPORTS].filler)
    app[keys.DOWNLOADS] = downloads
    await downloads.load()
    cluster = app[keys.CLUSTER]
    downloads.worker.notify = lambda: cluster.signal("downloads")
    cluster.on_signal("downloads", downloads.worker.wake)
    app[keys.CLUSTER].singleton("downloads", downloads.start_worker, downloads.stop_worker)
    yield
    await downloads.stop()


async def _flows_ctx(app: web.Application) -> AsyncIterator[None]:
    # After playlists and music: journals a restart interrupted are finished before anything.
    flows = FlowService(
        app[keys.PROVIDERS],
        app[keys.BUS],
        app[keys.SECRET_BOX],
        app[keys.PLAYLISTS],
        app[keys.MUSIC],
        app[keys.SETTINGS].zone,
        app[keys.DOWNLOADS],
    )
    app[keys.FLOWS] = flows
    await flows.load()
    # Recovery, the tracker and the weekly schedule: one replica's work.
    app[keys.CLUSTER].singleton("flows", flows.start, flows.stop)
    yield
    await flows.stop()


def _collectors(app: web.Application) -> Iterable[str]:
    bus = app.get(keys.BUS)
    lines: list[str] = []
    if bus is not None:
        lines += gauge(
            "companion_event_bus_depth", "Events queued for subscribers.", [({}, bus.depth)]
        )
        lines += gauge(
            "companion_event_bus_subscribers", "Live subscriptions.", [({}, bus.subscriber_count)]
        )
        lines += gauge(
            "companion_event_bus_published_total",
            "Events published.",
            [({}, bus.published)],
            "counter",
        )
        lines += gauge(
            "companion_event_bus_dropped_subscribers_total",
            "Subscribers dropped for falling behind.",
            [({}, bus.dropped_subscribers)],
            "counter",
        )
    cluster = app.get(keys.CLUSTER)
    if cluster is not None:
        labels = {"replica": cluster.replica_id, "mode": cluster.mode}
        lines += gauge(
            "companion_cluster_owner",
            "1 while this replica runs the singleton work.",
            [(labels, int(cluster.leading))],
        )
        lines += gauge(
            "companion_cluster_ownership_taken_total",
            "Times this replica became the owner.",
            [(labels, cluster.leadership_changes)],
            "counter",
        )
    entries = app.get(keys.ENTRIES)
    if entries is not None:
        lines += gauge(
            "companion_integration_state",
            "1 for the current state of each integration entry.",
            [
                ({"domain": e.domain, "entry_id": e.entry_id, "state": e.state.value}, 1)
                for e in entries.entries()
            ],
        )
    return lines


def api_routers() -> list[ApiRouter]:
    """Every route table of the app, in registration order."""
    return [
        system_api.router,
        setup_api.router,
        auth_api.router,
        integrations_api.router,
        ws_api.router,
        library_api.router,
        items_api.router,
        artwork_api.router,
        favorites_api.router,
        tracks_api.router,
        preferences_api.router,
        webhook_settings_api.router,
        history_api.router,
        history_import_api.router,
        scrobble_api.router,
        stats_api.router,
        playlists_api.router,
        player_api.router,
        dashboard_api.router,
        automation_api.router,
        vibe_api.router,
        import_accounts_api.router,
        imports_api.router,
        downloads_api.router,
        flows_api.router,
        sessions_api.router,
        webhooks_router,
    ]


def create_app(settings: Settings) -> web.Application:
    """Build the companion's aiohttp application."""
    app = web.Application(
        client_max_size=const.MAX_BODY_BYTES,
        middlewares=[
            # First: every later middleware and handler sees the path without the prefix.
            base_path.base_path_middleware,
            middlewares.proxy_middleware,
            middlewares.security_headers_middleware,
            middlewares.metrics_middleware,
            middlewares.error_middleware,
            middlewares.credentials_middleware,
            middlewares.auth_middleware,
        ],
    )
    app[keys.SETTINGS] = settings
    app[keys.PROVIDERS] = Providers()
    app[keys.LOGIN_LIMITER] = FailureLimiter()
    metrics = Metrics()
    metrics.add_collector(lambda: _collectors(app))
    app[keys.METRICS] = metrics
    routers = api_routers()
    app[keys.ROUTERS] = routers
    for router in routers:
        router.register(app)
    # The dashboard's pages and static files (its one API route is in api_routers above).
    setup_dashboard(app)
    # Last: requests that still carry COMPANION_BASE_PATH reach the routes above.
    base_path.install(app)
    # Dependency order: storage, bus, outgoing HTTP, auth, then integrations that use them all.
    app[keys.WEBSOCKETS] = set()
    app.on_shutdown.append(ws_api.close_all)
    app[keys.STREAMS] = set()
    app.on_shutdown.append(tracks_api.cancel_streams)
    app.cleanup_ctx.extend(
        [
            _storage_ctx,
            _bus_ctx,
            _cluster_ctx,
            _http_ctx,
            _auth_ctx,
            _live_ctx,
            _integrations_ctx,
            _music_ctx,
            _playlists_ctx,
            _history_ctx,
            _listening_ctx,
            _player_ctx,
            _vibe_ctx,
            _imports_ctx,
            _downloads_ctx,
            _flows_ctx,
            _automation_ctx,
            _ownership_ctx,
        ]
    )
    return app
