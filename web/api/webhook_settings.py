"""Admin routes showing the webhook secret and how to point the Jellyfin plugin at it."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from companion import keys
from companion.live.webhook_secrets import WebhookSecret
from web.json import get_str, json_response, read_json
from web.routing import ApiRouter
from web.schemas import WEBHOOK
from web.urls import listens_on_loopback_only, service_base

router = ApiRouter("settings")

SOURCE = "jellyfin"
WEBHOOK_NAME = "Jellyfin Companion"
# The plugin's Notification Type labels the receiver handles, in the order the plugin lists
# them (its config page sorts by NotificationType name).
NOTIFICATION_TYPES = (
    "Item Added",
    "Item Deleted",
    "Playback Progress",
    "Playback Start",
    "Playback Stop",
    "Task Completed",
    "User Data Saved",
)
REQUIRED_TITLE = "Required for live library changes with an API key."
REQUIRED_TEXT = (
    "Jellyfin is connected with an API key only, so library changes, finished scans and "
    "everyone's playback reach the companion only through this plugin. (An administrator login "
    "in the Jellyfin integration is the other way.)"
)


def _reachability(request: web.Request, source: str) -> dict[str, str] | None:
    """Say plainly when the URL shown is one Jellyfin in another container cannot call."""
    settings = request.app[keys.SETTINGS]
    if source != "request":
        return None
    if listens_on_loopback_only(settings):
        return {
            "level": "error",
            "message": (
                f"The companion listens on {settings.host} only, so a Jellyfin in another "
                "container or on another machine cannot reach it. Set COMPANION_HOST=0.0.0.0 "
                "and COMPANION_PUBLIC_URL (or COMPANION_INTERNAL_URL, e.g. "
                f"http://companion:{settings.port} on a compose network) to an address Jellyfin "
                "can reach, then restart the companion."
            ),
        }
    return {
        "level": "warning",
        "message": (
            "This URL is your browser's own address, which a Jellyfin in another container may "
            "not reach. Set COMPANION_INTERNAL_URL (e.g. "
            f"http://companion:{settings.port} on a compose network) or COMPANION_PUBLIC_URL to "
            "the address Jellyfin uses."
        ),
    }


def _jellyfin_address(request: web.Request) -> str | None:
    entries = request.app[keys.ENTRIES].entries("jellyfin")
    if not entries:
        return None
    data = entries[0].data
    value = data.get("public_url") or data.get("url")
    return str(value) if value else None


def plugin_form(url: str, secret: WebhookSecret, jellyfin: str | None) -> list[dict[str, Any]]:
    """The Webhook plugin's form, field by field in its own order, with what to enter.

    Labels are the plugin's own (Jellyfin.Plugin.Webhook, Configuration/Web/config.html).
    `value` is text to paste (the page offers a copy button), `ticks` checkboxes to tick.
    """
    return [
        {
            "field": "Server Url",
            "value": jellyfin or "",
            "note": (
                "At the top of the plugin page, required: your Jellyfin's own address (the "
                "plugin uses it for links in messages), not the companion's."
            ),
        },
        {"field": "Add Generic Destination", "note": "Click it; fill in the new Generic block."},
        {"field": "Webhook Name", "value": WEBHOOK_NAME, "note": "Required; any name will do."},
        {"field": "Webhook Url", "value": url, "note": "Required."},
        {"field": "Status", "ticks": ["Enable"], "note": "Ticked by default; keep it."},
        {"field": "Notification Type", "ticks": list(NOTIFICATION_TYPES)},
        {"field": "User Filter", "note": "Leave every user unticked: that means all users."},
        {
            "field": "Item Type",
            "ticks": ["Albums", "Songs"],
            "note": "The companion ignores the other types; untick them to spare the traffic.",
        },
        {
            "field": "Send All Properties (ignores template)",
            "note": "Tick it: the companion reads the plugin's full JSON, not a template.",
        },
        {
            "field": "Add Request Header",
            "note": "Click it, then fill in Key and Value.",
            "header": {"key": secret.header, "value": secret.secret},
        },
        {"field": "Save", "note": "At the bottom of the plugin page."},
    ]


def _step(item: dict[str, Any]) -> str:
    """One line of the plain-text instructions."""
    text = str(item["field"])
    if item.get("value"):
        text += f": {item['value']}"
    if item.get("ticks"):
        text += ": tick " + ", ".join(item["ticks"])
    if item.get("header"):
        text += f": Key “{item['header']['key']}”, Value “{item['header']['value']}”"
    if item.get("note"):
        text += f" ({item['note']})"
    return text


async def describe(request: web.Request, secret: WebhookSecret | None = None) -> dict[str, Any]:
    """Everything the settings page and the API show about the Jellyfin webhook."""
    live = request.app[keys.LIVE]
    secret = secret or await live.secrets.get(SOURCE)
    base, source = service_base(request)
    url = f"{base}/webhooks/jellyfin"
    form = plugin_form(url, secret, _jellyfin_address(request))
    last = await live.activity.last(SOURCE)
    required = live.sockets.notice is not None
    return {
        "url": url,
        "url_source": source,
        "header": secret.header,
        "secret": secret.secret,
        "reachability": _reachability(request, source),
        "required": required,
        "required_notice": f"{REQUIRED_TITLE} {REQUIRED_TEXT}" if required else None,
        "last_received": last.as_dict() if last is not None else None,
        "plugin_form": form,
        "instructions": [
            "In Jellyfin: Dashboard → Plugins → Catalog, install “Webhook”, restart Jellyfin, "
            "then open Dashboard → Plugins → Webhook.",
            *(_step(item) for item in form),
            "The companion answers 401 to any request without that header.",
        ],
    }


@router.get(
    "/api/settings/webhooks/jellyfin",
    summary="The Jellyfin webhook URL, header and secret",
    auth="admin",
    returns=WEBHOOK,
)
async def get_webhook(request: web.Request) -> web.Response:
    """Show the receiver URL and secret with the plugin's form, field by field."""
    return json_response(await describe(request))


@router.post(
    "/api/settings/webhooks/jellyfin/rotate",
    summary="Generate a new webhook secret",
    auth="admin",
    returns=WEBHOOK,
)
async def rotate_webhook(request: web.Request) -> web.Response:
    """Replace the secret; the old one stops working at once."""
    secret = await request.app[keys.LIVE].secrets.rotate(SOURCE)
    return json_response(await describe(request, secret))


@router.put(
    "/api/settings/webhooks/jellyfin",
    summary="Change the header that carries the webhook secret",
    auth="admin",
    body={"type": "object", "properties": {"header": {"type": "string"}}, "required": ["header"]},
    returns=WEBHOOK,
)
async def set_webhook_header(request: web.Request) -> web.Response:
    """Set the header name the plugin sends the secret in."""
    body = await read_json(request)
    header = get_str(body, "header", max_len=64) or ""
    secret = await request.app[keys.LIVE].secrets.set_header(SOURCE, header.strip())
    return json_response(await describe(request, secret))
