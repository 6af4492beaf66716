"""The session lifecycle every integration's HTTP client shares: borrow one or own one."""

from __future__ import annotations

from types import TracebackType
from typing import Self

import aiohttp


class SessionOwner:
    """Base of an HTTP client that uses the caller's aiohttp session or creates its own.

    A session it created is closed with the client; one it was given belongs to the caller
    (the app shares one across integrations) and is left open.
    """

    def __init__(self, session: aiohttp.ClientSession | None) -> None:
        self._session = session
        self._owns_session = session is None

    def _ensure_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
            self._owns_session = True
        return self._session

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
