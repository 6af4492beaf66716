"""The year in review (charts, tops, the "Top of <year>" button) and the listening page
(history imports with live progress, scrobbling accounts, mark played)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from companion import keys
from companion.accounts.auth import Principal
from companion.accounts.models import User
from companion.errors import NotFound
from companion.history import stats
from web.api.stats import genres_of, parse_year
from web.dashboard.charts import columns, hours_label, rows
from web.dashboard.render import user_page

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def utc_offset_label(minutes: int) -> str:
    """UTC+02:00, UTC-05:30, UTC."""
    if not minutes:
        return "UTC"
    sign = "+" if minutes > 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


async def review_page(request: web.Request) -> web.StreamResponse:
    """/review and /review/{year}: the year in review with charts."""

    async def build(principal: Principal) -> dict[str, Any]:
        base = {"title": "Year in review", "active": "review", "live": "history.import"}
        if principal.jellyfin_id is None:
            return {**base, "no_history": True}
        zone = request.app[keys.SETTINGS].zone
        years = await stats.years(principal.jellyfin_id, zone)
        raw = request.match_info.get("year")
        try:
            year = parse_year(raw) if raw else (years[0] if years else datetime.now(zone).year)
        except Exception:
            raise NotFound("No such year to review.") from None
        body = await stats.review(
            principal.jellyfin_id, year, 10, genres_of(request, principal), zone
        )
        months = body["months"]
        return {
            **base,
            "title": f"{year} in review",
            "year": year,
            "years": years,
            "review": body,
            "listening": hours_label(body["listening_seconds"]),
            "month_chart": columns([m["plays"] for m in months], list(MONTHS)),
            "minutes_chart": columns([m["minutes"] for m in months], list(MONTHS)),
            "hour_chart": columns(body["hours"], [f"{h:02d}" for h in range(24)], label_every=3),
            "top_tracks": rows(body["top_tracks"]),
            "top_artists": rows(body["top_artists"]),
            "top_albums": rows(body["top_albums"]),
            "top_genres": rows(body["top_genres"] or []),
        }

    return await user_page(request, "review.html", build)


async def listening_page(request: web.Request) -> web.StreamResponse:
    """/listening: import old plays, link scrobble services, mark played in Jellyfin."""

    async def build(principal: Principal) -> dict[str, Any]:
        base = {"title": "Listening", "active": "review", "live": "scrobble.state"}
        if principal.jellyfin_id is None or principal.user_id is None:
            return {**base, "no_history": True}
        user = await User.get(id=principal.user_id)
        jobs = await request.app[keys.HISTORY_IMPORTS].list(principal.jellyfin_id)
        for job in jobs:
            plugin = job["summary"].get("playback_reporting")
            if plugin:
                plugin["offset_label"] = utc_offset_label(int(plugin["utc_offset_minutes"]))
        services = await request.app[keys.LISTENING].accounts.services(user)
        undated = await stats.undated(principal.jellyfin_id, 0, 20)
        return {
            **base,
            "jobs": jobs[:10],
            "services": services,
            "undated": undated,
        }

    return await user_page(request, "listening.html", build)
