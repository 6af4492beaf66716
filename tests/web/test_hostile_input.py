"""Hostile input gets a 4xx in the JSON error shape, never a 500, and nothing is written."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest
from aiohttp import WSMsgType
from aiohttp.test_utils import TestClient

from companion import keys
from companion.accounts.models import ApiToken
from companion.automation.models import AutomationHook
from companion.errors import InvalidInput
from companion.names import clean_name
from tests.conftest import UserFactory

DEEP = "[" * 50_000 + "]" * 50_000
LONE_SURROGATE = b'{"name": "\\ud800"}'


async def _error(resp: Any, status: int) -> dict[str, Any]:
    text = await resp.text()
    assert resp.status == status, text
    body: dict[str, Any] = json.loads(text)
    assert set(body["error"]) >= {"code", "message"}
    return body["error"]


async def raw_request(client: TestClient[Any, Any], head: bytes, body: bytes = b"") -> bytes:
    """Send bytes no HTTP client library would (non-UTF-8 headers); return the raw answer."""
    assert client.server.host is not None and client.server.port is not None
    reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
    try:
        writer.write(
            head + b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n"
            b"Connection: close\r\n\r\n" + body
        )
        await writer.drain()
        return await asyncio.wait_for(reader.read(), timeout=30)
    finally:
        writer.close()


async def test_deeply_nested_json_is_a_400(
    client: TestClient[Any, Any], admin_headers: dict[str, str]
) -> None:
    for path in ("/api/tokens", "/api/automation/hooks", "/api/playlists"):
        resp = await client.post(
            path, data=DEEP, headers={**admin_headers, "Content-Type": "application/json"}
        )
        assert (await _error(resp, 400))["code"] == "invalid_json"
    assert await ApiToken.all().count() == 1  # the fixture's own token only


async def test_deep_json_to_the_webhooks_is_a_400(client: TestClient[Any, Any]) -> None:
    secret = await client.app[keys.LIVE].secrets.get("jellyfin")
    resp = await client.post(
        "/webhooks/jellyfin", data=DEEP, headers={secret.header: secret.secret}
    )
    assert (await _error(resp, 400))["code"] == "invalid_payload"
    lidarr = await client.app[keys.LIVE].secrets.get("lidarr")
    resp = await client.post("/webhooks/lidarr", data=DEEP, headers={lidarr.header: lidarr.secret})
    await _error(resp, 400)


async def test_lone_surrogates_in_names_are_a_400(
    client: TestClient[Any, Any], admin_headers: dict[str, str]
) -> None:
    json_headers = {**admin_headers, "Content-Type": "application/json"}
    for path in ("/api/tokens", "/api/automation/hooks", "/api/playlists", "/api/flows"):
        resp = await client.post(path, data=LONE_SURROGATE, headers=json_headers)
        assert (await _error(resp, 400))["code"] == "invalid_json", path
    assert await ApiToken.all().count() == 1
    assert await AutomationHook.all().count() == 0


async def test_websocket_messages_that_cannot_be_parsed_are_refused(
    client: TestClient[Any, Any], admin_headers: dict[str, str]
) -> None:
    token = admin_headers["Authorization"].removeprefix("Bearer ")
    async with client.ws_connect("/api/ws") as ws:
        assert (await ws.receive_json())["type"] == "auth_required"
        await ws.send_str("[" * 20_000 + "]" * 20_000)  # the auth message itself
        msg = await ws.receive()
        assert msg.type == WSMsgType.TEXT and json.loads(msg.data)["type"] == "auth_invalid"
    async with client.ws_connect("/api/ws") as ws:
        await ws.receive_json()
        await ws.send_json({"type": "auth", "access_token": token})
        assert (await ws.receive_json())["type"] == "auth_ok"
        for bad in ("[" * 20_000 + "]" * 20_000, '{"id": 1, "type": "\\ud800"}'):
            await ws.send_str(bad)
            answer = await ws.receive_json()
            assert answer["success"] is False
            assert answer["error"]["code"] == "invalid_format"
        # The connection still serves commands.
        await ws.send_json({"id": 2, "type": "ping"})
        assert await ws.receive_json() == {"id": 2, "type": "pong"}


@pytest.mark.parametrize(
    "path",
    [
        "/api/playlists/9223372036854775808",
        "/api/playlists/2147483648",
        "/api/tokens/9223372036854775808",
        "/api/tokens/99999999999999999999999",
        "/api/downloads/9223372036854775808",
        "/api/flows/9223372036854775808",
        "/api/imports/9223372036854775808",
        "/api/history/imports/9223372036854775808",
        "/api/automation/targets/9223372036854775808",
        "/api/automation/hooks/" + "a" * 40,
        "/api/integrations/" + "a" * 40,
        "/api/imports/accounts/" + "a" * 20,
    ],
)
async def test_ids_no_table_holds_are_a_404(
    client: TestClient[Any, Any], admin_headers: dict[str, str], path: str
) -> None:
    for method in ("GET", "DELETE"):
        resp = await client.request(method, path, headers=admin_headers)
        if resp.status != 405:
            await _error(resp, 404)
    assert await ApiToken.all().count() == 1


async def test_hook_ids_over_32_characters_are_a_404(client: TestClient[Any, Any]) -> None:
    resp = await client.post("/webhooks/automation/" + "a" * 40, json={"action": "play"})
    await _error(resp, 404)


async def test_integrations_delete_does_not_match_its_sibling_routes(
    client: TestClient[Any, Any], admin_headers: dict[str, str]
) -> None:
    for name in ("available", "test"):
        resp = await client.delete(f"/api/integrations/{name}", headers=admin_headers)
        assert resp.status in (404, 405), await resp.text()
        assert (await resp.json())["error"]["code"] in ("not_found", "method_not_allowed")


async def test_credentials_that_are_not_ascii_are_a_400(
    client: TestClient[Any, Any], make_user: UserFactory
) -> None:
    await make_user("someone")
    cases = [
        b"GET /api/auth/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \xff\xfe",
        b"GET /api/auth/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer caf\xc3\xa9",
        b"GET /api/auth/me HTTP/1.1\r\nHost: x\r\nCookie: companion_session=\xc3\xa9\xff",
        b"GET / HTTP/1.1\r\nHost: x\r\nCookie: companion_csrf=\xc3\xa9",
        b"POST /api/tokens HTTP/1.1\r\nHost: x\r\nCookie: companion_session=abc\r\n"
        b"X-CSRF-Token: \xc3\xa9\r\nContent-Type: application/json",
        b"POST /webhooks/automation/" + b"a" * 32 + b" HTTP/1.1\r\nHost: x\r\n"
        b"X-Automation-Token: \xff",
    ]
    for head in cases:
        answer = await raw_request(client, head, b'{"name": "x"}')
        status_line, _, rest = answer.partition(b"\r\n")
        assert status_line.split()[1] == b"400", answer
        body = json.loads(rest.partition(b"\r\n\r\n")[2])
        assert body["error"]["code"] in ("invalid_header", "invalid_cookie")
    assert await ApiToken.all().count() == 1


async def test_webhook_secrets_that_are_not_utf8_are_a_401(client: TestClient[Any, Any]) -> None:
    for source in ("jellyfin", "lidarr"):
        secret = await client.app[keys.LIVE].secrets.get(source)
        head = (
            f"POST /webhooks/{source} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"{secret.header}: "
        ).encode() + b"\xff\xfe\xc3"
        answer = await raw_request(client, head, b"{}")
        assert answer.split(b"\r\n", 1)[0].split()[1] == b"401", answer


async def test_artwork_signature_that_is_not_ascii_is_refused(client: TestClient[Any, Any]) -> None:
    resp = await client.get(
        "/api/artwork/jellyfin:" + "f" * 32,
        params={"u": "x", "exp": "2980996", "sig": "\u00c4\u001d{"},
    )
    assert 400 <= resp.status < 500, await resp.text()


async def test_multipart_without_boundary_is_a_400(
    client: TestClient[Any, Any], admin_headers: dict[str, str]
) -> None:
    resp = await client.post(
        "/api/imports",
        data=b"x",
        headers={**admin_headers, "Content-Type": "multipart/form-data"},
    )
    assert (await _error(resp, 400))["code"] == "invalid_multipart"


# -- names -----------------------------------------------------------------------------------

BAD_NAMES = [
    "",
    "   ",
    "\u200b",
    "\ufeff",
    "\u200b\u200c\u200d\ufeff\u2060",
    " \u200b ",
    "a\r\nb",
    "a\nb",
    "a\rb",
    "tab\there",
    "nul\x00here",
    "esc\x1b[31m",
    "line\u2028sep",
    "bad\ud800",
]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_clean_name_refuses_invisible_and_control_text(name: str) -> None:
    with pytest.raises(InvalidInput):
        clean_name(name)


def test_clean_name_keeps_real_names() -> None:
    assert clean_name("  Road trip  ") == "Road trip"
    assert clean_name("Café \u00e9t\u00e9 \U0001f3b5") == "Café \u00e9t\u00e9 \U0001f3b5"
    # A joiner inside an emoji sequence is part of a visible name.
    assert clean_name("\U0001f468\u200d\U0001f469") == "\U0001f468\u200d\U0001f469"
    with pytest.raises(InvalidInput):
        clean_name("x" * 101, max_len=100)
    with pytest.raises(InvalidInput):
        clean_name(5)


@pytest.mark.parametrize("name", ["\u200b\ufeff", "a\r\nb", "nul\x00", "\u2060"])
async def test_routes_refuse_bad_names_and_write_nothing(
    client: TestClient[Any, Any], admin_headers: dict[str, str], name: str
) -> None:
    for path in ("/api/tokens", "/api/automation/hooks", "/api/playlists", "/api/flows"):
        resp = await client.post(path, json={"name": name}, headers=admin_headers)
        error = await _error(resp, 400)
        assert error["code"] == "invalid_input", (path, error)
    assert await ApiToken.all().count() == 1
    assert await AutomationHook.all().count() == 0


# -- values the database cannot store ----------------------------------------------------------


async def test_nul_anywhere_in_a_json_body_is_a_400(
    client: TestClient[Any, Any], admin_headers: dict[str, str]
) -> None:
    for body in (
        {"name": "ok", "description": "a\x00b"},
        {"name": "ok", "refs": ["jellyfin:" + "0" * 32, "x\x00"]},
        {"name": "ok", "nested": {"k\x00": 1}},
        {"name": "ok", "deep": [[[[["\x00"]]]]]},
    ):
        resp = await client.post("/api/playlists", json=body, headers=admin_headers)
        assert (await _error(resp, 400))["code"] == "invalid_input", body
    # Nesting just under orjson's limit (deeper than Python's recursion limit) is still read.
    deep = "[" * 1020 + '"\\u0000"' + "]" * 1020
    resp = await client.post(
        "/api/tokens",
        data='{"name": "x", "deep": ' + deep + "}",
        headers={**admin_headers, "Content-Type": "application/json"},
    )
    await _error(resp, 400)
    assert await ApiToken.all().count() == 1


async def test_nul_in_the_url_is_a_400(
    client: TestClient[Any, Any], admin_headers: dict[str, str]
) -> None:
    for path in ("/api/library/search?q=a%00b", "/api/history?offset=%00", "/api/playlists%00"):
        resp = await client.get(path, headers=admin_headers)
        assert (await _error(resp, 400))["code"] == "invalid_url", path


@pytest.mark.parametrize("value", [0, -1, 2**31, 2**63, True, "1"])
async def test_body_ids_no_table_holds_are_a_400(
    client: TestClient[Any, Any], admin_headers: dict[str, str], value: Any
) -> None:
    resp = await client.post("/api/downloads", json={"import_id": value}, headers=admin_headers)
    assert (await _error(resp, 400))["code"] == "invalid_input"


async def test_an_uploaded_playlist_with_nul_bytes_is_imported_without_them(
    client: TestClient[Any, Any], admin_headers: dict[str, str]
) -> None:
    form = aiohttp.FormData()
    form.add_field(
        "file",
        b"#EXTM3U\n#EXTINF:180,Art\x00ist - Ti\x00tle\n/music/a\x00.mp3\n",
        filename="odd\x00name.m3u",
        content_type="audio/x-mpegurl",
    )
    resp = await client.post("/api/imports", data=form, headers=admin_headers)
    text = await resp.text()
    assert resp.status in (201, 400), text
    assert "\\u0000" not in text
    if resp.status == 201:
        body = json.loads(text)
        assert body["rows"][0]["title"] == "Title"
