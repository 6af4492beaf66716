"""Building a flow's next week: ask the sources, ground and mix their tracks, and write the
picks and the reserve (library tracks are playable at once; the rest wait for a download)."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from tortoise.transactions import in_transaction

from companion.accounts.models import User
from companion.crypto import SecretBox
from companion.flows.candidates import Candidate, blocked_keys, mix
from companion.flows.listener import taste
from companion.flows.models import Flow, FlowRun, FlowTrack
from companion.flows.playlist import week_label
from companion.flows.sources import ListenBrainzLink, gather
from companion.listening.models import ScrobbleAccount
from companion.providers import Providers

# Tracks the user kept or threw out are not suggested again by the same flow.
SETTLED = ("kept", "promoted", "removed")


async def listenbrainz_link(user: User, box: SecretBox) -> ListenBrainzLink | None:
    """The user's linked ListenBrainz account (Listening → ListenBrainz), token included."""
    account = await ScrobbleAccount.get_or_none(user_id=user.id, service="listenbrainz")
    if account is None or not account.account_name:
        return None
    token: str | None = None
    if account.secret:
        try:
            token = box.decrypt(account.secret)
        except ValueError:
            token = None
    return ListenBrainzLink(account.account_name, token)


async def settled_keys(flow: Flow) -> set[str]:
    """Keys of tracks this flow's user already kept or removed."""
    rows = await FlowTrack.filter(run__flow_id=flow.id, state__in=SETTLED).values_list(
        "key", flat=True
    )
    return {str(r) for r in rows} | set(
        str(r)
        for r in await FlowTrack.filter(run__flow_id=flow.id, decision="remove").values_list(
            "key", flat=True
        )
    )


def _row(run: FlowRun, role: str, position: int, c: Candidate) -> FlowTrack:
    ready = c.kind == "library" and c.item_id is not None
    return FlowTrack(
        run_id=run.id,
        role=role,
        position=position,
        source=c.source,
        origin=c.origin[:64],
        why=c.why,
        key=c.key,
        title=c.title[:512],
        artists=list(c.artists),
        album=(c.album or None) and c.album[:512],
        duration_s=c.duration_s,
        mbid=c.mbid,
        kind=c.kind,
        item_id=c.item_id,
        state="indexed" if ready else "waiting",
    )


async def build_week(
    flow: Flow,
    user: User,
    providers: Providers,
    box: SecretBox,
    *,
    now: datetime,
    zone: tzinfo,
) -> FlowRun:
    """Create the week (state "building") with its picks and reserve."""
    sources: dict[str, Any] = dict(flow.sources or {})
    weights = {k: float(v) for k, v in (sources.get("weights") or {}).items()}
    size = flow.size_tracks or max(10, int((flow.size_gb or 1.0) * 100))
    profile = await taste(user.jellyfin_id or "", now=now)
    gathered = await gather(
        providers,
        profile,
        weights,
        sources,
        await listenbrainz_link(user, box),
        wanted=max(20, size * 2),
        avoid=flow.blocklist,
    )
    chosen = mix(
        gathered.by_source,
        weights,
        size_tracks=flow.size_tracks,
        size_gb=flow.size_gb,
        one_per_artist=flow.one_per_artist,
        blocked=blocked_keys(flow.blocklist),
        exclude_keys=await settled_keys(flow),
    )
    week = week_label(now.astimezone(zone).date())
    async with in_transaction() as conn:
        run = await FlowRun.create(
            flow_id=flow.id, week=week, state="building", notices=gathered.notices, using_db=conn
        )
        rows = [_row(run, "pick", n, c) for n, c in enumerate(chosen.picks)]
        rows += [_row(run, "reserve", n, c) for n, c in enumerate(chosen.reserve)]
        if rows:
            await FlowTrack.bulk_create(rows, using_db=conn)
    return run
