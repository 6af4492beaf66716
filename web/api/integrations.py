"""Admin routes to add, test, reload, inspect and remove integration config entries."""

from __future__ import annotations

import logging

from aiohttp import web

from companion import keys
from web.json import get_dict, get_str, json_response, read_json
from web.routing import ApiRouter
from web.schemas import BOOL, ENTRY, OBJ, arr, obj

_LOGGER = logging.getLogger(__name__)

router = ApiRouter("integrations")

_CREATE_BODY = {
    "type": "object",
    "properties": {"domain": {"type": "string"}, "data": {"type": "object"}},
    "required": ["domain", "data"],
}


@router.get(
    "/api/integrations/available",
    summary="Integrations that can be added, with their config schema",
    auth="admin",
    returns=obj(integrations=arr(OBJ)),
)
async def list_available(request: web.Request) -> web.Response:
    """List installed integrations and the fields their config flow asks for."""
    entries = request.app[keys.ENTRIES]
    items = []
    for integration in sorted(entries.integrations.values(), key=lambda i: i.manifest.name):
        try:
            description = integration.describe()
        except (ImportError, AttributeError):
            # A broken integration package must not hide the working ones.
            _LOGGER.exception("Integration %s cannot be loaded", integration.domain)
            continue
        description["env_values"] = sorted(entries.env_values(integration))
        items.append(description)
    return json_response({"integrations": items})


@router.get(
    "/api/integrations",
    summary="Configured integration entries with their state",
    auth="admin",
    returns=obj(entries=arr(ENTRY)),
)
async def list_entries(request: web.Request) -> web.Response:
    """List config entries; secrets are never included."""
    entries = request.app[keys.ENTRIES]
    return json_response({"entries": [entries.describe(e) for e in entries.entries()]})


@router.post(
    "/api/integrations",
    summary="Add an integration (tests the connection first; nothing is saved on failure)",
    auth="admin",
    body=_CREATE_BODY,
    responses={"201": "Created", "400": "Invalid input or failed connection test"},
    returns=obj(entry=ENTRY, test=OBJ),
)
async def create_entry(request: web.Request) -> web.Response:
    """Run the config flow: validate, test the connection, then store and set up."""
    body = await read_json(request)
    domain = get_str(body, "domain", max_len=64)
    data = get_dict(body, "data")
    entries = request.app[keys.ENTRIES]
    entry, result = await entries.create(str(domain), data)
    return json_response({"entry": entries.describe(entry), "test": result.as_dict()}, status=201)


@router.post(
    "/api/integrations/{entry_id}/test",
    summary="Test a configured entry's connection",
    auth="admin",
    returns=obj(test=obj(ok=BOOL)),
)
async def test_entry(request: web.Request) -> web.Response:
    """Test the connection with the entry's effective configuration."""
    result = await request.app[keys.ENTRIES].test(request.match_info["entry_id"])
    return json_response({"test": result.as_dict()})


@router.post(
    "/api/integrations/{entry_id}/reload",
    summary="Reload an entry",
    auth="admin",
    returns=obj(entry=ENTRY),
)
async def reload_entry(request: web.Request) -> web.Response:
    """Unload and set the entry up again."""
    entries = request.app[keys.ENTRIES]
    entry = await entries.reload(request.match_info["entry_id"])
    return json_response({"entry": entries.describe(entry)})


@router.get(
    "/api/integrations/{entry_id}/diagnostics",
    summary="Download redacted diagnostics",
    auth="admin",
    returns=OBJ,
)
async def diagnostics(request: web.Request) -> web.Response:
    """Return diagnostics as a JSON download; every secret is redacted."""
    entry_id = request.match_info["entry_id"]
    body = await request.app[keys.ENTRIES].diagnostics(entry_id)
    return json_response(
        body, headers={"Content-Disposition": f'attachment; filename="diagnostics-{entry_id}.json"'}
    )


@router.delete(
    "/api/integrations/{entry_id}",
    summary="Remove an entry",
    auth="admin",
    responses={"204": "Removed"},
    returns=None,
)
async def remove_entry(request: web.Request) -> web.Response:
    """Unload and delete the entry."""
    await request.app[keys.ENTRIES].remove(request.match_info["entry_id"])
    return web.Response(status=204)
