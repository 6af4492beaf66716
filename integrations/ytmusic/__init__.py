"""YouTube Music integration: public playlists by URL for imports, through ytmusicapi."""

from integrations.ytmusic.setup import async_setup_default, async_setup_entry, async_unload_entry

__all__ = ["async_setup_default", "async_setup_entry", "async_unload_entry"]
