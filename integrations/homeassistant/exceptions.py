"""Errors of the Home Assistant MQTT bridge."""

from __future__ import annotations


class HomeAssistantMqttError(Exception):
    """Base of the bridge's errors."""


class HomeAssistantMqttConnectionError(HomeAssistantMqttError):
    """The broker could not be reached or dropped the connection."""


class HomeAssistantMqttAuthError(HomeAssistantMqttError):
    """The broker refused the username or password."""
