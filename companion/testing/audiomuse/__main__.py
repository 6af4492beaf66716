"""CLI: run a fake AudioMuse-AI until Ctrl-C, analysing the library a fake Jellyfin generates.

Start it with the same --tracks and --seed as `python -m companion.testing.jellyfin` and the
item ids match that fake's.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from companion.testing.audiomuse.server import FAKE_AUDIOMUSE_TOKEN, FakeAudioMuse
from companion.testing.jellyfin.library import Library


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse command-line options."""
    p = argparse.ArgumentParser(prog="python -m companion.testing.audiomuse", description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--tracks", type=int, default=2000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--unanalysed", action="store_true", help="start with no index (503/3002)")
    return p.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    """Start the fake and wait forever."""
    fake = FakeAudioMuse(Library(tracks=args.tracks, seed=args.seed), analysed=not args.unanalysed)
    url = await fake.start(host=args.host, port=args.port)
    print(f"Fake AudioMuse-AI v3.4.0 at {url}", flush=True)
    print(f"API token: {FAKE_AUDIOMUSE_TOKEN}", flush=True)
    print(f"Analysed: {len(fake.state.songs)} tracks", flush=True)
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
