"""COMPANION_BASE_PATH: prefixed links, redirects and cookies; prefixed or stripped requests."""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from companion.app import create_app
from companion.settings import Settings, SettingsError, load_settings
from tests.conftest import echo_csrf

Client = TestClient[Any, Any]
BASE = "/companion"
PAGES = ["/library", "/library?view=tracks", "/favorites", "/playlists", "/vibe", "/player"]
PAGES += ["/now-playing", "/history", "/activity", "/automation", "/integrations"]
PAGES += ["/settings/webhooks", "/listening", "/review"]


def test_base_path_setting() -> None:
    assert load_settings({}).base_path == ""
    assert load_settings({"COMPANION_BASE_PATH": "/companion/"}).base_path == "/companion"
    assert load_settings({"COMPANION_BASE_PATH": "/"}).base_path == ""
    assert load_settings({"COMPANION_BASE_PATH": "/a/b-c"}).base_path == "/a/b-c"
    # The public URL's path is the default, and the two must agree when both are given.
    derived = load_settings({"COMPANION_PUBLIC_URL": "https://music.example.org/companion/"})
    assert derived.base_path == "/companion"
    both = {"COMPANION_PUBLIC_URL": "https://x.org/companion", "COMPANION_BASE_PATH": "/companion"}
    assert load_settings(both).base_path == "/companion"


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"COMPANION_BASE_PATH": "companion"}, "COMPANION_BASE_PATH: expected a URL path"),
        ({"COMPANION_BASE_PATH": "/a//b"}, "COMPANION_BASE_PATH: expected a URL path"),
        ({"COMPANION_BASE_PATH": "/a/../b"}, "COMPANION_BASE_PATH: expected a URL path"),
        ({"COMPANION_BASE_PATH": "/a?b=1"}, "COMPANION_BASE_PATH: expected a URL path"),
        ({"COMPANION_BASE_PATH": "https://x/a"}, "COMPANION_BASE_PATH: expected a URL path"),
        (
            {"COMPANION_PUBLIC_URL": "https://x.org/jf", "COMPANION_BASE_PATH": "/companion"},
            "COMPANION_BASE_PATH: expected the path of COMPANION_PUBLIC_URL (/jf)",
        ),
        ({"COMPANION_INTERNAL_URL": "companion:8097"}, "COMPANION_INTERNAL_URL: expected an"),
    ],
)
def test_bad_base_paths_are_named(environ: dict[str, str], expected: str) -> None:
    with pytest.raises(SettingsError) as err:
        load_settings(environ)
    assert str(err.value).startswith(expected)


@pytest.fixture
async def prefixed_client(aiohttp_client: Any, settings: Settings, fake_jellyfin: Any) -> Client:
    """The app under /companion with Jellyfin from the environment."""
    from companion.testing.jellyfin import FAKE_API_KEY

    env = {**settings.environ, "JELLYFIN_URL": fake_jellyfin.url, "JELLYFIN_API_KEY": FAKE_API_KEY}
    app = create_app(replace(settings, environ=env, base_path=BASE))
    client: Client = await aiohttp_client(app, middlewares=(echo_csrf,))
    return client


def _urls(page: str) -> list[str]:
    return re.findall(r'\s(?:href|src|action|data-after|data-next)="([^"#][^"]*)"', page)


async def test_requests_work_with_and_without_the_prefix(prefixed_client: Client) -> None:
    for path in ("/healthz", "/static/app.js", "/api/openapi.json"):
        for url in (path, BASE + path):
            resp = await prefixed_client.get(url)
            assert resp.status == 200, url
    # Errors are the same under the prefix: unknown route, wrong method, no credentials.
    for method, path, status in [
        ("GET", "/nope", 404),
        ("DELETE", "/healthz", 405),
        ("GET", "/api/nope", 401),
        ("GET", "/api/library/albums", 401),
    ]:
        for url in (path, BASE + path):
            resp = await prefixed_client.request(method, url)
            assert resp.status == status, (method, url)
    document = await (await prefixed_client.get(BASE + "/api/openapi.json")).json()
    assert document["servers"] == [{"url": BASE}]
    # A path that merely starts with the same letters is not under the prefix.
    assert (await prefixed_client.get("/companionx/healthz")).status == 404


async def test_redirects_links_and_cookies_carry_the_prefix(prefixed_client: Client) -> None:
    for url in ("/library", BASE + "/library", BASE, BASE + "/"):
        resp = await prefixed_client.get(url, allow_redirects=False)
        assert resp.status == 302, url
        assert resp.headers["Location"] == BASE + "/login", url
    # The script learns the prefix from the page; a fragment's sign-in hint carries it.
    login = await (await prefixed_client.get(BASE + "/login")).text()
    assert f'data-base-path="{BASE}"' in login
    assert all(u.startswith((BASE + "/", "data:")) for u in _urls(login)), _urls(login)
    resp = await prefixed_client.get(BASE + "/library", headers={"X-Fragment": "1"})
    assert resp.status == 401 and resp.headers["X-Location"] == BASE + "/login"

    resp = await prefixed_client.post(
        BASE + "/api/auth/login", json={"username": "demo", "password": "demo"}
    )
    assert resp.status == 200
    cookies = resp.headers.getall("Set-Cookie")
    assert cookies and all(f"Path={BASE}" in c for c in cookies), cookies
    for path in PAGES:
        resp = await prefixed_client.get(BASE + path)
        page = await resp.text()
        assert resp.status == 200, (path, page[:300])
        urls = _urls(page)
        assert urls, path
        bad = [u for u in urls if not u.startswith((BASE + "/", "data:", "http"))]
        assert not bad, (path, bad)
    resp = await prefixed_client.get(BASE + "/", allow_redirects=False)
    assert resp.headers["Location"] == BASE + "/library"
    # Sign-in's `next` is an app path (the script strips the prefix); the redirect adds it.
    resp = await prefixed_client.get(BASE + "/login?next=/vibe", allow_redirects=False)
    assert resp.headers["Location"] == BASE + "/vibe"
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert csrf is not None
    resp = await prefixed_client.post(
        BASE + "/logout", data={"csrf_token": csrf.group(1)}, allow_redirects=False
    )
    assert resp.status == 303 and resp.headers["Location"] == BASE + "/login"


async def test_websocket_under_the_prefix(prefixed_client: Client) -> None:
    await prefixed_client.post(
        BASE + "/api/auth/login", json={"username": "demo", "password": "demo"}
    )
    async with prefixed_client.ws_connect(BASE + "/api/ws") as ws:
        first = await asyncio.wait_for(ws.receive_json(), 30)
        assert first["type"] in ("auth_required", "auth_ok")
        if first["type"] == "auth_required":
            second = await asyncio.wait_for(ws.receive_json(), 30)
            assert second["type"] == "auth_ok"


async def test_no_base_path_changes_nothing(client: Client) -> None:
    resp = await client.get("/library", allow_redirects=False)
    assert resp.headers["Location"] == "/setup"
    page = await (await client.get("/setup")).text()
    assert 'data-base-path=""' in page
    assert all(u.startswith(("/", "data:")) for u in _urls(page))
    assert (await client.get("/companion/healthz")).status == 404
