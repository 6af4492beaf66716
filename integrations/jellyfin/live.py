"""Jellyfin's live websocket (reference section 8): keepalive, reconnects, messages as facts."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Final

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException
from yarl import URL

from companion.providers import ProviderUnavailable
from companion.providers.live import FactSink, SessionsSnapshot, SocketCredential, SocketStatus
from integrations.jellyfin.client import JellyfinClient
from integrations.jellyfin.exceptions import JellyfinError
from integrations.jellyfin.live_messages import (
    Envelope,
    decode,
    facts_for,
    keepalive_timeout,
    sessions_snapshot,
)
from integrations.jellyfin.transport import JellyfinTransport

_LOGGER = logging.getLogger(__name__)

OnConnect = Callable[[], Awaitable[None]]
ClientFactory = Callable[[SocketCredential], JellyfinTransport]

KEEPALIVE: Final = json.dumps({"MessageType": "KeepAlive"})
# Data is required ("initialDelayMs,intervalMs"); without it Jellyfin ignores the request.
SESSIONS_START: Final = json.dumps({"MessageType": "SessionsStart", "Data": "0,1500"})
# Jellyfin's default ForceKeepAlive timeout, used until the server says otherwise.
DEFAULT_KEEPALIVE_TIMEOUT: Final = 60.0
# With no message at all for this many keepalive intervals the connection is presumed dead
# (Jellyfin answers every KeepAlive, so silence means a half-open TCP connection).
SILENT_INTERVALS: Final = 3
BACKOFF_INITIAL: Final = 1.0
BACKOFF_MAX: Final = 30.0
# A connection that stayed up this long resets the backoff.
STABLE_AFTER: Final = 10.0
OPEN_TIMEOUT: Final = 10.0
CLOSE_TIMEOUT: Final = 5.0
# Sessions pushes carry full BaseItemDtos per session; the library's 1 MiB default is tight.
MAX_MESSAGE: Final = 16 * 1024 * 1024
# The first version whose API-key sockets receive `Sessions` (reference section 8).
API_KEY_SESSIONS_VERSION: Final = (10, 11)
_RESTARTS: Final = {
    "ServerRestarting": "Jellyfin is restarting",
    "ServerShuttingDown": "Jellyfin is shutting down",
}


def socket_url(base_url: str, token: str, device_id: str) -> str:
    """The ws(s):// URL of `/socket` under the base path, with `?ApiKey=` (never `api_key`)."""
    url = URL(base_url)
    scheme = {"http": "ws", "https": "wss"}.get(url.scheme)
    if scheme is None:
        raise ValueError("base_url must be an http:// or https:// URL")
    path = url.path.rstrip("/") + "/socket"
    query = {"ApiKey": token, "deviceId": device_id}
    return str(url.with_scheme(scheme).with_path(path).with_query(query))


class _Redacting(logging.LoggerAdapter[logging.Logger]):
    """The websockets library logs the request line and headers at debug: hide the token."""

    def __init__(self, logger: logging.Logger, secret: str) -> None:
        super().__init__(logger, {})
        self._secret = secret

    def log(self, level: int, msg: object, *args: Any, **kwargs: Any) -> None:
        if not self.isEnabledFor(level):
            return
        text = str(msg) % args if args else str(msg)
        if self._secret:
            text = text.replace(self._secret, "<redacted>")
        self.logger.log(level, "%s", text, **kwargs)


