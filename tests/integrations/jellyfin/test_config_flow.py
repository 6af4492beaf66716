"""The Jellyfin config flow through every error key and back to success."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from companion.integration.types import CannotConnect, FlowError, IntegrationContext, InvalidAuth
from companion.testing.jellyfin import FAKE_API_KEY, FakeJellyfin
from integrations.jellyfin import config_flow
from integrations.jellyfin.client import JellyfinClient
from integrations.jellyfin.runtime import install_device_id
from tests.e2e.procs import free_port

from .stubs import answering, jellyfin_without_music, self_signed_context, serve


async def flow_error(ctx: IntegrationContext, data: dict[str, Any]) -> FlowError:
    with pytest.raises(FlowError) as info:
        await config_flow.test_connection(ctx, data)
    return info.value


def test_schema() -> None:
    fields = {f.name: f for f in config_flow.SCHEMA}
    assert list(fields)[:5] == ["url", "api_key", "username", "password", "public_url"]
    assert fields["url"].type == "url" and fields["url"].required
    assert fields["api_key"].is_secret and not fields["api_key"].required
    assert fields["password"].is_secret and fields["password"].help == (
        "Used once to obtain a token; never stored"
    )
    assert fields["public_url"].type == "url" and not fields["public_url"].required
    # Stored by a successful sign-in; the token must be encrypted like any secret.
    assert fields["access_token"].is_secret
    assert not fields["user_id"].is_secret


async def test_unreachable(ctx: IntegrationContext) -> None:
    err = await flow_error(ctx, {"url": f"http://127.0.0.1:{free_port()}"})
    assert isinstance(err, CannotConnect)
    assert err.key == "cannot_connect"
    assert err.message == "Could not reach Jellyfin. Check the URL and that Jellyfin is running."


@pytest.mark.parametrize(
    ("status", "body", "content_type"),
    [
        (404, "Not Found", "text/plain"),
        (200, "<html><body>Welcome to nginx!</body></html>", "text/html"),
        (200, '{"name": "something else"}', "application/json"),
    ],
)
async def test_not_jellyfin(
    ctx: IntegrationContext, status: int, body: str, content_type: str
) -> None:
    async with serve(answering(status, body, content_type)) as url:
        err = await flow_error(ctx, {"url": url, "api_key": FAKE_API_KEY})
    assert isinstance(err, CannotConnect)
    assert err.message == "That URL did not answer like a Jellyfin server."


async def test_tls_failure(ctx: IntegrationContext, tmp_path: Path) -> None:
    async with serve(answering(200, "{}"), self_signed_context(tmp_path)) as url:
        err = await flow_error(ctx, {"url": url, "api_key": FAKE_API_KEY})
    assert isinstance(err, CannotConnect)
    assert err.message.startswith("TLS handshake with Jellyfin at 127.0.0.1:")
    assert "certificate verify failed" in err.message


async def test_unsupported_version(ctx: IntegrationContext) -> None:
    old = FakeJellyfin(tracks=10, version="10.8.13")
    url = await old.start()
    try:
        err = await flow_error(ctx, {"url": url, "api_key": FAKE_API_KEY})
    finally:
        await old.stop()
    assert isinstance(err, CannotConnect)
    assert err.message == (
        "Jellyfin 10.8.13 is not supported; the companion needs Jellyfin 10.9 or newer."
    )


async def test_no_credentials(ctx: IntegrationContext, fake: FakeJellyfin) -> None:
    err = await flow_error(ctx, {"url": fake.url})
    assert isinstance(err, InvalidAuth) and err.key == "invalid_auth"
    assert err.message == "Enter an API key, or an administrator's username and password."
    # A password without a username is no login either.
    err = await flow_error(ctx, {"url": fake.url, "password": "demo"})
    assert err.message == "Enter an API key, or an administrator's username and password."


async def test_bad_api_key(ctx: IntegrationContext, fake: FakeJellyfin) -> None:
    err = await flow_error(ctx, {"url": fake.url, "api_key": "0" * 32})
    assert isinstance(err, InvalidAuth)
    assert err.message == "Jellyfin returned 401. Check your API key."


async def test_wrong_password(ctx: IntegrationContext, fake: FakeJellyfin) -> None:
    err = await flow_error(ctx, {"url": fake.url, "username": "demo", "password": "nope"})
    assert isinstance(err, InvalidAuth)
    assert err.message == "Jellyfin rejected that username or password."


async def test_not_an_admin(ctx: IntegrationContext, fake: FakeJellyfin) -> None:
    err = await flow_error(ctx, {"url": fake.url, "username": "guest", "password": "guest"})
    assert isinstance(err, InvalidAuth)
    assert err.message == "That Jellyfin user is not an administrator."


async def test_no_music_library(ctx: IntegrationContext) -> None:
    async with serve(jellyfin_without_music("k" * 32)) as url:
        result = await config_flow.test_connection(ctx, {"url": url, "api_key": "k" * 32})
    assert result.ok
    assert result.title == "Jellyfin movies-only"
    assert result.warnings == ("No music library found. Jellyfin has: Movies, Shows.",)


async def test_success_with_api_key(ctx: IntegrationContext, fake: FakeJellyfin) -> None:
    result = await config_flow.test_connection(ctx, {"url": fake.url, "api_key": FAKE_API_KEY})
    assert result.ok and result.error is None
    assert result.title == "Jellyfin fake-jellyfin"
    assert result.warnings == ()
    assert result.data_updates == {"password": None}


async def test_success_with_login(ctx: IntegrationContext, fake: FakeJellyfin) -> None:
    data = {"url": fake.url, "username": "demo", "password": "demo"}
    result = await config_flow.test_connection(ctx, data)
    assert result.ok and result.title == "Jellyfin fake-jellyfin"
    updates = result.data_updates
    assert updates["password"] is None
    assert updates["user_id"] == fake.user_id("demo")
    token = updates["access_token"]
    assert isinstance(token, str) and len(token) == 32
    assert "demo" not in str(result.as_dict())
    # The sign-in used a DeviceId of its own, stored beside the token, never the install's
    # (signing in on the install's DeviceId revokes the token the running entry uses).
    device = updates["device_id"]
    assert device != install_device_id(ctx)
    assert fake.state.tokens[token].device_id == device

    client = JellyfinClient(fake.url, session=ctx.session, token=token, device_id=device)
    assert (await client.me()).name == "demo"

    # Re-testing the stored entry reuses the token instead of logging in again.
    stored = {**data, **updates}
    again = await config_flow.test_connection(ctx, stored)
    assert again.ok and again.data_updates["access_token"] == token
    assert again.release is None
    assert (await client.me()).name == "demo"

    # A test whose result is not kept signs its token out.
    assert result.release is not None
    await result.release()
    assert token not in fake.state.tokens


async def test_test_sign_in_leaves_the_running_token(
    ctx: IntegrationContext, fake: FakeJellyfin
) -> None:
    running = JellyfinClient(fake.url, session=ctx.session, device_id=install_device_id(ctx))
    auth = await running.authenticate("demo", "demo")
    running = running.with_token(auth.access_token, auth.user.id)
    result = await config_flow.test_connection(
        ctx, {"url": fake.url, "username": "demo", "password": "demo"}
    )
    assert result.ok and result.release is not None
    await result.release()
    assert (await running.me()).name == "demo"
    # A sign-in the test then refuses (not an administrator) is signed out at once.
    guest = fake.user_id("guest")
    err = await flow_error(ctx, {"url": fake.url, "username": "guest", "password": "guest"})
    assert err.message == "That Jellyfin user is not an administrator."
    assert not [t for t in fake.state.tokens.values() if t.user_id == guest]


async def test_stale_stored_login(ctx: IntegrationContext, fake: FakeJellyfin) -> None:
    stored = {
        "url": fake.url,
        "username": "demo",
        "access_token": "f" * 32,
        "user_id": fake.user_id("demo"),
        "password": None,
    }
    err = await flow_error(ctx, stored)
    assert isinstance(err, InvalidAuth)
    assert "Enter the password again" in err.message
