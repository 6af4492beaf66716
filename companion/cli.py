"""The `companion` command line: serve, migrate, check."""

from __future__ import annotations

import argparse
import asyncio
import errno
import logging
import socket
import sys
from collections.abc import Sequence
from pathlib import Path

from companion import __version__
from companion.crypto import StartupError
from companion.settings import Settings, SettingsError, load_settings

_LOGGER = logging.getLogger("companion")


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir", type=Path, help="data directory (COMPANION_DATA_DIR, default ./data)"
    )


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="companion",
        description="The Jellyfin music companion. Settings come from COMPANION_* environment "
        "variables (and an optional TOML file named by COMPANION_CONFIG).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser(
        "serve", help="run the service", description="Run the companion service."
    )
    serve.add_argument("--host", help="address to listen on (COMPANION_HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (COMPANION_PORT, default 8097)")
    _add_common(serve)

    migrate = sub.add_parser(
        "migrate",
        help="apply database migrations and exit",
        description="Apply pending migrations.",
    )
    _add_common(migrate)

    check = sub.add_parser(
        "check",
        help="validate settings, the database and every integration",
        description="Validate settings, open the database and test every configured "
        "integration's connection; one line per check; non-zero exit if any fails.",
    )
    _add_common(check)

    demo = sub.add_parser(
        "demo",
        help="run a fake Jellyfin with a generated library and the companion wired to it",
        description="Start a fake Jellyfin (users demo/demo, an administrator, and guest/guest) "
        "and the companion configured to use it. Data goes to a temporary directory unless "
        "--data-dir is given.",
    )
    demo.add_argument("--host", help="companion address (default 127.0.0.1)")
    demo.add_argument("--port", type=int, help="companion port (default 8097)")
    demo.add_argument(
        "--jellyfin-port", type=int, default=8096, help="fake Jellyfin port (default 8096)"
    )
    demo.add_argument(
        "--tracks", type=int, default=2000, help="size of the generated library (default 2000)"
    )
    _add_common(demo)
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings()
    return settings.with_overrides(
        host=getattr(args, "host", None),
        port=getattr(args, "port", None),
        data_dir=getattr(args, "data_dir", None),
    )


def _serve(settings: Settings) -> int:
    from aiohttp import web

    from companion.app import create_app

    if not 1 <= settings.port <= 65535:
        raise SettingsError(f"--port: expected a port number 1-65535, got {settings.port}")
    # Before anything starts (the setup token line among it), so a taken port is one clear line.
    if _port_in_use(settings.host, settings.port):
        raise StartupError(_port_in_use_message(settings))
    app = create_app(settings)
    try:
        web.run_app(
            app,
            host=settings.host,
            port=settings.port,
            print=lambda _msg: _LOGGER.info(
                "Companion %s listening on http://%s:%s", __version__, settings.host, settings.port
            ),
            access_log=logging.getLogger("aiohttp.access"),
            shutdown_timeout=10,
        )
    except OSError as err:
        # Another program took the port between the check above and the bind.
        if err.errno != errno.EADDRINUSE:
            raise
        raise StartupError(_port_in_use_message(settings)) from None
    return 0


def _port_in_use_message(settings: Settings) -> str:
    return (
        f"port {settings.port} on {settings.host} is already in use; set COMPANION_PORT "
        "(or --port) to a free port, or stop the program using it"
    )


def _port_in_use(host: str, port: int) -> bool:
    """Tell whether binding host:port would fail because something holds it (as aiohttp binds)."""
    try:
        addresses = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
    except OSError:
        return False  # an unresolvable host gets aiohttp's own error
    for family, kind, proto, _, address in addresses:
        with socket.socket(family, kind, proto) as sock:
            # Like asyncio's create_server: a port left in TIME_WAIT is not in use.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(address)
            except OSError as err:
                if err.errno == errno.EADDRINUSE:
                    return True
    return False


async def _migrate(settings: Settings) -> int:
    from companion.crypto import prepare_data_dir
    from companion.db.database import Database

    if settings.is_sqlite:
        prepare_data_dir(settings.data_dir)
    database = Database(settings.resolved_database_url)
    await database.open()
    try:
        applied = await database.migrate()
    finally:
        await database.close()
    print(
        f"Applied {len(applied)} migration(s)"
        + (": " + ", ".join(applied) if applied else "; the database is up to date.")
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `companion` console script."""
    args = build_parser().parse_args(argv)
    try:
        settings = _settings(args)
    except SettingsError as err:
        print(f"companion: configuration error: {err}", file=sys.stderr)
        return 2
    from companion.logs import setup_logging

    setup_logging(settings.log_level)
    try:
        if args.command == "serve":
            return _serve(settings)
        if args.command == "migrate":
            return asyncio.run(_migrate(settings))
        if args.command == "demo":
            from companion.demo import run_demo

            # The same one line as `serve` for a taken port, before the fake Jellyfin starts.
            if _port_in_use(settings.host, settings.port):
                raise StartupError(_port_in_use_message(settings))
            if _port_in_use("127.0.0.1", args.jellyfin_port):
                raise StartupError(
                    f"port {args.jellyfin_port} on 127.0.0.1 (the fake Jellyfin's) is already in "
                    "use; choose another with --jellyfin-port"
                )
            asyncio.run(run_demo(settings, jellyfin_port=args.jellyfin_port, tracks=args.tracks))
            return 0
        if args.command == "check":
            from companion.check import run_checks

            return asyncio.run(run_checks(settings))
    except (StartupError, SettingsError) as err:
        print(f"companion: cannot start: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
