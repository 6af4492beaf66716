"""CLI: run a fake Jellyfin server until Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from .server import DEFAULT_USERS, FAKE_API_KEY, FakeJellyfin
from .state import SUPPORTED_VERSIONS


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse command-line options."""
    p = argparse.ArgumentParser(prog="python -m companion.testing.jellyfin", description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8096)
    p.add_argument("--tracks", type=int, default=2000)
    p.add_argument("--version", default="10.10.7", choices=SUPPORTED_VERSIONS)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--realistic", action="store_true", help="real-server delays and debounces")
    return p.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    """Start the fake and wait forever."""
    fake = FakeJellyfin(
        tracks=args.tracks, version=args.version, seed=args.seed, realistic_timing=args.realistic
    )
    url = await fake.start(host=args.host, port=args.port)
    print(f"Fake Jellyfin {args.version} at {url}", flush=True)
    print(f"API key: {FAKE_API_KEY}", flush=True)
    for name, (pw, admin) in DEFAULT_USERS.items():
        role = "admin" if admin else "user"
        print(f"User: {name} / {pw} ({role}, id {fake.user_id(name)})", flush=True)
    print(
        f"Library: {len(fake.library.tracks)} tracks; control plane at {url}/__fake__/", flush=True
    )
    try:
        await asyncio.Event().wait()
    finally:
        await fake.stop()


def main(argv: list[str] | None = None) -> None:
    """Entry point."""
    args = parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args))


if __name__ == "__main__":
    main()
