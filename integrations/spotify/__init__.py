"""Spotify integration: public playlists by URL for imports, through the embed page."""

from integrations.spotify.setup import async_setup_default, async_setup_entry, async_unload_entry

__all__ = ["async_setup_default", "async_setup_entry", "async_unload_entry"]
