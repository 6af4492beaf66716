"""A fake slskd (Soulseek daemon) with peers, searches and download transfers."""

from companion.testing.slskd.server import FAKE_SLSKD_API_KEY, FakeSlskd
from companion.testing.slskd.state import Peer, SharedFile

__all__ = ["FAKE_SLSKD_API_KEY", "FakeSlskd", "Peer", "SharedFile"]
