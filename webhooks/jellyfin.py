"""`POST /webhooks/jellyfin`: the Jellyfin Webhook plugin's Generic destination."""

from __future__ import annotations

from aiohttp import web

from companion import keys
from companion.errors import BadRequest, CompanionError, Unauthorized
from companion.live.inbox import SIGNAL as INBOX_SIGNAL
from companion.providers.live import Fact
from web.json import json_response
from web.schemas import OK
from webhooks.jellyfin_payload import HANDLED, PayloadError, decode, states_facts, to_facts
from webhooks.routes import router

MAX_BODY = 256 * 1024
SOURCE = "jellyfin"
_TOO_LARGE = "The webhook body is larger than 256 KB."


def parse_stored(payload: str) -> list[Fact]:
    """Turn a stored body back into facts (used by the inbox worker)."""
    return to_facts(decode(payload.encode()))


async def read_body(request: web.Request, limit: int = MAX_BODY) -> bytes:
    """The whole body, however many TCP segments it came in; 413 past `limit` bytes.

    `StreamReader.read(n)` returns what has arrived so far (up to n), so one call can stop in
    the middle of a body the network split: read until the end of the body.
    """
    if request.content_length is not None and request.content_length > limit:
        raise CompanionError(_TOO_LARGE, code="body_too_large", status=413)
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = await request.content.read(limit + 1 - size)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise CompanionError(_TOO_LARGE, code="body_too_large", status=413)


@router.post(
    "/webhooks/jellyfin",
    summary="Receiver for the Jellyfin Webhook plugin",
    auth="public",
    returns=OK,
)
async def receive(request: web.Request) -> web.Response:
    """Authenticate, store the body durably, answer; the overlay is updated right after."""
    live = request.app[keys.LIVE]
    secret = await live.secrets.get(SOURCE)
    if not secret.matches(request.headers.get(secret.header)):
        raise Unauthorized(
            f"Missing or wrong {secret.header} header.", code="invalid_webhook_secret"
        )
    body = await read_body(request)
    try:
        payload = decode(body)
    except PayloadError as err:
        raise BadRequest(str(err), code="invalid_payload") from None
    kind = payload["NotificationType"]
    live.activity.record(SOURCE, str(kind))
    # Bodies that state nothing the companion uses (other types, video items, progress saves
    # of user data every 10 s) are answered without a write.
    if kind not in HANDLED or not states_facts(payload):
        return json_response({"ok": True, "ignored": kind})
    stored = await live.store.store(SOURCE, body.decode("utf-8-sig"))
    if not stored:
        return json_response({"ok": True, "duplicate": True})
    # The worker may run on another replica: the signal wakes it wherever it is.
    request.app[keys.CLUSTER].signal(INBOX_SIGNAL)
    return json_response({"ok": True})
