"""When a flow's week turns over: a weekday and a time in the install's time zone."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta, tzinfo

from companion.errors import InvalidInput

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def parse_day(raw: object) -> int:
    """A weekday as 0 (Monday) to 6, from its number or English name."""
    if isinstance(raw, bool):
        raise InvalidInput("'day' must be a weekday.", details={"field": "day"})
    if isinstance(raw, int) and 0 <= raw <= 6:
        return raw
    if isinstance(raw, str) and raw.strip().lower() in DAYS:
        return DAYS.index(raw.strip().lower())
    raise InvalidInput(
        "'day' must be a weekday: monday … sunday (or 0 = Monday … 6).", details={"field": "day"}
    )


def parse_time(raw: object) -> str:
    """A time of day as HH:MM (24 h)."""
    if isinstance(raw, str) and _TIME.match(raw.strip()):
        return raw.strip()
    raise InvalidInput("'time' must be HH:MM, e.g. 06:00.", details={"field": "time"})


def next_run(day: int, at: str, zone: tzinfo, after: datetime | None = None) -> datetime:
    """The first local `day` `at` strictly after `after` (DST-aware), as UTC."""
    now = (after or datetime.now(UTC)).astimezone(zone)
    hour, minute = (int(p) for p in at.split(":"))
    ahead = (day - now.weekday()) % 7
    for extra in (0, 7, 14):
        local_day = now.date() + timedelta(days=ahead + extra)
        candidate = datetime.combine(local_day, time(hour, minute), tzinfo=zone)
        # A time skipped by a DST jump is normalised by the round trip through UTC.
        candidate = candidate.astimezone(UTC).astimezone(zone)
        if candidate > now:
            return candidate.astimezone(UTC)
    raise AssertionError("unreachable: a week always has the day")  # pragma: no cover
