"""Turning a flow's week over, and the Keep / Promote / Remove buttons, as journals.

A new week is built first; the old week's reset then knows which tracks come back and keeps
their files and links (a track in consecutive weeks is never deleted and fetched again).
The carry-over and the reset's journal are written in one transaction, so a restart either
redoes the whole turnover or finishes the journal it left.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, tzinfo
from typing import Any

from tortoise.transactions import in_transaction

from companion.accounts.models import User
from companion.crypto import SecretBox
from companion.errors import Conflict, NotFound
from companion.events import Event, EventBus
from companion.flows import journal
from companion.flows.builder import build_week
from companion.flows.journal import JournalRunner
from companion.flows.layout import FlowFolders
from companion.flows.models import Flow, FlowJournal, FlowRun, FlowTrack
from companion.flows.reset import ACTIVE_STATES, finish_reset, plan_reset, plan_tracks
from companion.providers import Providers

_LOGGER = logging.getLogger(__name__)


async def finish(entry: FlowJournal, conn: Any) -> None:
    """The finisher of reset, promote and remove journals."""
    await finish_reset(entry.data, entry.run_id if entry.kind == "reset" else None, conn)


class Weeks:
    """Builds weeks, resets them, and carries out the per-track buttons."""

    def __init__(
        self,
        providers: Providers,
        box: SecretBox,
        bus: EventBus,
        runner: JournalRunner,
        zone: tzinfo,
        cancel_fetch: Callable[[dict[str, Any]], Awaitable[None]],
    ) -> None:
        self._cancel_fetch = cancel_fetch
        self._providers = providers
        self._box = box
        self._bus = bus
        self.runner = runner
        self.zone = zone

    async def turn_over(self, flow: Flow, folders: FlowFolders, now: datetime) -> FlowRun:
        """Build the next week, reset the current one, and make the new one active."""
        user = await User.get(id=flow.user_id)  # type: ignore[attr-defined]
        old = await FlowRun.filter(flow_id=flow.id, state="active").order_by("-id").first()
        new = await build_week(flow, user, self._providers, self._box, now=now, zone=self.zone)
        if old is not None:
            entry = await self._plan_turnover(flow, folders, user, old, new)
            await self.runner.run(entry)
            await self._cancel_left(old, new)
        new.state = "active"
        await new.save(update_fields=["state"])
        if old is not None:
            await old.refresh_from_db()
            self._bus.publish(
                Event(
                    "flow.reset",
                    {"flow_id": flow.id, "flow": flow.name, "week": old.week, **old.counts},
                    user_id=user.jellyfin_id,
                )
            )
        return new

    async def _plan_turnover(
        self, flow: Flow, folders: FlowFolders, user: User, old: FlowRun, new: FlowRun
    ) -> FlowJournal:
        new_picks = await FlowTrack.filter(run_id=new.id)
        keys = {t.key for t in new_picks}
        plan = await plan_reset(flow, old, folders, user.jellyfin_id, keys)
        carried = await FlowTrack.filter(id__in=plan.carried)
        by_key = {t.key: t for t in carried}
        kept_keys = {t.key for t in await FlowTrack.filter(id__in=plan.kept)}
        async with in_transaction() as conn:
            for track in new_picks:
                previous = by_key.get(track.key)
                if track.key in kept_keys and track.kind == "download":
                    # Kept last week: it joins the library, not this week's downloads.
                    track.state, track.reason = "replaced", "Kept last week"
                    await track.save(update_fields=["state", "reason"], using_db=conn)
                elif previous is not None and track.kind == "download":
                    track.file_id = previous.file_id  # type: ignore[attr-defined]
                    track.link_id = previous.link_id  # type: ignore[attr-defined]
                    track.item_id, track.state = previous.item_id, "indexed"
                    await track.save(
                        update_fields=["file_id", "link_id", "item_id", "state"], using_db=conn
                    )
            old.state = "resetting"
            await old.save(update_fields=["state"], using_db=conn)
            # Built and planned: a restart from here activates it after finishing the reset.
            new.state = "planned"
            await new.save(update_fields=["state"], using_db=conn)
            return await journal.write(
                "reset", plan.steps, flow_id=flow.id, run_id=old.id, data=plan.data(), using_db=conn
            )

    async def _cancel_left(self, old: FlowRun, new: FlowRun) -> None:
        """Downloads of last week still running: taken over when the track came back,
        cancelled otherwise."""
        running = await FlowTrack.filter(run_id=old.id, state="removed").exclude(fetch={})
        waiting = {t.key: t for t in await FlowTrack.filter(run_id=new.id, state="waiting")}
        for track in running:
            handle = dict(track.fetch)
            if "search_id" not in handle or track.file_id is not None:  # type: ignore[attr-defined]
                continue
            heir = waiting.pop(track.key, None)
            if heir is not None and heir.kind == "download":
                heir.fetch, heir.state = handle, "fetching"
                await heir.save(update_fields=["fetch", "state"])
            else:
                await self._cancel_fetch(handle)
            track.fetch = {}
            await track.save(update_fields=["fetch"])

    async def act(self, track: FlowTrack, action: str, folders: FlowFolders) -> None:
        """keep (at the reset), promote (now) or remove (now)."""
        if action == "keep":
            track.decision = "keep"
            await track.save(update_fields=["decision", "updated_at"])
            return
        if track.state not in ACTIVE_STATES:
            raise Conflict(f"This track is {track.state} already.", code="flow_track_settled")
        if action == "promote" and track.state != "indexed":
            raise Conflict(
                "Only a track that is in the library can be kept now.", code="flow_track_not_ready"
            )
        kept = {track.id} if action == "promote" else set()
        track.decision = "keep" if action == "promote" else "remove"
        await track.save(update_fields=["decision", "updated_at"])
        plan = await plan_tracks(folders, [track], kept, set())
        run: FlowRun = await track.run
        flow_id: int = run.flow_id  # type: ignore[attr-defined]
        entry = await journal.write(action, plan.steps, flow_id=flow_id, data=plan.data())
        await self.runner.run(entry)

    async def remove_flow(self, flow: Flow, folders: FlowFolders | None) -> None:
        """Remove a flow's links and the files no other flow needs, then the flow itself."""
        if folders is not None:
            tracks = await FlowTrack.filter(run__flow_id=flow.id, state__in=ACTIVE_STATES)
            plan = await plan_tracks(folders, tracks, set(), set())
            entry = await journal.write("remove", plan.steps, flow_id=flow.id, data=plan.data())
            await self.runner.run(entry)
        await flow.delete()


async def track_of(user_id: int, track_id: int) -> FlowTrack:
    """A track of one of the user's flows (404 otherwise)."""
    track = await FlowTrack.get_or_none(id=track_id, run__flow__user_id=user_id)
    if track is None:
        raise NotFound("No such flow track.", code="flow_track_not_found")
    return track