class JellyfinLiveSocket:
    """One websocket to Jellyfin as one credential, reconnecting until closed.

    Every message the companion uses reaches `sink` as facts; `on_connect` runs (as a task,
    alongside message delivery) after each successful connection so the core can reconcile.
    """

    backoff_initial: float = BACKOFF_INITIAL
    backoff_max: float = BACKOFF_MAX
    stable_after: float = STABLE_AFTER

    def __init__(
        self,
        transport: JellyfinTransport,
        credential: SocketCredential,
        sink: FactSink,
        *,
        sessions: bool = False,
        on_connect: OnConnect | None = None,
        open_timeout: float = OPEN_TIMEOUT,
    ) -> None:
        self.status = SocketStatus()
        self.host = transport.host
        self.attempts = 0
        self.closed = False
        self._credential = credential
        self._url = socket_url(transport.base_url, credential.token, credential.device_id)
        self._headers = {"Authorization": transport.authorization_header(credential.token)}
        self._sink = sink
        self._sessions = sessions
        self._on_connect = on_connect
        self._open_timeout = open_timeout
        self._who = f"user {credential.user_id}" if credential.user_id else "the API key"
        self._wire_logger = _Redacting(logging.getLogger(f"{__name__}.wire"), credential.token)
        self._task: asyncio.Task[None] | None = None
        self._callbacks: set[asyncio.Task[None]] = set()
        self._ever_connected = False
        self._down = False
        self._expected_close: str | None = None
        self._keepalive_interval = DEFAULT_KEEPALIVE_TIMEOUT / 2
        self._keepalive_changed = asyncio.Event()
        self._last_received = 0.0
        self.status.extra["host"] = self.host
        self.status.extra["credential"] = self._who

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.host!r}, {self._who!r})"

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Start the connect/reconnect loop (once)."""
        if self._task is None and not self.closed:
            self._task = asyncio.create_task(self._run(), name=f"jellyfin-live {self._who}")

    async def close(self) -> None:
        """Stop the socket, its reconnect loop and any running on_connect callback."""
        self.closed = True
        current = asyncio.current_task()
        tasks = [t for t in (self._task, *self._callbacks) if t is not None and t is not current]
        # A cancel can be swallowed when it lands as an open timeout expires (asyncio.timeout
        # turns it into TimeoutError on 3.11), so keep cancelling until the tasks are done;
        # the loop also checks `closed` before every attempt and every backoff sleep.
        pending = set(tasks)
        while pending:
            for task in pending:
                task.cancel()
            _, pending = await asyncio.wait(pending, timeout=1.0)
        self.status.connected = False

    # -- connection loop ---------------------------------------------------------------------

    async def _run(self) -> None:
        delay = self.backoff_initial
        while not self.closed:
            self.attempts += 1
            try:
                ws = await connect(
                    self._url,
                    additional_headers=self._headers,
                    open_timeout=self._open_timeout,
                    ping_interval=None,  # Jellyfin's own KeepAlive messages keep it alive
                    close_timeout=CLOSE_TIMEOUT,
                    max_size=MAX_MESSAGE,
                    proxy=None,  # like the REST client (aiohttp ignores proxy variables)
                    logger=self._wire_logger,
                )
            except InvalidStatus as err:
                status = err.response.status_code
                if status in (401, 403):
                    self._rejected(status)
                    return
                self._went_down(f"Jellyfin answered the socket upgrade with HTTP {status}")
            except (OSError, TimeoutError, WebSocketException) as err:
                self._went_down(_describe(err))
            except Exception as err:
                # A bug must cost one backoff step, never the loop.
                _LOGGER.exception("Connecting the Jellyfin socket at %s failed", self.host)
                self._went_down(_describe(err))
            else:
                started = time.monotonic()
                try:
                    reason = await self._serve(ws)
                except Exception as err:
                    _LOGGER.exception("The Jellyfin socket at %s failed", self.host)
                    reason = _describe(err)
                if time.monotonic() - started >= self.stable_after:
                    delay = self.backoff_initial
                self._went_down(reason, expected=self._expected_close is not None)
            if self.closed:
                return
            # Jitter spreads the reconnects of many sockets after a Jellyfin restart.
            await asyncio.sleep(random.uniform(delay / 2, delay))
            delay = min(delay * 2, self.backoff_max)

    async def _serve(self, ws: ClientConnection) -> str:
        """Run one connection until it closes; return why it closed."""
        self._connected()
        self._expected_close = None
        self._keepalive_interval = DEFAULT_KEEPALIVE_TIMEOUT / 2
        self._keepalive_changed = asyncio.Event()
        self._last_received = time.monotonic()
        keepalive = asyncio.create_task(self._keepalive(ws), name=f"jellyfin-keepalive {self._who}")
        reason = "the connection closed"
        try:
            async with ws:
                if self._sessions:
                    await ws.send(SESSIONS_START)
                self._start_on_connect()
                async for raw in ws:
                    self._last_received = time.monotonic()
                    await self._handle(raw)
                reason = _close_reason(ws)
        except ConnectionClosed as err:
            reason = _close_reason(ws, err)
        finally:
            keepalive.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keepalive
            self.status.connected = False
        return self._expected_close or reason

    async def _keepalive(self, ws: ClientConnection) -> None:
        while True:
            # ForceKeepAlive wakes this early: answer it at once, then every timeout/2.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._keepalive_changed.wait(), self._keepalive_interval)
            self._keepalive_changed.clear()
            silent = time.monotonic() - self._last_received
            if silent > SILENT_INTERVALS * self._keepalive_interval:
                _LOGGER.debug("Jellyfin socket at %s silent for %.0f s", self.host, silent)
                await ws.close(reason="no answer to KeepAlive")
                return
            try:
                await ws.send(KEEPALIVE)
            except ConnectionClosed:
                return

    async def _handle(self, raw: str | bytes) -> None:
        envelope = decode(raw)
        if envelope is None:
            return
        if envelope.kind == "ForceKeepAlive":
            timeout = keepalive_timeout(envelope.data) or DEFAULT_KEEPALIVE_TIMEOUT
            self._keepalive_interval = timeout / 2
            self._keepalive_changed.set()
            return
        if envelope.kind in _RESTARTS:
            # The close that follows is expected: reconnect quietly with backoff.
            self._expected_close = _RESTARTS[envelope.kind]
            _LOGGER.info("Jellyfin at %s: %s", self.host, self._expected_close)
            return
        await self._deliver(envelope)

    async def _deliver(self, envelope: Envelope) -> None:
        for fact in facts_for(envelope, self._credential, datetime.now(UTC)):
            try:
                await self._sink(fact)
            except Exception:
                _LOGGER.exception("Handling a Jellyfin %s message failed", envelope.kind)

    # -- callbacks ---------------------------------------------------------------------------

    def _start_on_connect(self) -> None:
        if self._on_connect is None:
            return
        # Reconciles run one at a time: a quick reconnect waits for the previous one.
        previous = set(self._callbacks)
        task = asyncio.create_task(
            self._call_on_connect(self._on_connect, previous),
            name=f"jellyfin-live-on-connect {self._who}",
        )
        self._callbacks.add(task)
        task.add_done_callback(self._callbacks.discard)

    async def _call_on_connect(
        self, callback: OnConnect, previous: set[asyncio.Task[None]]
    ) -> None:
        if previous:
            await asyncio.wait(previous)
        try:
            await callback()
        except Exception:
            _LOGGER.exception(
                "Reconciling after the Jellyfin socket at %s connected failed", self.host
            )

    # -- status and logging ------------------------------------------------------------------

    def _connected(self) -> None:
        self.status.connected = True
        self.status.last_error = None
        self.status.extra["connected_since"] = datetime.now(UTC).isoformat()
        if self._ever_connected:
            self.status.reconnects += 1
        self._ever_connected = True
        if self._down:
            self._down = False
            _LOGGER.info("Jellyfin socket at %s (%s) is back", self.host, self._who)
        else:
            _LOGGER.debug("Jellyfin socket at %s (%s) connected", self.host, self._who)

    def _went_down(self, reason: str, *, expected: bool = False) -> None:
        self.status.connected = False
        self.status.last_error = reason
        self.status.extra.pop("connected_since", None)
        if self._down:
            _LOGGER.debug("Jellyfin socket at %s still down: %s", self.host, reason)
            return
        self._down = True
        _LOGGER.log(
            logging.INFO if expected else logging.WARNING,
            "Jellyfin socket at %s (%s) is down: %s; reconnecting",
            self.host,
            self._who,
            reason,
        )

    def _rejected(self, status: int) -> None:
        self.status.connected = False
        self.status.credential_invalid = True
        self.status.last_error = f"Jellyfin rejected the credential (HTTP {status})"
        _LOGGER.error(
            "Jellyfin at %s rejected the socket credential of %s (HTTP %s); "
            "its live events stop until it is renewed",
            self.host,
            self._who,
            status,
        )


class JellyfinLive:
    """Jellyfin as the companion's `LiveSource`: one `JellyfinLiveSocket` per `open`."""

    def __init__(
        self,
        client_factory: ClientFactory,
        service: JellyfinClient | None = None,
        service_credential: SocketCredential | None = None,
    ) -> None:
        self._client_factory = client_factory
        self._service = service
        self._service_credential = service_credential
        self._sockets: set[JellyfinLiveSocket] = set()

    def service_credential(self) -> SocketCredential | None:
        """The administrator login configured for the install (None with only an API key)."""
        return self._service_credential

    def api_key_credential(self) -> SocketCredential | None:
        """The API key as a sessions socket, where the server sends an API key `Sessions`.

        From 10.11 an API-key socket has a session and may subscribe with SessionsStart (it
        sees everyone's, like an administrator); up to 10.10 the subscribe dereferences the
        missing user and silently fails. It never receives user or library messages.
        """
        service = self._service
        if service is None or not service.is_api_key:
            return None
        version = service.server_version
        if version is None or version < API_KEY_SESSIONS_VERSION:
            return None
        return SocketCredential(
            user_id=None, token=service.socket_token(), device_id=service.device_id, is_admin=True
        )

    async def sessions(self) -> SessionsSnapshot:
        """GET /Sessions with the service credential, as one snapshot (it sees everyone)."""
        if self._service is None:
            return SessionsSnapshot(
                playing=(), at=datetime.now(UTC), source="reconcile", users=frozenset()
            )
        try:
            data = await self._service._request("GET", "/Sessions")
        except JellyfinError as err:
            raise ProviderUnavailable(
                "Jellyfin is slow or unreachable. Check your Jellyfin instance."
            ) from err
        admin = SocketCredential(user_id=None, token="", device_id="", is_admin=True)
        facts = sessions_snapshot(data, admin, datetime.now(UTC))
        return replace(facts, source="reconcile")

    async def open(
        self,
        credential: SocketCredential,
        sink: FactSink,
        *,
        sessions: bool,
        on_connect: OnConnect | None = None,
    ) -> JellyfinLiveSocket:
        """Start a socket (with SessionsStart when `sessions`) and return its handle."""
        socket = JellyfinLiveSocket(
            self._client_factory(credential),
            credential,
            sink,
            sessions=sessions,
            on_connect=on_connect,
        )
        self._sockets = {s for s in self._sockets if not s.closed}
        self._sockets.add(socket)
        socket.start()
        return socket

    async def close(self) -> None:
        """Close every socket this source opened (at unload)."""
        sockets, self._sockets = self._sockets, set()
        await asyncio.gather(*(s.close() for s in sockets))


def _close_reason(ws: ClientConnection, err: ConnectionClosed | None = None) -> str:
    code = err.rcvd.code if err is not None and err.rcvd is not None else ws.close_code
    return f"Jellyfin closed the connection (code {code})" if code else "the connection dropped"


def _describe(err: Exception) -> str:
    if isinstance(err, TimeoutError):
        return "the socket upgrade timed out"
    if isinstance(err, OSError):
        return f"could not connect ({err.strerror or type(err).__name__})"
    return f"the socket upgrade failed ({type(err).__name__})"
