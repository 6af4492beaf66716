"""AudioMuse-AI integration: sonic analysis (similar tracks, text search, alchemy, song path)."""

from integrations.audiomuse.setup import async_setup_entry, async_unload_entry

__all__ = ["async_setup_entry", "async_unload_entry"]
