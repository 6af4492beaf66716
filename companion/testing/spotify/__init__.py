"""A fake of Spotify's public playlist embed page (see FakeSpotify)."""

from companion.testing.spotify.server import FakeSpotify, embed_track
from companion.testing.spotify.web_api import web_track

__all__ = ["FakeSpotify", "embed_track", "web_track"]
