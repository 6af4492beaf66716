"""Home Assistant integration: an MQTT bridge with discovery, states, triggers and commands."""

from integrations.homeassistant.setup import (
    async_remove_entry,
    async_setup_entry,
    async_unload_entry,
)

__all__ = ["async_remove_entry", "async_setup_entry", "async_unload_entry"]
