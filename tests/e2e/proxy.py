"""A reverse proxy for tests: serves an upstream under a path prefix, as Caddy or nginx would.

It strips the prefix (like Caddy's `handle_path`, nginx's `proxy_pass http://up/;` or
Traefik's StripPrefix), sets X-Forwarded-For/Proto/Host, passes websocket upgrades through and
answers 404 to anything outside the prefix, recording it, so a test can show that a page never
asked for a URL without the prefix.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import aiohttp
from aiohttp import WSMsgType, web
from multidict import CIMultiDict

from companion.testing.serving import serve

# Hop-by-hop headers (RFC 9110 §7.6.1) and the ones the client session sets itself.
_HOP = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
}


class StripPrefixProxy:
    """Forwards `<prefix>/x` to `<upstream>/x`; everything else is a recorded 404."""

    def __init__(self, upstream: str, prefix: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.prefix = prefix
        self.outside: list[str] = []
        self.forwarded: list[str] = []
        self.url = ""
        self._session: aiohttp.ClientSession | None = None

    def _headers(self, request: web.Request) -> CIMultiDict[str]:
        headers = CIMultiDict((k, v) for k, v in request.headers.items() if k.lower() not in _HOP)
        headers["X-Forwarded-For"] = request.remote or ""
        headers["X-Forwarded-Proto"] = request.scheme
        headers["X-Forwarded-Host"] = request.host
        return headers

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.rel_url.raw_path
        if path != self.prefix and not path.startswith(self.prefix + "/"):
            self.outside.append(path)
            return web.Response(status=404, text="outside the proxied prefix")
        tail = path[len(self.prefix) :] or "/"
        self.forwarded.append(tail)
        query = request.rel_url.raw_query_string
        target = self.upstream + tail + (f"?{query}" if query else "")
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return await self._websocket(request, target)
        assert self._session is not None
        async with self._session.request(
            request.method,
            target,
            headers=self._headers(request),
            data=await request.read() if request.can_read_body else None,
            allow_redirects=False,
        ) as upstream:
            response = web.StreamResponse(status=upstream.status, reason=upstream.reason)
            # The body passes through as it came (auto_decompress=False), so its
            # Content-Encoding (gzipped static files) must pass with it, as nginx and Caddy do.
            for key, value in upstream.headers.items():
                if key.lower() not in _HOP:
                    response.headers.add(key, value)
            await response.prepare(request)
            async for chunk in upstream.content.iter_chunked(65536):
                await response.write(chunk)
            await response.write_eof()
            return response

    async def _websocket(self, request: web.Request, target: str) -> web.StreamResponse:
        assert self._session is not None
        headers = self._headers(request)
        for name in ("Sec-WebSocket-Key", "Sec-WebSocket-Version", "Sec-WebSocket-Extensions"):
            headers.popall(name, None)
        client = web.WebSocketResponse()
        await client.prepare(request)
        async with self._session.ws_connect(
            target.replace("http", "ws", 1), headers=headers
        ) as server:

            async def pump(
                source: web.WebSocketResponse | aiohttp.ClientWebSocketResponse,
                sink: web.WebSocketResponse | aiohttp.ClientWebSocketResponse,
            ) -> None:
                async for msg in source:
                    if msg.type == WSMsgType.TEXT:
                        await sink.send_str(msg.data)
                    elif msg.type == WSMsgType.BINARY:
                        await sink.send_bytes(msg.data)
                await sink.close()

            tasks = [
                asyncio.ensure_future(pump(client, server)),
                asyncio.ensure_future(pump(server, client)),
            ]
            _, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task
        return client

    async def start(self) -> web.AppRunner:
        """Listen on a free port of 127.0.0.1."""
        self._session = aiohttp.ClientSession(auto_decompress=False)
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        runner, port = await serve(app)
        self.url = f"http://127.0.0.1:{port}"
        return runner

    async def close(self) -> None:
        """Close the outgoing session."""
        if self._session is not None:
            await self._session.close()


@contextmanager
def running_proxy(upstream: str, prefix: str) -> Iterator[StripPrefixProxy]:
    """Run the proxy on its own event loop in a thread (Playwright's sync API owns the main one)."""
    proxy = StripPrefixProxy(upstream, prefix)
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    runner: list[web.AppRunner] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        runner.append(loop.run_until_complete(proxy.start()))
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=run, name="strip-prefix-proxy", daemon=True)
    thread.start()
    if not ready.wait(30):
        raise TimeoutError("the test proxy did not start")
    try:
        yield proxy
    finally:

        async def stop() -> None:
            await runner[0].cleanup()
            await proxy.close()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(30)
        loop.close()
