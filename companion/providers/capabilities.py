"""What the configured media server can do, so the API and dashboard explain what it cannot."""

from __future__ import annotations

from typing import Any

from companion.errors import NotSupportedByServer
from companion.providers.registry import Providers

# Capability -> (the provider that carries it, what it gives users).
CAPABILITIES: dict[str, tuple[str, str]] = {
    "browse": ("media", "Browse, search, stream and cover art"),
    "favorites": ("media", "Favorites, kept on the server"),
    "playlists": ("playlists", "Companion playlists pushed to the server, edited in place"),
    "live_events": ("live", "Live favorites, plays, library changes and scans"),
    "per_play_history": ("play_history", "Every listen with its time (history imports)"),
    "instant_mix": ("mixes", "The server's own mixes as a vibe fallback, and remote control"),
    "playback_reporting": ("playback", "The dashboard player shown as a session on the server"),
    "library_folders": ("library_folders", "Add to library: folders and targeted scans"),
}
# Why a server lacks a capability, by server name, for users.
WHY_NOT: dict[str, dict[str, str]] = {
    "Navidrome": {
        "per_play_history": "Navidrome keeps each song's play count and last play, not every "
        "listen; the companion records plays it sees from now on.",
        "instant_mix": "Navidrome has no mixes or remote control of players; vibe queues need "
        "AudioMuse-AI.",
        "playback_reporting": "Navidrome sees the dashboard player's plays through scrobbles only.",
        "library_folders": "Navidrome's music folders are set in its own configuration; "
        "add-to-library cannot target them.",
    },
}
NO_SERVER = "No media server is configured."


def server_capabilities(providers: Providers) -> dict[str, Any]:
    """The server, how live events arrive, each capability, and why the missing ones are."""
    media = providers.media
    name = media.name if media is not None else None
    flags = {cap: getattr(providers, attr) is not None for cap, (attr, _) in CAPABILITIES.items()}
    reasons = WHY_NOT.get(name or "", {})
    missing = {
        cap: reasons.get(cap) or (NO_SERVER if media is None else f"{name} does not offer this.")
        for cap, ok in flags.items()
        if not ok
    }
    live = providers.live
    return {
        "server": name,
        "live": None if live is None else getattr(live, "mode", "push"),
        "poll_interval_s": getattr(live, "interval", None) if live is not None else None,
        "capabilities": flags,
        "descriptions": {cap: text for cap, (_, text) in CAPABILITIES.items()},
        "unsupported": missing,
    }


def not_supported(providers: Providers, capability: str) -> NotSupportedByServer | None:
    """The error for a capability the configured server lacks; None when no server is set up."""
    media = providers.media
    if media is None:
        return None
    reason = WHY_NOT.get(media.name, {}).get(capability) or f"{media.name} does not offer this."
    return NotSupportedByServer(reason, details={"capability": capability, "server": media.name})
