"""Last.fm integration: scrobbling out (now playing, scrobbles) and recent tracks in."""

from integrations.lastfm.setup import async_setup_entry, async_unload_entry

__all__ = ["async_setup_entry", "async_unload_entry"]
