"""Discovery configs of one user's device: sensors, playing, cover, radio, buttons, events."""

from __future__ import annotations

from typing import Any

from integrations.homeassistant.discovery import (
    VALUE_TEMPLATE,
    command,
    entity,
    json_attributes,
    json_state,
    trigger,
    user_device,
)
from integrations.homeassistant.models import BridgeConfig
from integrations.homeassistant.naming import entity_id

PLAYING_TEMPLATE = "{{ 'ON' if value_json.attributes.playback == 'playing' else 'OFF' }}"


def user_configs(
    config: BridgeConfig,
    user: dict[str, Any],
    slug: str,
    triggers: list[str],
    radio_modes: list[str],
) -> dict[str, Any]:
    """Every discovery config of one user, by discovery topic.

    Topics and unique ids are those of earlier releases where the entity existed, so Home
    Assistant keeps its entity registry entries (and the entity ids users already have).
    """
    uid, name = str(user["user_id"]), str(user["name"])
    device = user_device(config, uid, name)
    out: dict[str, Any] = {}

    def add(component: str, key: str, label: str, **extra: Any) -> None:
        out[config.discovery_topic(component, f"{uid}_{key}")] = entity(
            config,
            device,
            f"{config.node_id}_{uid}_{key}",
            entity_id(component, slug, label),
            label,
            **extra,
        )

    now_playing = config.user_topic(uid, "now_playing")
    add(
        "sensor",
        "now_playing",
        "Now playing",
        icon="mdi:music",
        **json_state(now_playing),
        **json_attributes(now_playing),
    )
    add(
        "binary_sensor",
        "playing",
        "Playing",
        state_topic=now_playing,
        value_template=PLAYING_TEMPLATE,
        payload_on="ON",
        payload_off="OFF",
        icon="mdi:play-circle",
    )
    favorite = config.user_topic(uid, "last_favorite")
    add(
        "sensor",
        "last_favorite",
        "Last favorite",
        icon="mdi:heart",
        **json_state(favorite),
        **json_attributes(favorite),
    )
    plays = config.user_topic(uid, "plays_today")
    add(
        "sensor",
        "plays_today",
        "Plays today",
        state_class="total_increasing",
        unit_of_measurement="plays",
        icon="mdi:counter",
        **json_state(plays),
        **json_attributes(plays),
    )
    if config.public_url:
        # Home Assistant fetches the signed URL itself (under COMPANION_PUBLIC_URL).
        add(
            "image",
            "cover",
            "Cover",
            url_topic=config.user_topic(uid, "cover"),
            url_template=VALUE_TEMPLATE,
        )
    add(
        "select",
        "radio_mode",
        "Radio mode",
        command_topic=config.command_topic,
        command_template=('{"action":"radio.mode","user":"' + uid + '","mode":"{{ value }}"}'),
        options=list(radio_modes),
        entity_category="config",
        icon="mdi:radio-tower",
        retain=False,
        **json_state(config.user_topic(uid, "radio_mode")),
    )
    add(
        "button",
        "radio",
        "Start radio",
        command_topic=config.command_topic,
        payload_press=command({"action": "vibe.start", "user": uid, "play": True}),
        retain=False,
        icon="mdi:radio",
    )
    add(
        "button",
        "favorite_current",
        "Favorite current track",
        command_topic=config.command_topic,
        payload_press=command({"action": "favorite.current", "user": uid}),
        retain=False,
        icon="mdi:heart-plus",
    )
    last_command = config.user_topic(uid, "last_command")
    add(
        "sensor",
        "last_command",
        "Last command",
        entity_category="diagnostic",
        icon="mdi:console",
        **json_state(last_command),
        **json_attributes(last_command),
    )
    add(
        "event",
        "music",
        "Music",
        state_topic=config.user_topic(uid, "event"),
        event_types=list(triggers),
        icon="mdi:music-note",
    )
    for kind in triggers:
        out[config.discovery_topic("device_automation", f"{uid}_{kind}")] = trigger(
            config, device, config.user_topic(uid, "trigger", kind), kind, name
        )
    return out
