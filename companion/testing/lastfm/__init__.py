"""A fake Last.fm web service (auth, now playing, scrobbles, recent tracks) on 127.0.0.1."""

from __future__ import annotations

from companion.testing.lastfm.server import FakeLastFm, LastFmUser, sign

__all__ = ["FakeLastFm", "LastFmUser", "sign"]
