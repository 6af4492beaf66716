"""The install's local day: when "today" began and when the next midnight comes, in its zone."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, tzinfo


def day_start(zone: tzinfo, now: datetime | None = None) -> datetime:
    """Local midnight that began the current day in `zone`, as an aware UTC time."""
    local = (now or datetime.now(UTC)).astimezone(zone)
    return datetime.combine(local.date(), time.min, tzinfo=zone).astimezone(UTC)


def next_midnight(zone: tzinfo, now: datetime | None = None) -> datetime:
    """The next local midnight in `zone`, as an aware UTC time (DST days are 23 or 25 h long)."""
    local = (now or datetime.now(UTC)).astimezone(zone)
    tomorrow = local.date() + timedelta(days=1)
    return datetime.combine(tomorrow, time.min, tzinfo=zone).astimezone(UTC)


def zone_name(zone: tzinfo) -> str:
    """A readable name of the zone (its IANA key when it has one)."""
    return str(getattr(zone, "key", None) or zone.tzname(datetime.now(UTC)) or "UTC")
