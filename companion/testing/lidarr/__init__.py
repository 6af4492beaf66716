"""A fake Lidarr with a metadata catalogue, a library, searches, a queue and webhooks."""

from companion.testing.lidarr.server import FAKE_LIDARR_API_KEY, FakeLidarr
from companion.testing.lidarr.state import Release, tagged_wav

__all__ = ["FAKE_LIDARR_API_KEY", "FakeLidarr", "Release", "tagged_wav"]
