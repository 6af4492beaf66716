"""The HTTP layer of the Jellyfin client: auth header, timeouts, retries, error mapping."""

from __future__ import annotations

import asyncio
import errno
import logging
import ssl
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any, Literal
from urllib.parse import quote

import aiohttp
import orjson
from yarl import URL

from companion.integration.http_session import SessionOwner
from integrations.jellyfin.const import (
    CLIENT_NAME,
    CLIENT_VERSION,
    DEFAULT_DEVICE_NAME,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    MAX_CONNECT_TIMEOUT,
    RETRY_BACKOFF,
    RETRY_STATUSES,
)
from integrations.jellyfin.exceptions import (
    JellyfinAuthenticationError,
    JellyfinConnectionError,
    JellyfinError,
    JellyfinForbiddenError,
    JellyfinNotFoundError,
    JellyfinResponseError,
    JellyfinTimeoutError,
    JellyfinTLSError,
)
from integrations.jellyfin.models import normalize_id

_LOGGER = logging.getLogger(__name__)

Expect = Literal["json", "none"]
ParamValue = str | int | float | bool | None
# Told the outcome of every request: (Jellyfin answered, why not). See EntryHealth.
OutcomeSink = Callable[[bool, str | None], None]
# Sentinel: "use the client's own token" (None would mean "send no token").
_OWN_TOKEN: Any = object()


def _header_value(value: str) -> str:
    # The server URL-decodes each value; encoding keeps quotes and commas from breaking parsing.
    return quote(value, safe=" ()/:@")


class JellyfinTransport(SessionOwner):
    """Sends every request of a JellyfinClient; knows nothing about Jellyfin's routes."""

    retry_backoff: float = RETRY_BACKOFF

    def __init__(
        self,
        base_url: str,
        *,
        session: aiohttp.ClientSession | None = None,
        token: str | None = None,
        device_id: str,
        device_name: str = DEFAULT_DEVICE_NAME,
        user_id: str | None = None,
        request_timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        on_outcome: OutcomeSink | None = None,
    ) -> None:
        super().__init__(session)
        self.on_outcome = on_outcome
        self.base_url = base_url.rstrip("/")
        parsed = URL(self.base_url)
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise ValueError("base_url must be an http:// or https:// URL")
        self.host = f"{parsed.host}:{parsed.port}" if parsed.port else parsed.host
        self._token = token
        self.device_id = device_id
        self.device_name = device_name
        self.user_id = normalize_id(user_id) if user_id else None
        self.request_timeout = request_timeout
        self.max_retries = max_retries
        self._timeout = aiohttp.ClientTimeout(
            total=request_timeout, connect=min(request_timeout, MAX_CONNECT_TIMEOUT)
        )
        self._server_version: tuple[int, int, int] | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.base_url!r}, user_id={self.user_id!r})"

    # -- state -------------------------------------------------------------------------------

    @property
    def has_token(self) -> bool:
        """Tell whether requests carry a token."""
        return bool(self._token)

    @property
    def server_version(self) -> tuple[int, int, int] | None:
        """The server's version, known after public_info() or system_info()."""
        return self._server_version

    def authorization_header(self, token: str | None = _OWN_TOKEN) -> str:
        """Return the `Authorization: MediaBrowser ...` value (the only auth form sent)."""
        if token is _OWN_TOKEN:
            token = self._token
        parts = [
            ("Client", CLIENT_NAME),
            ("Device", self.device_name),
            ("DeviceId", self.device_id),
            ("Version", CLIENT_VERSION),
        ]
        if token:
            parts.append(("Token", token))
        return "MediaBrowser " + ", ".join(f'{k}="{_header_value(v)}"' for k, v in parts)

    def url(self, path: str) -> URL:
        """Join a route onto the base URL, keeping a base path such as /jellyfin."""
        return URL(self.base_url + "/" + path.lstrip("/"))

    # -- requests ----------------------------------------------------------------------------

    def _outcome(self, err: BaseException | None) -> None:
        # Down or failing (no answer, 5xx) counts against availability; 4xx is an answer.
        if self.on_outcome is None:
            return
        if err is None:
            self.on_outcome(True, None)
        elif isinstance(err, JellyfinConnectionError) or (
            isinstance(err, JellyfinResponseError) and (err.status or 500) >= 500
        ):
            self.on_outcome(False, str(err))
        elif isinstance(err, JellyfinError):
            self.on_outcome(True, None)

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, ParamValue] | None = None,
        json: Any = None,
        expect: Expect = "json",
        token: str | None = _OWN_TOKEN,
    ) -> Any:
        """Send one request; retry idempotent GETs on 502/503/504 and dropped connections."""
        try:
            result = await self._send(method, path, params, json, expect, token)
        except JellyfinError as err:
            self._outcome(err)
            raise
        self._outcome(None)
        return result

    async def _send(
        self,
        method: str,
        path: str,
        params: Mapping[str, ParamValue] | None,
        json: Any,
        expect: Expect,
        token: str | None,
    ) -> Any:
        session = self._ensure_session()
        url = self.url(path)
        headers = {"Authorization": self.authorization_header(token), "Accept": "application/json"}
        query = _clean_params(params)
        attempts = 1 + (max(self.max_retries, 0) if method == "GET" else 0)
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                async with session.request(
                    method, url, params=query, json=json, headers=headers, timeout=self._timeout
                ) as resp:
                    if resp.status not in RETRY_STATUSES or last:
                        return await self._read(resp, method, path, expect)
                    _LOGGER.debug(
                        "Jellyfin at %s returned %s for %s; retrying", self.host, resp.status, path
                    )
            except JellyfinError:
                raise
            except (aiohttp.ClientSSLError, ssl.SSLError) as err:
                raise JellyfinTLSError(_tls_message(self.host, err)) from err
            except TimeoutError as err:
                raise JellyfinTimeoutError(
                    f"Jellyfin at {self.host} did not answer within {self.request_timeout:g} s."
                ) from err
            except aiohttp.ClientError as err:
                if last or not _is_reset(err):
                    raise JellyfinConnectionError(_connection_message(self.host, err)) from err
                _LOGGER.debug(
                    "Jellyfin at %s dropped the connection for %s; retrying", self.host, path
                )
            await asyncio.sleep(self.retry_backoff * (2**attempt))
        raise AssertionError("unreachable: the last attempt returns or raises")

    @asynccontextmanager
    async def _open(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, ParamValue] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: aiohttp.ClientTimeout | None = None,
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        """Open a raw response (audio, images) for the caller to read; errors map like _request.

        Statuses below 500 other than 401/403/404 (206, 304, 416) are handed to the caller.
        """
        session = self._ensure_session()
        sent = {"Authorization": self.authorization_header(), **(headers or {})}
        try:
            try:
                resp = await session.request(
                    method,
                    self.url(path),
                    params=_clean_params(params),
                    headers=sent,
                    timeout=timeout or self._timeout,
                )
            except (aiohttp.ClientSSLError, ssl.SSLError) as err:
                raise JellyfinTLSError(_tls_message(self.host, err)) from err
            except TimeoutError as err:
                raise JellyfinTimeoutError(
                    f"Jellyfin at {self.host} did not answer within {self.request_timeout:g} s."
                ) from err
            except aiohttp.ClientError as err:
                raise JellyfinConnectionError(_connection_message(self.host, err)) from err
        except JellyfinError as err:
            self._outcome(err)
            raise
        try:
            if resp.status in (401, 403, 404) or resp.status >= 500:
                try:
                    await self._read(resp, method, path, "none")
                except JellyfinError as err:
                    self._outcome(err)
                    raise
            self._outcome(None)
            yield resp
        except TimeoutError as err:
            raise JellyfinTimeoutError(
                f"Jellyfin at {self.host} stopped sending for {self.request_timeout:g} s."
            ) from err
        except aiohttp.ClientPayloadError as err:
            raise JellyfinConnectionError(
                f"Jellyfin at {self.host} cut the response short."
            ) from err
        finally:
            # A body read to the end lets the connection be reused; anything else (a client that
            # went away mid-stream) must drop it so Jellyfin stops sending.
            if resp.content.at_eof():
                resp.release()
            else:
                resp.close()

    async def _read(
        self, resp: aiohttp.ClientResponse, method: str, path: str, expect: Expect
    ) -> Any:
        status = resp.status
        if status == 401:
            raise JellyfinAuthenticationError(f"Jellyfin at {self.host} returned 401 for {path}.")
        if status == 403:
            raise JellyfinForbiddenError(f"Jellyfin at {self.host} returned 403 for {path}.")
        if status == 404:
            raise JellyfinNotFoundError(f"Jellyfin at {self.host} returned 404 for {path}.")
        if status >= 400:
            raise JellyfinResponseError(
                f"Jellyfin at {self.host} returned {status} for {method} {path}.", status
            )
        if expect == "none":
            return None
        body = await resp.read()
        try:
            # orjson parses a 100-item page in half the time of the standard library.
            return orjson.loads(body)
        except ValueError as err:
            raise JellyfinResponseError(
                f"Jellyfin at {self.host} answered {path} with something that is not JSON.", status
            ) from err


