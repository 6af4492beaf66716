"""`POST /webhooks/automation/{hook_id}`: automations (Home Assistant, scripts) drive the companion."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from companion import keys
from companion.automation.actions import ACTIONS
from companion.errors import Forbidden, InvalidInput, NotFound, Unauthorized
from web.json import json_response, read_json
from web.schemas import BOOL, STR, obj
from webhooks.routes import router

TOKEN_HEADER = "X-Automation-Token"

BODY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "action": {"type": "string", "enum": list(ACTIONS)},
        "session_id": {"type": "string"},
        "queue_id": {"type": "string"},
        "playlist_id": {"type": "integer"},
        "refs": {"type": "array", "items": {"type": "string"}},
        "mode": {"type": "string"},
        "play": {"type": "boolean"},
    },
    "required": ["action"],
}


def _token(request: web.Request) -> str | None:
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip() or None
    return request.headers.get(TOKEN_HEADER) or None


@router.post(
    "/webhooks/automation/{hook_id}",
    summary="Run a companion action from an automation (hook token as bearer)",
    auth="public",
    body=BODY_SCHEMA,
    returns=obj(ok=BOOL, action=STR),
)
async def receive(request: web.Request) -> web.Response:
    """Check the hook's token and rate, validate the body, run the action as the hook's owner."""
    automation = request.app[keys.AUTOMATION]
    client = request.remote or "unknown"
    automation.hooks.failures.check(client)
    try:
        call = await automation.hooks.verify(request.match_info["hook_id"], _token(request))
    except (NotFound, Unauthorized):
        automation.hooks.failures.failed(client)
        raise
    body = await read_json(request)
    action = body.get("action")
    if not isinstance(action, str):
        raise InvalidInput(
            f"'action' is required: one of {', '.join(ACTIONS)}.", details={"field": "action"}
        )
    if call.actions and action not in call.actions:
        raise Forbidden(
            f"This hook may only run: {', '.join(call.actions)}.", code="action_not_allowed"
        )
    params = {k: v for k, v in body.items() if k != "action"}
    result = await automation.actions.run(call.principal, action, params)
    return json_response({"ok": True, "action": action, "result": result})
