"""A fake of Deezer's public API for playlist imports (see FakeDeezer)."""

from companion.testing.deezer.server import FakeDeezer, deezer_track

__all__ = ["FakeDeezer", "deezer_track"]