def _clean_params(params: Mapping[str, ParamValue] | None) -> dict[str, str]:
    if not params:
        return {}
    out: dict[str, str] = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        else:
            out[key] = str(value)
    return out


def _is_reset(err: aiohttp.ClientError) -> bool:
    # A keep-alive connection the server closed meanwhile: the request never ran, so retry.
    if isinstance(err, aiohttp.ServerDisconnectedError | aiohttp.ClientConnectionResetError):
        return True
    return (
        isinstance(err, aiohttp.ClientOSError)
        and not isinstance(err, aiohttp.ClientConnectorError)
        and err.errno == errno.ECONNRESET
    )


def _tls_message(host: str, err: Exception) -> str:
    detail: str | None = None
    if isinstance(err, aiohttp.ClientConnectorCertificateError):
        cert_error = err.certificate_error
        verify = getattr(cert_error, "verify_message", None)
        detail = f"certificate verify failed: {verify}" if verify else "certificate verify failed"
    else:
        inner = err.os_error if isinstance(err, aiohttp.ClientConnectorSSLError) else err
        reason = getattr(inner, "reason", None)
        if isinstance(reason, str) and reason:
            detail = reason.lower().replace("_", " ")
    return f"TLS handshake with Jellyfin at {host} failed: {detail or 'unknown TLS error'}."


def _connection_message(host: str, err: aiohttp.ClientError) -> str:
    if isinstance(err, aiohttp.ClientConnectorDNSError):
        return f"Could not resolve the Jellyfin host {host}."
    if isinstance(err, aiohttp.ClientConnectorError):
        reason = err.strerror or type(err.os_error).__name__
        return f"Could not connect to Jellyfin at {host}: {reason}."
    if isinstance(err, aiohttp.ServerDisconnectedError):
        return f"Jellyfin at {host} closed the connection."
    if _is_reset(err):
        return f"Jellyfin at {host} reset the connection."
    return f"Error talking to Jellyfin at {host}: {type(err).__name__}."
