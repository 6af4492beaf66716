"""Fixtures of the Jellyfin integration tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from cryptography.fernet import Fernet

from companion.crypto import SecretBox
from companion.events import EventBus
from companion.integration.types import IntegrationContext
from companion.settings import Settings
from companion.testing.jellyfin import FakeJellyfin
from integrations.jellyfin.transport import JellyfinTransport


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep retry backoff out of test run time."""
    monkeypatch.setattr(JellyfinTransport, "retry_backoff", 0.0)


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


@pytest.fixture
async def fake() -> AsyncIterator[FakeJellyfin]:
    server = FakeJellyfin(tracks=200, version="10.10.7")
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def ctx(session: aiohttp.ClientSession) -> IntegrationContext:
    return IntegrationContext(
        settings=Settings(),
        session=session,
        bus=EventBus(),
        secret_box=SecretBox(Fernet.generate_key()),
    )
