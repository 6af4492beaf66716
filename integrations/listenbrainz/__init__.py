"""ListenBrainz integration: scrobbling out (playing now, listens) and listening history in."""

from integrations.listenbrainz.setup import async_setup_entry, async_unload_entry

__all__ = ["async_setup_entry", "async_unload_entry"]
