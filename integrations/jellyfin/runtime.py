"""What a loaded Jellyfin entry hands the rest of the app, and the install's DeviceId."""

from __future__ import annotations

from dataclasses import dataclass

from companion.integration.types import IntegrationContext
from integrations.jellyfin.client import JellyfinClient
from integrations.jellyfin.const import DEVICE_ID_MESSAGE
from integrations.jellyfin.models import ServerInfo


def install_device_id(ctx: IntegrationContext) -> str:
    """The DeviceId of this install's service credential.

    Jellyfin logs out a device's older tokens when the same user logs in again with the same
    DeviceId, so the id must be stable across restarts and unique per install: an HMAC of a fixed
    message under the install's secret key is both, and reveals nothing about the key.
    """
    return ctx.secret_box.sign(DEVICE_ID_MESSAGE)[:32]


@dataclass
class JellyfinRuntime:
    """`entry.runtime_data` of a loaded Jellyfin entry."""

    client: JellyfinClient
    server_info: ServerInfo
    # Base for URLs handed to browsers and players (the public URL, else the configured one).
    public_url: str
    device_id: str
    # True when an administrator *user* token is available (live websocket events need it).
    has_user_login: bool
    # That user's client when has_user_login; it may be `client` itself (no API key given).
    user_client: JellyfinClient | None = None
    uses_api_key: bool = False
