"""The rules every history import follows: what counts as the same play, what counts at all,
and which sources a media server's own play count already includes.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

# Two reports of one listen start this close together (the plugin dates its row about 20 s
# after the start, and rewrites of its table drift by milliseconds); two real listens of one
# track are further apart than this unless the track is shorter.
SAME_PLAY = timedelta(seconds=90)
TICKS_PER_SECOND = 10_000_000
# The same rule as the live overlay: half the track, or four minutes.
COUNT_MIN_SECONDS = 240

# Play.source values of imported plays.
SOURCE_USERDATA = "userdata"
SOURCE_PLAYBACK_REPORT = "playbackreport"
SOURCE_LISTENBRAINZ = "listenbrainz"
SOURCE_LASTFM = "lastfm"
IMPORTED_SOURCES = frozenset(
    {SOURCE_USERDATA, SOURCE_PLAYBACK_REPORT, SOURCE_LISTENBRAINZ, SOURCE_LASTFM}
)
# Plays Jellyfin itself saw, so its PlayCount includes them (live sources and its own data).
JELLYFIN_SEEN_SOURCES = frozenset(
    {"socket", "webhook", "reconcile", "companion", SOURCE_USERDATA, SOURCE_PLAYBACK_REPORT}
)


def counted_listen(seconds: float, runtime_s: float) -> bool:
    """A listen counts past half the track or four minutes (unknown length: four minutes)."""
    if seconds >= COUNT_MIN_SECONDS:
        return True
    return runtime_s > 0 and seconds * 2 >= runtime_s


def bucket_of(started_at: datetime) -> int:
    """The minute bucket plays are unique on (with the user and the item)."""
    return int(started_at.timestamp() // 60)


class PlayTimes:
    """Start times of plays per item, to tell whether a candidate is a play already known."""

    def __init__(self) -> None:
        self._times: dict[str, list[float]] = defaultdict(list)

    def add(self, item_id: str, started_at: datetime) -> None:
        """Remember a play."""
        bisect.insort(self._times[item_id], started_at.timestamp())

    def add_many(self, rows: Iterable[tuple[str, datetime]]) -> None:
        """Remember plays (item id, start)."""
        for item_id, started_at in rows:
            self._times[item_id].append(started_at.timestamp())
        for times in self._times.values():
            times.sort()

    def has_near(self, item_id: str, started_at: datetime) -> bool:
        """Tell whether a known play of the item started within SAME_PLAY of started_at."""
        times = self._times.get(item_id)
        if not times:
            return False
        t = started_at.timestamp()
        window = SAME_PLAY.total_seconds()
        i = bisect.bisect_left(times, t - window)
        return i < len(times) and times[i] <= t + window

    def count(self, item_id: str) -> int:
        """How many plays of the item are known."""
        return len(self._times.get(item_id, ()))
