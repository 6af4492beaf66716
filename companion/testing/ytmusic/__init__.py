"""A fake of ytmusicapi's YTMusic for playlist imports (see FakeYTMusic)."""

from companion.testing.ytmusic.reader import FakeYTMusic, ytmusic_track

__all__ = ["FakeYTMusic", "ytmusic_track"]
