"""Small loopback servers for config-flow edge cases the fake Jellyfin does not cover."""

from __future__ import annotations

import datetime as dt
import ssl
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@asynccontextmanager
async def serve(
    routes: Callable[[web.Application], None], ssl_context: ssl.SSLContext | None = None
) -> AsyncIterator[str]:
    """Serve an app on 127.0.0.1:0 and yield its base URL."""
    app = web.Application()
    routes(app)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ssl_context)
    await site.start()
    port = runner.addresses[0][1]
    scheme = "https" if ssl_context else "http"
    try:
        yield f"{scheme}://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def answering(
    status: int, body: str, content_type: str = "text/html"
) -> Callable[[web.Application], None]:
    """Routes that answer every GET the same way."""

    async def handler(request: web.Request) -> web.Response:
        return web.Response(status=status, text=body, content_type=content_type)

    def add(app: web.Application) -> None:
        app.router.add_get("/{tail:.*}", handler)

    return add


def jellyfin_without_music(api_key: str) -> Callable[[web.Application], None]:
    """A minimal Jellyfin whose only libraries are Movies and Shows."""
    public = {
        "ServerName": "movies-only",
        "Version": "10.11.6",
        "ProductName": "Jellyfin Server",
        "Id": "c" * 32,
    }

    def authorised(request: web.Request) -> bool:
        return f'Token="{api_key}"' in request.headers.get("Authorization", "")

    async def info_public(request: web.Request) -> web.Response:
        return web.json_response(public)

    async def info(request: web.Request) -> web.Response:
        if not authorised(request):
            return web.Response(status=401)
        return web.json_response(public)

    async def folders(request: web.Request) -> web.Response:
        if not authorised(request):
            return web.Response(status=401)
        body: list[dict[str, Any]] = [
            {"Name": "Movies", "CollectionType": "movies", "ItemId": "1" * 32, "Locations": []},
            {"Name": "Shows", "CollectionType": "tvshows", "ItemId": "2" * 32, "Locations": []},
        ]
        return web.json_response(body)

    def add(app: web.Application) -> None:
        app.router.add_get("/System/Info/Public", info_public)
        app.router.add_get("/System/Info", info)
        app.router.add_get("/Library/VirtualFolders", folders)

    return add


def self_signed_context(directory: Path) -> ssl.SSLContext:
    """A server TLS context with a throwaway self-signed certificate for 127.0.0.1."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    return context
