"""What every integration's HTTP client shares: the session lifecycle and one guarded exchange."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, ClassVar, Self

import aiohttp
from multidict import CIMultiDictProxy


@dataclass(frozen=True)
class TransportErrors:
    """How one integration names a failed exchange: the service and its own exception types."""

    service: str
    timeout: Callable[[str], Exception]
    unreachable: Callable[[str], Exception]
    failed: Callable[[str], Exception]


@dataclass(frozen=True)
class Reply:
    """A finished exchange: the status, the body as text and the headers."""

    status: int
    text: str
    headers: CIMultiDictProxy[str]


class SessionOwner:
    """Base of an HTTP client that uses the caller's aiohttp session or creates its own.

    A session it created is closed with the client; one it was given belongs to the caller
    (the app shares one across integrations) and is left open.
    """

    # Each client names its service and exception types; `_exchange` raises those.
    transport_errors: ClassVar[TransportErrors]
    base_url: str
    request_timeout: float

    def __init__(self, session: aiohttp.ClientSession | None) -> None:
        self._session = session
        self._owns_session = session is None

    def _ensure_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
            self._owns_session = True
        return self._session

    async def _exchange(
        self, method: str, url: str, *, timeout: float | None = None, **request_kw: Any
    ) -> Reply:
        """One request read to the end within the timeout; transport failures become the
        integration's own errors (timed out, unreachable, failed), each naming the server."""
        errors = self.transport_errors
        session = self._ensure_session()
        try:
            async with asyncio.timeout(timeout or self.request_timeout):
                async with session.request(method, url, **request_kw) as resp:
                    return Reply(resp.status, await resp.text(), resp.headers)
        except TimeoutError as err:
            raise errors.timeout(f"{errors.service} at {self.base_url} timed out") from err
        except (aiohttp.ClientConnectionError, socket.gaierror) as err:
            raise errors.unreachable(
                f"Could not reach {errors.service} at {self.base_url}: {err}"
            ) from err
        except aiohttp.ClientError as err:
            # Only the error's kind: its text can carry the full URL, query secrets included.
            raise errors.failed(
                f"Request to {errors.service} at {self.base_url} failed ({type(err).__name__})"
            ) from err

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the HTTP session, but only one this client created."""
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None
