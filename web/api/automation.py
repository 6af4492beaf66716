"""Automation hooks (per user) and outgoing webhook targets with their delivery log (admins)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from companion import keys
from companion.automation.hooks import validate_actions
from companion.automation.outgoing import validate_event_types, validate_url
from companion.automation.services import AutomationServices
from companion.errors import InvalidInput, NotFound
from companion.names import clean_name
from web.json import get_str, json_response, read_json
from web.middlewares import principal_of
from web.routing import ApiRouter
from web.schemas import DELIVERY, HOOK, STR, TARGET, items, obj
from web.urls import external_base

router = ApiRouter("automation")

_HOOK_BODY = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "actions": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["name"],
}
_TARGET_BODY = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "url": {"type": "string"},
        "event_types": {"type": "array", "items": {"type": "string"}},
        "secret": {"type": "string"},
        "enabled": {"type": "boolean"},
    },
}


def _services(request: web.Request) -> AutomationServices:
    return request.app[keys.AUTOMATION]


def _base_url(request: web.Request) -> str:
    return external_base(request)


def _with_url(request: web.Request, hook: dict[str, Any]) -> dict[str, Any]:
    return hook | {"url": _base_url(request) + hook["url_path"]}


def _target_id(request: web.Request) -> int:
    raw = request.match_info["target_id"]
    if not raw.isdigit() or len(raw) > 12:
        raise NotFound("No such outgoing webhook target.", code="target_not_found")
    return int(raw)


def _name(body: dict[str, Any], required: bool = True) -> str | None:
    name = get_str(body, "name", required=required, max_len=100)
    return clean_name(name, max_len=100) if name is not None else None


# -- automation hooks ------------------------------------------------------------------------


@router.get("/api/automation/hooks", summary="Your automation webhooks", returns=items(HOOK))
async def list_hooks(request: web.Request) -> web.Response:
    """List the caller's hooks (tokens are never shown again)."""
    hooks = await _services(request).hooks.list_all(principal_of(request))
    return json_response({"items": [_with_url(request, h) for h in hooks]})


@router.post(
    "/api/automation/hooks",
    summary="Create an automation webhook (the token is shown once)",
    body=_HOOK_BODY,
    responses={"201": "Created"},
    returns=obj(token=STR, **HOOK["properties"]),
)
async def create_hook(request: web.Request) -> web.Response:
    """Create a hook acting as the caller; answer its URL and token."""
    body = await read_json(request)
    name = _name(body) or ""
    actions = validate_actions(body.get("actions"))
    principal = principal_of(request)
    if principal.user_id is None:
        raise InvalidInput("Sign in as a user to create automation hooks.")
    hook, token = await _services(request).hooks.create(principal.user_id, name, actions)
    return json_response(_with_url(request, hook) | {"token": token}, status=201)


@router.post(
    "/api/automation/hooks/{hook_id}/rotate",
    summary="Issue a new token for a hook (shown once)",
    returns=obj(token=STR, **HOOK["properties"]),
)
async def rotate_hook(request: web.Request) -> web.Response:
    """Replace the hook's token; the old one stops working at once."""
    hook, token = await _services(request).hooks.rotate(
        principal_of(request), request.match_info["hook_id"]
    )
    return json_response(_with_url(request, hook) | {"token": token})


@router.delete(
    "/api/automation/hooks/{hook_id}",
    summary="Delete an automation webhook",
    responses={"204": "Deleted"},
    returns=None,
)
async def delete_hook(request: web.Request) -> web.Response:
    """Delete one of the caller's hooks."""
    await _services(request).hooks.delete(principal_of(request), request.match_info["hook_id"])
    return web.Response(status=204)


# -- outgoing webhooks -----------------------------------------------------------------------


@router.get(
    "/api/automation/targets",
    summary="Outgoing webhook targets",
    auth="admin",
    returns=items(TARGET),
)
async def list_targets(request: web.Request) -> web.Response:
    """List every target (secrets are never shown again)."""
    return json_response({"items": await _services(request).targets.list_all()})


@router.post(
    "/api/automation/targets",
    summary="Add an outgoing webhook target (the secret is shown once)",
    auth="admin",
    body=_TARGET_BODY | {"required": ["name", "url", "event_types"]},
    responses={"201": "Created"},
    returns=TARGET,
)
async def create_target(request: web.Request) -> web.Response:
    """Create a target receiving the chosen event types, signed with HMAC-SHA256."""
    body = await read_json(request)
    name = _name(body) or ""
    url = validate_url(body.get("url"))
    event_types = validate_event_types(body.get("event_types"))
    secret = get_str(body, "secret", required=False, max_len=200)
    if secret is not None and len(secret) < 16:
        raise InvalidInput("'secret' must be at least 16 characters.", details={"field": "secret"})
    target = await _services(request).targets.create(name, url, event_types, secret)
    return json_response(target, status=201)


@router.patch(
    "/api/automation/targets/{target_id}",
    summary="Change an outgoing webhook target",
    auth="admin",
    body=_TARGET_BODY,
    returns=TARGET,
)
async def update_target(request: web.Request) -> web.Response:
    """Change name, URL, event types or enabled."""
    body = await read_json(request)
    changes: dict[str, Any] = {}
    if "name" in body:
        changes["name"] = _name(body)
    if "url" in body:
        changes["url"] = validate_url(body["url"])
    if "event_types" in body:
        changes["event_types"] = validate_event_types(body["event_types"])
    if "enabled" in body:
        if not isinstance(body["enabled"], bool):
            raise InvalidInput("'enabled' must be true or false.", details={"field": "enabled"})
        changes["enabled"] = body["enabled"]
    unknown = sorted(set(body) - {"name", "url", "event_types", "enabled"})
    if unknown:
        raise InvalidInput(f"Unknown fields: {', '.join(unknown)[:200]}.")
    target = await _services(request).targets.update(_target_id(request), changes)
    return json_response(target)


@router.post(
    "/api/automation/targets/{target_id}/rotate",
    summary="Replace a target's signing secret (shown once)",
    auth="admin",
    returns=TARGET,
)
async def rotate_target(request: web.Request) -> web.Response:
    """Issue a new signing secret."""
    return json_response(await _services(request).targets.rotate_secret(_target_id(request)))


@router.delete(
    "/api/automation/targets/{target_id}",
    summary="Delete an outgoing webhook target",
    auth="admin",
    responses={"204": "Deleted"},
    returns=None,
)
async def delete_target(request: web.Request) -> web.Response:
    """Delete a target and its delivery log."""
    await _services(request).targets.delete(_target_id(request))
    return web.Response(status=204)


@router.get(
    "/api/automation/targets/{target_id}/deliveries",
    summary="The delivery log of a target (newest first)",
    auth="admin",
    returns=items(DELIVERY),
)
async def list_deliveries(request: web.Request) -> web.Response:
    """The newest 100 deliveries with status, attempts and last error."""
    items = await _services(request).targets.deliveries(_target_id(request))
    return json_response({"items": items})


@router.post(
    "/api/automation/targets/{target_id}/test",
    summary="Send a test event to a target now",
    auth="admin",
    returns=DELIVERY,
)
async def send_test(request: web.Request) -> web.Response:
    """Send `companion.test` at once and answer the delivery log row (retried if it failed)."""
    row = await _services(request).outbox.send_test(_target_id(request))
    return json_response(row)
