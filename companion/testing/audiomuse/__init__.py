"""A faithful fake AudioMuse-AI server, analysing the fake Jellyfin's library so ids match."""

from companion.testing.audiomuse.server import FAKE_AUDIOMUSE_TOKEN, FakeAudioMuse

__all__ = ["FAKE_AUDIOMUSE_TOKEN", "FakeAudioMuse"]
