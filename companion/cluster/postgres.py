"""Replicas on PostgreSQL: LISTEN/NOTIFY and an event table for events, advisory locks for
ownership and shared locks.

- Events: each replica appends what its bus publishes to `cluster_events` (a batch per
  transaction, serialised by a transaction-level advisory lock so `seq` order is commit order)
  and NOTIFYs the new highest `seq` (a few bytes: bodies never meet the 8000-byte limit). Every
  replica reads the rows after the last `seq` it saw, on a notification, on a timer and after
  reconnecting, so nothing sent while it was disconnected is missed and nothing is read twice.
- Ownership: the replica holding a session-level advisory lock on a dedicated connection runs
  the singleton work; it checks the connection every second and stops the work when it fails.
  A killed replica's connection closes, PostgreSQL releases the lock, and another replica
  takes it on its next try (every second). TCP keepalives let the server notice a vanished
  host, not only a closed socket.
- Signals (wake-ups such as "a webhook is in the inbox") are plain NOTIFYs, coalesced.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import asyncpg
import orjson

from companion.cluster.base import Cluster
from companion.crypto import StartupError
from companion.events import Event, EventBus

_LOGGER = logging.getLogger(__name__)

EVENTS_CHANNEL = "companion_events"
SIGNALS_CHANNEL = "companion_signals"
# Check ownership and retry taking it this often (seconds): a dead owner is replaced in
# about this long after PostgreSQL notices its connection closed.
LEADER_TICK = 1.0
LEADER_QUERY_TIMEOUT = 3.0
# Rows are read on a notification; the timer only covers a notification lost in a reconnect.
POLL_SECONDS = 2.0
READ_BATCH = 1000
WRITE_BATCH = 500
# The log only has to outlive a reconnect; the owner trims it.
KEEP_EVENTS_SECONDS = 900
TRIM_EVERY_SECONDS = 60.0
# The server drops a client that stopped answering TCP after about idle + interval * count.
SERVER_SETTINGS = {
    "tcp_keepalives_idle": "5",
    "tcp_keepalives_interval": "2",
    "tcp_keepalives_count": "2",
}


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory lock key for a name."""
    return int.from_bytes(
        hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True
    )


LEADER_KEY = lock_key("companion:leader")
EVENTS_KEY = lock_key("companion:events")


def asyncpg_dsn(url: str) -> str:
    """The database URL asyncpg understands (Tortoise's own query options removed)."""
    return url.split("?", 1)[0]


def event_from_json(body: str) -> Event:
    """Rebuild an event from its `as_dict` JSON."""
    data: dict[str, Any] = orjson.loads(body)
    return Event(
        type=data["type"],
        data=data.get("data") or {},
        user_id=data.get("user_id"),
        source=data.get("source") or "companion",
        id=data["id"],
        at=datetime.fromisoformat(data["at"]),
    )


