"""The live-events suite runs against the fake Jellyfin as 10.10.7 and as 10.11.11."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

VERSIONS = ["10.10.7", "10.11.11"]


@pytest.fixture(params=VERSIONS)
async def fake_jellyfin(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    """A fake Jellyfin (users demo/demo admin, guest/guest) with a small library."""
    from companion.testing.jellyfin import FakeJellyfin

    fake = FakeJellyfin(tracks=200, version=request.param)
    await fake.start()
    yield fake
    await fake.stop()
