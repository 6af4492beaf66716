"""Three replicas on PostgreSQL; the owner is killed with SIGKILL in the middle of 5,000
double-delivered favorite changes and playlist edits: nothing lost, nothing done twice."""

from __future__ import annotations

import asyncio
import os

import pytest

from tests.replicas.harness import failover, postgres_reachable

pytestmark = [pytest.mark.timeout(600)]


@pytest.fixture(scope="module")
def postgres() -> None:
    if not asyncio.run(postgres_reachable()):
        pytest.skip("PostgreSQL is not reachable (REPLICAS_ADMIN_DATABASE_URL)")


def test_kill_the_owner_loses_and_repeats_nothing(postgres: None) -> None:
    events = int(os.environ.get("REPLICAS_TEST_EVENTS", "5000"))
    result = asyncio.run(failover(count=3, events=events, rate=200, edits=40))
    print(result)
    # Ownership moved to a survivor (its time is printed by `python -m bench.replicas`).
    assert result["new_leader"] not in (None, result["first_leader"])
    assert result["favorites_missing"] == 0
    assert result["favorites_extra"] == 0
    assert result["favorites_duplicates"] == 0
    # Every survivor's client saw every logged change once, and no change twice.
    assert result["ws_events_logged"] > 0
    assert result["ws_missing"] == 0
    assert result["ws_extra"] == 0
    assert result["ws_duplicates"] == 0
    assert result["ws_repeated_states"] == 0
    # Every webhook was accepted by a live replica with the one shared secret.
    assert set(result["webhook_statuses"]) == {200}
    assert result["inbox_unprocessed"] == 0
    assert result["inbox_rows"] == result["inbox_distinct"]
    assert result["playlist_state"] == "synced"
    assert result["playlist_companion"] == result["playlist_expected"]
    assert result["playlist_jellyfin"] == result["playlist_expected"]
