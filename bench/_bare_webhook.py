"""The bar for `bench.webhook_ingest`: a bare aiohttp handler that checks the secret header,
parses the same JSON body and answers 200 (nothing stored).

    python -m bench._bare_webhook --port N --header X-Name --secret S
"""

from __future__ import annotations

import argparse
import hmac
import json

from aiohttp import web


def main() -> None:
    """Serve until killed."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--header", default="X-Webhook-Secret")
    parser.add_argument("--secret", default="bench")
    args = parser.parse_args()
    secret = args.secret.encode()

    async def receive(request: web.Request) -> web.Response:
        given = (request.headers.get(args.header) or "").encode()
        if not hmac.compare_digest(given, secret):
            return web.json_response({"ok": False}, status=401)
        body = await request.content.read(256 * 1024 + 1)
        try:
            payload = json.loads(body.decode("utf-8-sig"))
        except ValueError:
            return web.json_response({"ok": False}, status=400)
        return web.json_response({"ok": True, "type": payload.get("NotificationType")})

    async def health(_request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/webhooks/jellyfin", receive)
    app.router.add_get("/healthz", health)
    web.run_app(app, host="127.0.0.1", port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
