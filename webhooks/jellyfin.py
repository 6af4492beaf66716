"""`POST /webhooks/jellyfin`: the Jellyfin Webhook plugin's Generic destination."""

from __future__ import annotations

from aiohttp import web

from companion import keys
from companion.errors import BadRequest, CompanionError, Unauthorized
from companion.providers.live import Fact
from web.json import json_response
from webhooks.jellyfin_payload import HANDLED, PayloadError, decode, to_facts
from webhooks.routes import router

MAX_BODY = 256 * 1024
SOURCE = "jellyfin"


def parse_stored(payload: str) -> list[Fact]:
    """Turn a stored body back into facts (used by the inbox worker)."""
    return to_facts(decode(payload.encode()))


async def _read_limited(request: web.Request) -> bytes:
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise CompanionError(
            "The webhook body is larger than 256 KB.", code="body_too_large", status=413
        )
    body = await request.content.read(MAX_BODY + 1)
    if len(body) > MAX_BODY:
        raise CompanionError(
            "The webhook body is larger than 256 KB.", code="body_too_large", status=413
        )
    return body


@router.post(
    "/webhooks/jellyfin", summary="Receiver for the Jellyfin Webhook plugin", auth="public"
)
async def receive(request: web.Request) -> web.Response:
    """Authenticate, store the body durably, answer; the overlay is updated right after."""
    live = request.app[keys.LIVE]
    secret = await live.secrets.get(SOURCE)
    if not secret.matches(request.headers.get(secret.header)):
        raise Unauthorized(
            f"Missing or wrong {secret.header} header.", code="invalid_webhook_secret"
        )
    body = await _read_limited(request)
    try:
        payload = decode(body)
    except PayloadError as err:
        raise BadRequest(str(err), code="invalid_payload") from None
    kind = payload["NotificationType"]
    live.activity.record(SOURCE, str(kind))
    if kind not in HANDLED:
        return json_response({"ok": True, "ignored": kind})
    await live.store.store(SOURCE, body.decode("utf-8-sig"))
    live.inbox.notify()
    return json_response({"ok": True})
