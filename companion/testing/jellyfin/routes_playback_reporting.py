"""The Playback Reporting plugin (jellyfin-plugin-playbackreporting v17) on the fake server.

Facts kept from the plugin's source:
- its routes live under /user_usage_stats/ and need an administrator (RequiresElevation);
  without the plugin the route does not exist (404);
- POST /user_usage_stats/submit_custom_query runs the body's `CustomQueryString` as raw SQL on
  the plugin's SQLite file and answers `{"colums": [...], "results": [[...]], "message": ""}`
  (sic, "colums"), every cell as a string; a failing query still answers 200 with an HTML
  message; a query that yields no row answers no columns and "Query executed, no data
  returned." (the column names are only read from the first row);
- the PlaybackActivity table has DateCreated DATETIME, UserId, ItemId, ItemType, ItemName,
  PlaybackMethod, ClientName, DeviceName (TEXT) and PlayDuration INT (seconds), plus SQLite's
  implicit rowid; ids are 32 hex ("N" format);
- a row is written 20 s after playback starts (only if the item still plays), dated
  DateTime.Now, i.e. the server's local time written as `yyyy-MM-dd HH:mm:ss.FFFFFFF` (no zone;
  trailing zeros of the fraction dropped); PlayDuration grows as playback goes on, pauses
  excluded.

The real database is SQLite, so the fake runs the queries on an in-memory SQLite database.
"""

from __future__ import annotations

import sqlite3
import weakref
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from .auth import require
from .routes_users import read_json
from .services import services
from .state import State
from .wire import bare, json_response

routes = web.RouteTableDef()

