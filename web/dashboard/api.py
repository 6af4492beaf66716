"""The one API route the dashboard adds: test an integration's settings without saving them."""

from __future__ import annotations

from aiohttp import web

from companion import keys
from companion.integration import schema as schema_mod
from web.json import get_dict, get_str, json_response, read_json
from web.routing import ApiRouter
from web.schemas import BOOL, obj

router = ApiRouter("integrations")


@router.post(
    "/api/integrations/test",
    summary="Test an integration's settings without saving anything",
    auth="admin",
    body={
        "type": "object",
        "properties": {"domain": {"type": "string"}, "data": {"type": "object"}},
        "required": ["domain", "data"],
    },
    responses={"200": "{test: {ok, error?, warnings}}", "400": "Invalid input"},
    returns=obj(test=obj(ok=BOOL)),
)
async def test_settings(request: web.Request) -> web.Response:
    """Validate the form values, then run the connection test (the setup page's button)."""
    body = await read_json(request)
    domain = str(get_str(body, "domain", max_len=64))
    data = get_dict(body, "data")
    entries = request.app[keys.ENTRIES]
    integration = entries.integration(domain)
    env = entries.env_values(integration)
    valid = schema_mod.validate(integration.schema, data, present=env)
    # The values typed into the form are the ones tested; the environment fills in the rest
    # (a field the environment sets is not even shown as an input).
    typed = {k: v for k, v in valid.items() if data.get(k) not in (None, "")}
    result = await entries.run_test(integration, {**valid, **env, **typed})
    return json_response({"test": result.as_dict()})
