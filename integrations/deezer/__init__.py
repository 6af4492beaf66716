"""Deezer integration: public playlists by URL, for playlist imports (no account needed)."""

from integrations.deezer.setup import async_setup_default, async_setup_entry, async_unload_entry

__all__ = ["async_setup_default", "async_setup_entry", "async_unload_entry"]