QUERY_PATH = "/user_usage_stats/submit_custom_query"
# The plugin records a playback 20 s after it started (StartPlaybackTimer's Task.Delay).
RECORD_DELAY = timedelta(seconds=20)
_SCHEMA = (
    "CREATE TABLE PlaybackActivity (DateCreated DATETIME NOT NULL, UserId TEXT, ItemId TEXT, "
    "ItemType TEXT, ItemName TEXT, PlaybackMethod TEXT, ClientName TEXT, DeviceName TEXT, "
    "PlayDuration INT)"
)
_INSERT = (
    "INSERT INTO PlaybackActivity (DateCreated, UserId, ItemId, ItemType, ItemName, "
    "PlaybackMethod, ClientName, DeviceName, PlayDuration) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def net_date(value: datetime, *, utc: bool) -> str:
    """Format like .NET's `yyyy-MM-dd HH:mm:ss.FFFFFFF` (with a trailing K when utc)."""
    text = value.strftime("%Y-%m-%d %H:%M:%S")
    fraction = f"{value.microsecond:06d}0".rstrip("0")
    if fraction:
        text += "." + fraction
    return text + ("Z" if utc else "")


@dataclass
class PlaybackReporting:
    """The plugin's state on one fake server: installed or not, and its SQLite table."""

    installed: bool = False
    # The server's UTC offset: released plugins store local time without a zone.
    utc_offset: timedelta = timedelta(0)
    # True models the plugin once it stores UTC (dates then carry a "Z").
    stores_utc: bool = False
    db: sqlite3.Connection = field(default_factory=lambda: sqlite3.connect(":memory:"))
    queries: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.db.execute(_SCHEMA)
        self.db.execute("CREATE TABLE UserList (UserId TEXT)")

    def install(self, *, utc_offset: timedelta | None = None, stores_utc: bool = False) -> None:
        """Install the plugin (optionally on a server in another time zone)."""
        self.installed = True
        if utc_offset is not None:
            self.utc_offset = utc_offset
        self.stores_utc = stores_utc

    def stored_date(self, at: datetime) -> str:
        """What the plugin writes in DateCreated for an instant."""
        aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
        if self.stores_utc:
            return net_date(aware.astimezone(UTC).replace(tzinfo=None), utc=True)
        local = aware.astimezone(UTC).replace(tzinfo=None) + self.utc_offset
        return net_date(local, utc=False)

    def record_playback(
        self,
        user_id: str,
        item_id: str,
        started_at: datetime,
        duration_s: int,
        *,
        item_name: str = "Not Known - Not Known (Not Known)",
        client: str = "Jellyfin Web",
        device: str = "Firefox",
        method: str = "DirectPlay",
        item_type: str = "Audio",
    ) -> None:
        """Record a playback as the plugin does: a row dated 20 s after it started."""
        self.insert_row(
            self.stored_date(started_at + RECORD_DELAY),
            user_id,
            item_id,
            duration_s,
            item_name=item_name,
            client=client,
            device=device,
            method=method,
            item_type=item_type,
        )

    def insert_row(
        self,
        date_created: str,
        user_id: str,
        item_id: str,
        duration_s: int,
        *,
        item_name: str = "Not Known - Not Known (Not Known)",
        client: str = "Jellyfin Web",
        device: str = "Firefox",
        method: str = "DirectPlay",
        item_type: str = "Audio",
    ) -> None:
        """Insert one raw row (e.g. the copy a TSV re-import leaves with a drifted date)."""
        self.insert_rows(
            [
                (
                    date_created,
                    user_id,
                    item_id,
                    item_type,
                    item_name,
                    method,
                    client,
                    device,
                    duration_s,
                )
            ]
        )

    def insert_rows(self, rows: list[tuple[Any, ...]]) -> None:
        """Insert raw rows in column order (DateCreated, UserId, ItemId, ItemType, ItemName,
        PlaybackMethod, ClientName, DeviceName, PlayDuration)."""
        self.db.executemany(_INSERT, rows)
        self.db.commit()

    def count(self) -> int:
        """How many rows the table holds."""
        return int(self.db.execute("SELECT COUNT(*) FROM PlaybackActivity").fetchone()[0])

    def run(self, sql: str) -> tuple[list[str], list[list[str]], str]:
        """Run a custom query like RunCustomQuery: (columns, rows as strings, message)."""
        self.queries.append(sql)
        columns: list[str] = []
        rows: list[list[str]] = []
        try:
            cursor = self.db.execute(sql)
            for raw in cursor:
                if not columns:
                    columns = [d[0] for d in cursor.description]
                rows.append(["" if cell is None else str(cell) for cell in raw])
            changed = self.db.total_changes
            self.db.commit()
        except sqlite3.Error as err:
            message = (
                f"Error Running Query</br>{err}<pre>SQLitePCL.pretty.SQLiteException: {err}</pre>"
            )
            return [], [], message
        if not columns and not rows:
            return (
                [],
                [],
                f"Query executed, no data returned.</br>Number of rows effected : {changed}",
            )
        return columns, rows, ""


_PLUGINS: weakref.WeakKeyDictionary[State, PlaybackReporting] = weakref.WeakKeyDictionary()


def plugin_of(state: State) -> PlaybackReporting:
    """The plugin state of a fake server (created on first use, not installed)."""
    plugin = _PLUGINS.get(state)
    if plugin is None:
        plugin = _PLUGINS[state] = PlaybackReporting()
    return plugin


def playback_reporting(fake: Any) -> PlaybackReporting:
    """The plugin of a FakeJellyfin (tests and the demo call `.install()` on it)."""
    return plugin_of(fake.state)


@routes.post(QUERY_PATH)
async def submit_custom_query(request: web.Request) -> web.Response:
    """Run a custom SQL query on the plugin's database (administrators only)."""
    plugin = plugin_of(services(request).state)
    if not plugin.installed:
        raise bare(404)
    require(request, admin=True)
    body = await read_json(request)
    sql = str(body.get("customquerystring") or "")
    columns, rows, message = plugin.run(sql)
    if body.get("replaceuserid") and "UserId" in columns:
        # ReplaceUserId turns the UserId column into user names.
        index = columns.index("UserId")
        columns[index] = "UserName"
        names = {u.id: u.name for u in services(request).state.users.values()}
        for row in rows:
            row[index] = names.get(row[index], row[index])
    return json_response({"colums": columns, "results": rows, "message": message})
