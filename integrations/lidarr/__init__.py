"""Lidarr integration: albums looked up, their artists added, searched and imported by Lidarr."""

from integrations.lidarr.setup import async_setup_entry, async_unload_entry

__all__ = ["async_setup_entry", "async_unload_entry"]
