"""Navidrome: a second media server, spoken to over the Subsonic (OpenSubsonic) API."""

from __future__ import annotations

from integrations.navidrome.setup import async_setup_entry, async_unload_entry

__all__ = ["async_setup_entry", "async_unload_entry"]
