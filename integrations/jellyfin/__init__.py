"""Jellyfin: the music server the companion is built around."""

from __future__ import annotations

from integrations.jellyfin.setup import async_setup_entry, async_unload_entry

__all__ = ["async_setup_entry", "async_unload_entry"]
