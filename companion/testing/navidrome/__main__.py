"""CLI: run a fake Navidrome server until Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from .server import FakeNavidrome
from .state import DEFAULT_USERS, DEFAULT_VERSION, SUPPORTED_VERSIONS


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse command-line options."""
    p = argparse.ArgumentParser(prog="python -m companion.testing.navidrome", description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=4533)
    p.add_argument("--tracks", type=int, default=2000)
    p.add_argument("--version", default=DEFAULT_VERSION, choices=SUPPORTED_VERSIONS)
    p.add_argument("--seed", type=int, default=1)
    return p.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    """Start the fake and wait forever."""
    fake = FakeNavidrome(tracks=args.tracks, version=args.version, seed=args.seed)
    url = await fake.start(host=args.host, port=args.port)
    print(f"Fake Navidrome {args.version} at {url}/rest", flush=True)
    for name, (pw, admin) in DEFAULT_USERS.items():
        print(f"User: {name} / {pw} ({'admin' if admin else 'user'})", flush=True)
    print(f"Library: {len(fake.state.library.tracks)} tracks", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await fake.stop()


def main(argv: list[str] | None = None) -> None:
    """Entry point."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(parse_args(argv)))


if __name__ == "__main__":
    main()
