"""slskd integration: Soulseek searches and downloads of single files through slskd's API."""

from integrations.slskd.setup import async_setup_entry, async_unload_entry

__all__ = ["async_setup_entry", "async_unload_entry"]
