"""Fixtures of the Navidrome integration tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from cryptography.fernet import Fernet

from companion.crypto import SecretBox
from companion.events import EventBus
from companion.integration.types import IntegrationContext
from companion.settings import Settings
from companion.testing.navidrome import FakeNavidrome


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


@pytest.fixture
async def fake() -> AsyncIterator[FakeNavidrome]:
    async with FakeNavidrome(tracks=120) as server:
        yield server


@pytest.fixture
def ctx(session: aiohttp.ClientSession, tmp_path: Path) -> IntegrationContext:
    key = Fernet.generate_key()
    settings = Settings(data_dir=tmp_path, secret_key=key.decode())
    return IntegrationContext(
        settings=settings, session=session, bus=EventBus(), secret_box=SecretBox(key)
    )