class PostgresCluster(Cluster):
    """One of N replicas sharing a PostgreSQL database."""

    mode = "postgres"

    def __init__(self, url: str, replica_id: str) -> None:
        super().__init__(replica_id)
        # Owner only once the lock is taken.
        self.leading = False
        self._dsn = asyncpg_dsn(url)
        self._settings = {**SERVER_SETTINGS, "application_name": f"companion {replica_id}"}
        self._pool: asyncpg.Pool | None = None
        self._bus: EventBus | None = None
        self._outgoing: list[Event] = []
        self._out_wake = asyncio.Event()
        self._in_wake = asyncio.Event()
        self._pending_signals: set[str] = set()
        self._signal_wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._last_seq = 0
        self._ready = asyncio.Event()
        self._announce_pending = False
        self._leader_task: asyncio.Task[None] | None = None
        self._trim_task: asyncio.Task[None] | None = None
        self.relayed_out = 0
        self.relayed_in = 0
        self.singleton("cluster-events-trim", self._start_trim, self._stop_trim)

    # -- lifecycle ---------------------------------------------------------------------------

    def attach(self, bus: EventBus) -> None:
        """Relay what this bus publishes; publish what other replicas relayed."""
        self._bus = bus
        bus.relay = self._relay
        bus.logger = self._log_in
        bus.announce = self._announce

    async def connect(self) -> None:
        """Connect and start following the event log (ownership is competed for at start)."""
        try:
            self._pool = await asyncpg.create_pool(
                self._dsn, min_size=1, max_size=10, server_settings=self._settings, timeout=10
            )
        except (OSError, asyncpg.PostgresError, TimeoutError) as err:
            # Only the error's type and text: the URL may carry a password.
            raise StartupError(
                f"COMPANION_REPLICA_MODE=postgres: cannot connect: {type(err).__name__}: {err}"
            ) from None
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self._listen(), name="cluster-listen"),
            loop.create_task(self._write(), name="cluster-write"),
            loop.create_task(self._send_signals(), name="cluster-signals"),
        ]
        # Events published from here on reach the others, and theirs reach us.
        await asyncio.wait_for(self._ready.wait(), timeout=30)

    async def start(self) -> None:
        """Compete for ownership (the singleton work starts if and when this replica wins)."""
        self._started = True
        self._leader_task = asyncio.get_running_loop().create_task(
            self._compete(), name="cluster-leader"
        )

    async def stop(self) -> None:
        """Stop the singleton work and hand ownership back (another replica takes it)."""
        self._started = False
        if self._leader_task is not None:
            self._leader_task.cancel()
            with contextlib.suppress(BaseException):
                await self._leader_task
            self._leader_task = None
        await self._step_down()

    async def close(self) -> None:
        """Send the events still queued, then disconnect."""
        for _ in range(100):
            if not self._outgoing:
                break
            await asyncio.sleep(0.05)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(BaseException):
                await task
        self._tasks = []
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    # -- ownership ---------------------------------------------------------------------------

    async def _connect(self) -> asyncpg.Connection:
        conn: asyncpg.Connection = await asyncpg.connect(
            self._dsn, server_settings=self._settings, timeout=10
        )
        return conn

    async def _take(self, conn: asyncpg.Connection) -> None:
        """Return once this connection holds the ownership lock (tried every tick)."""
        while True:
            if await conn.fetchval(
                "SELECT pg_try_advisory_lock($1)", LEADER_KEY, timeout=LEADER_QUERY_TIMEOUT
            ):
                return
            await asyncio.sleep(LEADER_TICK)

    async def _compete(self) -> None:
        while True:
            conn: asyncpg.Connection | None = None
            try:
                conn = await self._connect()
                await self._take(conn)
                _LOGGER.info("Replica %s owns the singleton work", self.replica_id)
                await self._lead()
                while True:
                    await asyncio.sleep(LEADER_TICK)
                    # The lock lives as long as this connection: a failed check means it may
                    # be gone, so the work stops before another replica starts it.
                    await conn.fetchval("SELECT 1", timeout=LEADER_QUERY_TIMEOUT)
            except asyncio.CancelledError:
                raise
            except Exception as err:
                _LOGGER.warning("Replica %s: ownership connection failed: %s", self.replica_id, err)
            finally:
                if self.leading:
                    _LOGGER.warning("Replica %s stops the singleton work", self.replica_id)
                    await asyncio.shield(self._step_down())
                if conn is not None:
                    conn.terminate()
            await asyncio.sleep(LEADER_TICK)

    # -- events out --------------------------------------------------------------------------

    def _relay(self, event: Event) -> None:
        self._outgoing.append(event)
        self._out_wake.set()

    async def _write(self) -> None:
        while True:
            await self._out_wake.wait()
            self._out_wake.clear()
            if self._announce_pending and not self._outgoing:
                self._announce_pending = False
                try:
                    await self._notify()
                except asyncio.CancelledError:
                    raise
                except Exception as err:
                    # The readers' timer finds the rows anyway.
                    _LOGGER.warning("Announcing logged events failed: %s", err)
            while self._outgoing:
                # This batch's NOTIFY (after its commit) also announces logged rows that
                # committed before now; ones announced meanwhile set the flag again.
                self._announce_pending = False
                batch = self._outgoing[:WRITE_BATCH]
                bodies = [orjson.dumps(e.as_dict(), default=str).decode() for e in batch]
                try:
                    await self._append(bodies)
                except asyncio.CancelledError:
                    raise
                except Exception as err:
                    # Kept and retried: the others must see every event, in order.
                    _LOGGER.warning("Relaying %d events failed: %s; retrying", len(batch), err)
                    await asyncio.sleep(1.0)
                    continue
                del self._outgoing[: len(batch)]
                self.relayed_out += len(batch)

    async def _notify(self) -> None:
        assert self._pool is not None
        await self._pool.execute("SELECT pg_notify($1, '')", EVENTS_CHANNEL)

    async def _append(self, bodies: list[str]) -> None:
        assert self._pool is not None
        async with self._pool.acquire() as conn, conn.transaction():
            # One writer at a time: `seq` values commit in order, so readers never skip one.
            await conn.execute("SELECT pg_advisory_xact_lock($1)", EVENTS_KEY)
            top = await conn.fetchval(
                "WITH rows AS (INSERT INTO cluster_events (origin, body, at) "
                "SELECT $1, b, now() FROM unnest($2::text[]) WITH ORDINALITY AS t(b, n) "
                "ORDER BY n RETURNING seq) SELECT max(seq) FROM rows",
                self.replica_id,
                bodies,
            )
            await conn.execute("SELECT pg_notify($1, $2)", EVENTS_CHANNEL, str(top))

    async def _log_in(self, event: Event, conn: Any) -> None:
        """Append one event inside the caller's Tortoise transaction (announced after commit)."""
        body = orjson.dumps(event.as_dict(), default=str).decode()
        await conn.execute_query("SELECT pg_advisory_xact_lock($1)", [EVENTS_KEY])
        await conn.execute_query(
            "INSERT INTO cluster_events (origin, body, at) VALUES ($1, $2, now())",
            [self.replica_id, body],
        )
        self.relayed_out += 1

    def _announce(self, _event: Event) -> None:
        # One NOTIFY for any number of committed rows, sent by the writer outside the
        # transaction (a NOTIFY commits under a server-wide lock: not once per change).
        self._announce_pending = True
        self._out_wake.set()

    # -- events and signals in ----------------------------------------------------------------

    def _on_notify(self, _conn: Any, _pid: int, channel: str, payload: str) -> None:
        if channel == EVENTS_CHANNEL:
            self._in_wake.set()
        elif channel == SIGNALS_CHANNEL:
            self._deliver(payload)

    async def _listen(self) -> None:
        first = True
        while True:
            conn: asyncpg.Connection | None = None
            try:
                conn = await self._connect()
                await conn.add_listener(EVENTS_CHANNEL, self._on_notify)
                await conn.add_listener(SIGNALS_CHANNEL, self._on_notify)
                if first:
                    # Listening before reading the top: nothing in between is missed.
                    self._last_seq = int(
                        await conn.fetchval("SELECT COALESCE(max(seq), 0) FROM cluster_events")
                    )
                    first = False
                    self._ready.set()
                else:
                    # Wake-ups sent while disconnected were lost: wake everything once.
                    for name in list(self._handlers):
                        self._deliver(name)
                while True:
                    await self._read(conn)
                    self._in_wake.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._in_wake.wait(), timeout=POLL_SECONDS)
            except asyncio.CancelledError:
                raise
            except Exception as err:
                _LOGGER.warning("Replica %s: event connection failed: %s", self.replica_id, err)
            finally:
                if conn is not None:
                    conn.terminate()
            await asyncio.sleep(0.5)

    async def _read(self, conn: asyncpg.Connection) -> None:
        while True:
            rows = await conn.fetch(
                "SELECT seq, origin, body FROM cluster_events WHERE seq > $1 ORDER BY seq LIMIT $2",
                self._last_seq,
                READ_BATCH,
                timeout=30,
            )
            for row in rows:
                self._last_seq = row["seq"]
                if row["origin"] == self.replica_id or self._bus is None:
                    continue
                try:
                    event = event_from_json(row["body"])
                except (ValueError, KeyError, TypeError) as err:
                    _LOGGER.warning("Skipping unreadable cluster event %s: %s", row["seq"], err)
                    continue
                self.relayed_in += 1
                self._bus.publish(event, remote=True)
            if len(rows) < READ_BATCH:
                return

    def signal(self, name: str) -> None:
        """Wake `name` here now and on the other replicas shortly (coalesced)."""
        self._deliver(name)
        self._pending_signals.add(name)
        self._signal_wake.set()

    async def _send_signals(self) -> None:
        while True:
            await self._signal_wake.wait()
            self._signal_wake.clear()
            names, self._pending_signals = self._pending_signals, set()
            if not names or self._pool is None:
                continue
            try:
                async with self._pool.acquire() as conn:
                    for name in names:
                        await conn.execute("SELECT pg_notify($1, $2)", SIGNALS_CHANNEL, name)
            except asyncio.CancelledError:
                raise
            except Exception as err:
                _LOGGER.warning("Sending signals failed: %s; retrying", err)
                self._pending_signals |= names
                self._signal_wake.set()
                await asyncio.sleep(1.0)

    # -- shared locks ------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def lock(self, key: str) -> AsyncIterator[None]:
        """Hold a session advisory lock for `key` on a pooled connection (freed on exit)."""
        assert self._pool is not None
        number = lock_key(key)
        async with self._pool.acquire() as conn:
            await conn.execute("SELECT pg_advisory_lock($1)", number)
            try:
                yield
            finally:
                await conn.execute("SELECT pg_advisory_unlock($1)", number)

    async def held_elsewhere(self, key: str) -> bool:
        """Whether another session holds the lock `key` now (tried, and let go at once)."""
        assert self._pool is not None
        number = lock_key(key)
        async with self._pool.acquire() as conn:
            if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", number):
                return True
            await conn.execute("SELECT pg_advisory_unlock($1)", number)
            return False

    # -- the owner trims the log ---------------------------------------------------------------

    async def _start_trim(self) -> None:
        self._trim_task = asyncio.get_running_loop().create_task(self._trim(), name="cluster-trim")

    async def _stop_trim(self) -> None:
        if self._trim_task is not None:
            self._trim_task.cancel()
            with contextlib.suppress(BaseException):
                await self._trim_task
            self._trim_task = None

    async def _trim(self) -> None:
        while True:
            await asyncio.sleep(TRIM_EVERY_SECONDS)
            if self._pool is None:
                continue
            try:
                await self._pool.execute(
                    "DELETE FROM cluster_events WHERE at < now() - make_interval(secs => $1)",
                    float(KEEP_EVENTS_SECONDS),
                )
            except asyncio.CancelledError:
                raise
            except Exception as err:
                _LOGGER.warning("Trimming the cluster event log failed: %s", err)
