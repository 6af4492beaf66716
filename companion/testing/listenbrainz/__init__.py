"""A fake ListenBrainz API server (listens in and out, tokens, rate limits) on 127.0.0.1."""

from __future__ import annotations

from companion.testing.listenbrainz.server import FakeListenBrainz, LBUser

__all__ = ["FakeListenBrainz", "LBUser"]
