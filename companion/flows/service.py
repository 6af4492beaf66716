"""Flows as the API and the dashboard use them, and their lifecycle: recover at start, keep
every week moving, turn weeks over on schedule."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from typing import Any

from tortoise.exceptions import IntegrityError

from companion.accounts.auth import Principal
from companion.accounts.models import User
from companion.crypto import SecretBox
from companion.downloads.service import DownloadService
from companion.errors import BadRequest, Conflict, Forbidden, InvalidInput, NotFound
from companion.events import Event, EventBus, Unsubscribe
from companion.flows import config
from companion.flows.fetch import DownloadsFetcher
from companion.flows.journal import JournalRunner
from companion.flows.layout import FlowFolders, flow_folder
from companion.flows.models import Flow, FlowRun, FlowTrack
from companion.flows.recovery import Recovered, recover
from companion.flows.schedule import next_run
from companion.flows.spec import FlowSpec, parse_flow
from companion.flows.tracker import FlowTracker
from companion.flows.views import flow_dict, run_dict, track_dict
from companion.flows.weeks import Weeks, finish, track_of
from companion.library.music import MusicServices
from companion.playlists.service import PlaylistService
from companion.providers import Providers, ProviderUnavailable

_LOGGER = logging.getLogger(__name__)

MAX_FLOWS_PER_USER = 10
PAST_WEEKS = 12
NOT_SET_UP = (
    "An administrator must choose the flows folders first (Settings → Flows): the Jellyfin "
    "music library and the folder downloads go to."
)


def _now() -> datetime:
    return datetime.now(UTC)


class FlowService:
    """Every flows operation, and the background work that keeps weeks moving."""

    def __init__(
        self,
        providers: Providers,
        bus: EventBus,
        box: SecretBox,
        playlists: PlaylistService,
        music: MusicServices,
        zone: tzinfo,
        downloads: DownloadService | None = None,
        *,
        clock: Callable[[], datetime] = _now,
        tick_seconds: float = 15.0,
    ) -> None:
        self._providers = providers
        self._bus = bus
        self.clock = clock
        self.tick_seconds = tick_seconds
        self.zone = zone
        self.folders: FlowFolders | None = None
        self.runner = JournalRunner(
            self.scan, {"reset": finish, "promote": finish, "remove": finish}
        )
        self.fetcher = DownloadsFetcher(downloads)
        self.weeks = Weeks(providers, box, bus, self.runner, zone, self.fetcher.cancel)
        self.tracker = FlowTracker(
            folders=self._current_folders,
            fetcher=self.fetcher,
            scanner=self.scan,
            playlists=playlists,
            music=music,
            bus=bus,
            lock=self.runner.lock,
        )
        self.recovered: Recovered | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._unsubscribe: list[Unsubscribe] = []
        self._turning: dict[int, asyncio.Lock] = {}
        self._schedule_wake = asyncio.Event()

    # -- lifecycle ---------------------------------------------------------------------------

    async def _current_folders(self) -> FlowFolders | None:
        return self.folders

    def _use(self, folders: FlowFolders | None) -> None:
        self.folders = folders

    async def scan(self, paths: Any) -> bool:
        """Ask Jellyfin to look at paths again; False when it cannot be asked now."""
        jellyfin = self._providers.library_folders
        if jellyfin is None:
            return False
        try:
            await jellyfin.scan_paths(list(paths))
        except Exception as err:
            _LOGGER.warning("Jellyfin could not be asked to scan flow folders: %s", err)
            return False
        return True

    async def load(self) -> None:
        """Read the folder settings (every replica answers the API with them)."""
        self._use(await config.load_folders())

    async def start(self, *, background: bool = True) -> None:
        """Recover, then (unless told otherwise) start the tracker and the scheduler."""
        self._use(await config.load_folders())
        await config.declare_links_folder(self.folders)
        self.recovered = await recover(self.runner, self.folders, self.scan)
        self._unsubscribe.append(
            self._bus.subscribe(
                self._on_event,
                ("library.changed", "download.progress", "download.failed"),
                name="flows",
            )
        )
        if background:
            self._spawn(self.tracker.run(self.tick_seconds), "flows-tracker")
            self._spawn(self._schedule_loop(), "flows-schedule")

    async def stop(self) -> None:
        """Stop the background work."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await task

    def _spawn(self, coro: Any, name: str) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _on_event(self, event: Event) -> None:
        if event.type.startswith("download."):
            # A flow fetch finished or failed: place it (or replace it) now.
            if event.data.get("state") in ("placed", "failed", "cancelled"):
                self.tracker.wake()
        elif event.data.get("added") or event.data.get("removed"):
            self.tracker.wake()

    # -- the schedule ------------------------------------------------------------------------

    async def _schedule_loop(self) -> None:
        while True:
            try:
                await self.run_due()
            except Exception:
                _LOGGER.exception("Flows schedule pass failed")
            nxt = (
                await Flow.filter(enabled=True, next_run_at__isnull=False)
                .order_by("next_run_at")
                .first()
            )
            wait = 60.0
            if nxt is not None and nxt.next_run_at is not None:
                wait = max(1.0, min(wait, (nxt.next_run_at - self.clock()).total_seconds()))
            self._schedule_wake.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await self._schedule_wake.wait()

    async def run_due(self) -> int:
        """Turn over every flow whose time has come (missed ones too); how many."""
        if self.folders is None:
            return 0
        due = await Flow.filter(enabled=True, next_run_at__lte=self.clock())
        for flow in due:
            await self.turn_over(flow)
        return len(due)

    async def turn_over(self, flow: Flow) -> FlowRun | None:
        """A new week for one flow (one at a time per flow)."""
        folders = self.folders
        if folders is None:
            return None
        lock = self._turning.setdefault(flow.id, asyncio.Lock())
        async with lock:
            now = self.clock()
            try:
                run = await self.weeks.turn_over(flow, folders, now)
            finally:
                flow.next_run_at = next_run(flow.day, flow.time, self.zone, now)
                await flow.save(update_fields=["next_run_at"])
        self.tracker.wake()
        return run

    # -- settings (administrators) -----------------------------------------------------------

    def settings(self) -> dict[str, Any]:
        """The install's flows folders (null until chosen)."""
        return {"folders": self.folders.as_dict() if self.folders else None}

    async def save_settings(self, body: dict[str, Any]) -> dict[str, Any]:
        """Check and save the folders (nothing saved when a check fails)."""
        self._use(await config.save_folders(self._providers, body))
        self._schedule_wake.set()
        return self.settings()

    # -- flows -------------------------------------------------------------------------------

    @staticmethod
    def _user_id(principal: Principal) -> int:
        if principal.user_id is None:
            raise Forbidden("Sign in to use flows.")
        return principal.user_id

    async def _flow(self, principal: Principal, flow_id: int) -> Flow:
        flow = await Flow.get_or_none(id=flow_id, user_id=self._user_id(principal))
        if flow is None:
            raise NotFound("No such flow.", code="flow_not_found")
        return flow

    async def list(self, principal: Principal) -> list[dict[str, Any]]:
        """The user's flows with their current week's progress."""
        flows = await Flow.filter(user_id=self._user_id(principal)).order_by("name")
        out = []
        for flow in flows:
            run = await FlowRun.filter(flow_id=flow.id, state="active").order_by("-id").first()
            week = run_dict(run, await FlowTrack.filter(run_id=run.id)) if run else None
            out.append({**flow_dict(flow), "week": week})
        return out

    async def get(self, principal: Principal, flow_id: int) -> dict[str, Any]:
        """A flow, this week's tracks and the past weeks."""
        flow = await self._flow(principal, flow_id)
        runs = await FlowRun.filter(flow_id=flow.id).order_by("-id").limit(PAST_WEEKS + 1)
        current = next((r for r in runs if r.state in ("active", "planned", "building")), None)
        week = None
        if current is not None:
            tracks = await FlowTrack.filter(run_id=current.id).order_by("position", "id")
            week = run_dict(current, tracks)
        past = [run_dict(r) for r in runs if r is not current]
        return {**flow_dict(flow), "week": week, "past": past}

    def _apply(self, flow: Flow, spec: FlowSpec) -> None:
        for name in ("name", "size_tracks", "size_gb", "day", "time", "one_per_artist"):
            if name in spec.given:
                setattr(flow, name, getattr(spec, name))
        for name in ("blocklist", "keep_plays", "enabled"):
            if name in spec.given:
                setattr(flow, name, getattr(spec, name))
        sources = dict(flow.sources or {})
        if spec.weights is not None:
            sources["weights"] = spec.weights
        if spec.listenbrainz is not None:
            sources["listenbrainz"] = spec.listenbrainz
        flow.sources = sources
        if flow.size_tracks is None and flow.size_gb is None:
            raise InvalidInput(
                "Give the week's size: 'size_tracks', 'size_gb' or both.",
                details={"field": "size_tracks"},
            )

    async def create(self, principal: Principal, body: dict[str, Any]) -> dict[str, Any]:
        """Create a flow; its first week starts now unless `start` is false."""
        user_id = self._user_id(principal)
        start = body.pop("start", True)
        if not isinstance(start, bool):
            raise InvalidInput("'start' must be true or false.", details={"field": "start"})
        spec = parse_flow(body, partial=False)
        if await Flow.filter(user_id=user_id).count() >= MAX_FLOWS_PER_USER:
            raise Conflict(f"At most {MAX_FLOWS_PER_USER} flows per user.", code="flow_limit")
        user = await User.get(id=user_id)
        flow = Flow(user_id=user_id, folder=flow_folder(user.name, spec.name or "flow"), sources={})
        self._apply(flow, spec)
        flow.next_run_at = next_run(flow.day, flow.time, self.zone, self.clock())
        try:
            await flow.save()
        except IntegrityError:
            raise Conflict("You already have a flow of that name.", code="flow_exists") from None
        notice = None
        if start and flow.enabled and self.folders is not None:
            self.start_week(flow)
        elif self.folders is None:
            notice = NOT_SET_UP
        self._schedule_wake.set()
        return {**flow_dict(flow), "notice": notice}

    async def update(
        self, principal: Principal, flow_id: int, body: dict[str, Any]
    ) -> dict[str, Any]:
        """Change a flow (its folders on disk keep their first name)."""
        flow = await self._flow(principal, flow_id)
        self._apply(flow, parse_flow(body, partial=True))
        flow.next_run_at = next_run(flow.day, flow.time, self.zone, self.clock())
        try:
            await flow.save()
        except IntegrityError:
            raise Conflict("You already have a flow of that name.", code="flow_exists") from None
        self._schedule_wake.set()
        return flow_dict(flow)

    async def delete(self, principal: Principal, flow_id: int) -> None:
        """Remove a flow, its links and the files nothing else needs (kept tracks stay)."""
        flow = await self._flow(principal, flow_id)
        async with self._turning.setdefault(flow.id, asyncio.Lock()):
            await self.weeks.remove_flow(flow, self.folders)

    def start_week(self, flow: Flow) -> None:
        """Turn the flow's week over in the background (Run now)."""
        if self.folders is None:
            raise Conflict(NOT_SET_UP, code="flows_not_set_up")

        async def go() -> None:
            try:
                await self.turn_over(flow)
            except Exception:
                _LOGGER.exception("Flow %s: the new week could not be built", flow.id)

        self._spawn(go(), f"flow-{flow.id}-week")

    async def run_now(self, principal: Principal, flow_id: int) -> dict[str, Any]:
        """Start a new week now (the current one is reset first)."""
        flow = await self._flow(principal, flow_id)
        lock = self._turning.get(flow.id)
        if lock is not None and lock.locked():
            raise Conflict("This flow is already turning over.", code="flow_busy")
        self.start_week(flow)
        return {"status": "started", "flow_id": flow.id}

    async def act(self, principal: Principal, track_id: int, action: str) -> dict[str, Any]:
        """keep, promote or remove one of the user's flow tracks."""
        if action not in ("keep", "promote", "remove"):
            raise BadRequest("Unknown action; use keep, promote or remove.", code="invalid_input")
        track = await track_of(self._user_id(principal), track_id)
        if self.folders is None:
            raise Conflict(NOT_SET_UP, code="flows_not_set_up")
        try:
            await self.weeks.act(track, action, self.folders)
        except ProviderUnavailable as err:
            raise BadRequest(str(err)) from None
        await track.refresh_from_db()
        self.tracker.wake()
        return track_dict(track)
