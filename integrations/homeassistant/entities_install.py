"""Discovery configs of the install's device: diagnostics, library events, refresh button."""

from __future__ import annotations

from typing import Any

from integrations.homeassistant.discovery import (
    command,
    entity,
    install_device,
    json_attributes,
    json_state,
    trigger,
)
from integrations.homeassistant.models import BridgeConfig, valid_id
from integrations.homeassistant.naming import INSTALL_SLUG, entity_id

# Install-wide triggers and events keep the object id prefix of earlier releases.
INSTALL = "companion"


def connectivity_topic(config: BridgeConfig, entry_id: str) -> str:
    """The retained ON/OFF state of one integration entry."""
    return f"{config.base}/integration/{entry_id}/state"


def install_configs(
    config: BridgeConfig, integrations: list[dict[str, Any]], triggers: list[str]
) -> dict[str, Any]:
    """Every discovery config of the install's own device, by discovery topic."""
    device = install_device(config)
    out: dict[str, Any] = {}

    def add(component: str, key: str, label: str, slug: str, **extra: Any) -> None:
        out[config.discovery_topic(component, key)] = entity(
            config,
            device,
            f"{config.node_id}_{key}",
            entity_id(component, INSTALL_SLUG, slug),
            label,
            **extra,
        )

    domains = [str(e.get("domain")) for e in integrations]
    for entry in integrations:
        entry_id = str(entry["entry_id"])
        if not valid_id(entry_id):
            continue
        domain = str(entry.get("domain"))
        # Two entries of one integration get part of their id in the entity id.
        slug = domain if domains.count(domain) == 1 else f"{domain}_{entry_id[:6]}"
        add(
            "binary_sensor",
            f"{entry_id}_connectivity",
            f"{entry.get('title') or domain} connected",
            f"{slug}_connected",
            state_topic=connectivity_topic(config, entry_id),
            device_class="connectivity",
            entity_category="diagnostic",
            payload_on="ON",
            payload_off="OFF",
        )
    diagnostics = (
        (
            "library_size",
            "Library size",
            {
                "unit_of_measurement": "tracks",
                "state_class": "measurement",
                "icon": "mdi:music-box-multiple",
            },
        ),
        ("version", "Version", {"icon": "mdi:information-outline"}),
        ("bridge_error", "Bridge last error", {"icon": "mdi:alert-circle-outline"}),
        ("last_command", "Last command", {"icon": "mdi:console"}),
    )
    for sensor, label, extra in diagnostics:
        topic = config.install_topic(sensor)
        add(
            "sensor",
            f"{INSTALL}_{sensor}",
            label,
            label,
            entity_category="diagnostic",
            **extra,
            **json_state(topic),
            **json_attributes(topic),
        )
    add(
        "button",
        f"{INSTALL}_refresh_library",
        "Refresh library",
        "Refresh library",
        command_topic=config.command_topic,
        payload_press=command({"action": "library.refresh"}),
        retain=False,
        icon="mdi:refresh",
    )
    add(
        "event",
        f"{INSTALL}_library",
        "Library",
        "Library",
        state_topic=f"{config.base}/event",
        event_types=list(triggers),
        icon="mdi:album",
    )
    for kind in triggers:
        out[config.discovery_topic("device_automation", f"{INSTALL}_{kind}")] = trigger(
            config, device, f"{config.base}/trigger/{kind}", kind, INSTALL
        )
    return out
