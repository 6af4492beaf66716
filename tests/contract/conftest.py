"""Contract tests: the fake Jellyfin and the companion held to Jellyfin's own OpenAPI specs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from companion.testing.jellyfin import FakeJellyfin

from .spec import RELATIVE, SPECS

VersionedFake = Callable[[str], Awaitable[FakeJellyfin]]


@pytest.fixture(autouse=True)
def _specs_present() -> None:
    """Skip (saying where they belong) when the shared specs folder is not beside the repo."""
    if not SPECS.is_dir():
        pytest.skip(
            f"Jellyfin's OpenAPI specs not found: expected {RELATIVE.as_posix()} beside the "
            "repository (the shared /work/shared/reference/openapi), or JELLYFIN_OPENAPI_DIR"
        )


@pytest.fixture
async def versioned_fake() -> AsyncIterator[VersionedFake]:
    """Start fakes of given versions that keep every JSON answer for validation."""
    fakes: list[FakeJellyfin] = []

    async def start(version: str) -> FakeJellyfin:
        fake = FakeJellyfin(tracks=60, version=version)
        fake.state.record_responses = True
        await fake.start()
        fakes.append(fake)
        return fake

    yield start
    for fake in fakes:
        await fake.stop()
