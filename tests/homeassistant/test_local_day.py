"""Plays today counts the install's local day (COMPANION_TIMEZONE), with DST-aware midnights."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiohttp.test_utils import TestClient

from companion import keys
from companion.accounts.models import User
from companion.automation.clock import day_start, next_midnight
from companion.events import Event
from companion.history.models import Play
from companion.settings import Settings, SettingsError, load_settings
from tests.homeassistant.conftest import MqttNames, MqttProbe

USER = "4be5c1a2b3c44d5e8f9a0b1c2d3e4f50"
ITEM = "6213b704a0d954293110f4d561b0f614"
# UTC+14 all year: its day differs from UTC's for 14 hours of every UTC day.
ZONE = "Pacific/Kiritimati"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """An install far from UTC."""
    return replace(settings, timezone=ZONE)


async def _play(started: datetime, *, counted: bool = True) -> None:
    await Play.create(
        user_id=USER,
        item_id=ITEM,
        started_at=started,
        bucket=int(started.timestamp() // 60),
        ended_at=started + timedelta(minutes=4),
        counted=counted,
    )


async def test_plays_today_counts_from_local_midnight(
    bridge_client: TestClient[Any, Any], probe: MqttProbe, mqtt_names: MqttNames
) -> None:
    midnight = day_start(ZoneInfo(ZONE))
    await _play(midnight + timedelta(minutes=1))
    await _play(midnight + timedelta(minutes=2), counted=False)
    # One minute before local midnight is yesterday, whatever day it is in UTC.
    await _play(midnight - timedelta(minutes=1))
    await User.create(name="Alice", jellyfin_id=USER)
    bridge_client.app[keys.BUS].publish(Event("user.signed_in", {"name": "Alice"}, user_id=USER))
    topic = f"{mqtt_names.base}/user/{USER}/plays_today"
    (message,) = await probe.wait_for(lambda m: m.topic == topic)
    value = message.json()
    assert value["state"] == 1
    assert value["attributes"]["time_zone"] == ZONE
    assert value["attributes"]["since"] == midnight.astimezone(ZoneInfo(ZONE)).isoformat()
    assert value["attributes"]["since"].endswith("T00:00:00+14:00")


def test_midnights_follow_daylight_saving_time() -> None:
    paris = ZoneInfo("Europe/Paris")
    # The night clocks go forward (29 March 2026): midnight is still 00:00 local time.
    assert next_midnight(paris, datetime(2026, 3, 28, 12, tzinfo=UTC)) == datetime(
        2026, 3, 28, 23, tzinfo=UTC
    )
    assert next_midnight(paris, datetime(2026, 3, 29, 12, tzinfo=UTC)) == datetime(
        2026, 3, 29, 22, tzinfo=UTC
    )
    assert day_start(paris, datetime(2026, 3, 29, 23, 30, tzinfo=UTC)) == datetime(
        2026, 3, 29, 22, tzinfo=UTC
    )


def test_timezone_setting_is_validated() -> None:
    assert load_settings({"COMPANION_TIMEZONE": "America/New_York"}).timezone == "America/New_York"
    with pytest.raises(SettingsError, match="COMPANION_TIMEZONE: expected an IANA time zone"):
        load_settings({"COMPANION_TIMEZONE": "Mars/Olympus_Mons"})
    # Unset: the system's zone.
    assert load_settings({}).zone is not None
