"""`python -m companion.healthcheck`: exit 0 when the companion of these settings answers.

The container's HEALTHCHECK runs it, so it follows COMPANION_PORT (and COMPANION_HOST, or the
TOML file of COMPANION_CONFIG) instead of a port written into the Dockerfile.
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request

from companion.settings import SettingsError, load_settings

TIMEOUT_SECONDS = 4.0
# Listening on every interface: loopback is one of them.
_LOOPBACK_FOR = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}  # noqa: S104


def health_url(host: str, port: int) -> str:
    """The /healthz URL of a companion listening on host:port (routes ignore the base path)."""
    host = _LOOPBACK_FOR.get(host.strip("[]"), host.strip("[]"))
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/healthz"


def main() -> int:
    """Probe /healthz once; print why when it fails."""
    try:
        settings = load_settings()
    except SettingsError as err:
        print(f"unhealthy: {err}", file=sys.stderr)
        return 1
    url = health_url(settings.host, settings.port)
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as resp:  # noqa: S310
            ok = resp.status == 200
    except (urllib.error.URLError, OSError) as err:
        print(f"unhealthy: {url}: {err}", file=sys.stderr)
        return 1
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
