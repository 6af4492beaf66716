"""Admin routes showing the webhook secret and how to point the Jellyfin plugin at it."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from companion import keys
from companion.live.webhook_secrets import WebhookSecret
from web.json import get_str, json_response, read_json
from web.routing import ApiRouter

router = ApiRouter("settings")


def _base_url(request: web.Request) -> str:
    public = request.app[keys.SETTINGS].public_url
    return public or f"{request.scheme}://{request.host}"


def _describe(request: web.Request, secret: WebhookSecret) -> dict[str, Any]:
    url = f"{_base_url(request)}/webhooks/jellyfin"
    return {
        "url": url,
        "header": secret.header,
        "secret": secret.secret,
        "instructions": [
            "In Jellyfin: Dashboard → Plugins → Catalog, install “Webhook”, restart Jellyfin.",
            "Dashboard → Plugins → Webhook → Add Generic Destination.",
            f"Webhook Url: {url}",
            "Notification Type: tick Item Added, Item Deleted, Playback Start, Playback Progress, "
            "Playback Stop, User Data Saved and Task Completed.",
            "Item Type: tick Songs and Albums.",
            "Tick “Send All Properties (ignores template)”.",
            f"Headers → Add: Key “{secret.header}”, Value “{secret.secret}”.",
            "Save. The companion answers 401 to any request without that header.",
        ],
    }


@router.get(
    "/api/settings/webhooks/jellyfin",
    summary="The Jellyfin webhook URL, header and secret",
    auth="admin",
)
async def get_webhook(request: web.Request) -> web.Response:
    """Show the receiver URL and secret with copy-paste instructions for the plugin."""
    secret = await request.app[keys.LIVE].secrets.get("jellyfin")
    return json_response(_describe(request, secret))


@router.post(
    "/api/settings/webhooks/jellyfin/rotate", summary="Generate a new webhook secret", auth="admin"
)
async def rotate_webhook(request: web.Request) -> web.Response:
    """Replace the secret; the old one stops working at once."""
    secret = await request.app[keys.LIVE].secrets.rotate("jellyfin")
    return json_response(_describe(request, secret))


@router.put(
    "/api/settings/webhooks/jellyfin",
    summary="Change the header that carries the webhook secret",
    auth="admin",
    body={"type": "object", "properties": {"header": {"type": "string"}}, "required": ["header"]},
)
async def set_webhook_header(request: web.Request) -> web.Response:
    """Set the header name the plugin sends the secret in."""
    body = await read_json(request)
    header = get_str(body, "header", max_len=64) or ""
    secret = await request.app[keys.LIVE].secrets.set_header("jellyfin", header.strip())
    return json_response(_describe(request, secret))
