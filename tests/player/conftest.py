"""The player tests use the music API's fixtures: a signed-in app on the fake Jellyfin."""

from tests.web.conftest import fake_log, music_client

__all__ = ["fake_log", "music_client"]
