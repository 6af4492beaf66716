"""What a loaded Navidrome entry hands the rest of the app."""

from __future__ import annotations

from dataclasses import dataclass

from integrations.navidrome.client import ServerInfo, SubsonicClient
from integrations.navidrome.live import NavidromeLive


@dataclass
class NavidromeRuntime:
    """`entry.runtime_data` of a loaded Navidrome entry."""

    client: SubsonicClient
    server_info: ServerInfo
    public_url: str
    is_admin: bool
    live: NavidromeLive
