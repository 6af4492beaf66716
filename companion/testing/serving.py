"""Serving an aiohttp app on a local port, as every fake and benchmark does."""

from __future__ import annotations

from typing import Any

from aiohttp import web


async def serve(
    app: web.Application, host: str = "127.0.0.1", port: int = 0, **runner_kw: Any
) -> tuple[web.AppRunner, int]:
    """Start `app` on host:port (0 picks a free port); return its runner and the bound port."""
    runner_kw.setdefault("access_log", None)
    runner_kw.setdefault("handle_signals", False)
    # A stopping fake cuts what it is still sending, as a stopped server does; aiohttp's default
    # would wait 60 s for a stream nobody reads (a paused player's proxy, say).
    runner_kw.setdefault("shutdown_timeout", 1.0)
    runner = web.AppRunner(app, **runner_kw)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    # aiohttp keeps the listening server private; its socket is the only place the port lives.
    server = site._server
    sockets = getattr(server, "sockets", None) or []
    return runner, int(sockets[0].getsockname()[1]) if sockets else port
