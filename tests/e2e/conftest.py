"""End-to-end fixtures: every test starts from an empty database."""

from __future__ import annotations

import pytest

from tests.conftest import PG_URL, _reset_postgres


@pytest.fixture(autouse=True)
async def _fresh_postgres() -> None:
    if PG_URL:
        await _reset_postgres(PG_URL)
