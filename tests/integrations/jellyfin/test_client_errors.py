"""Error mapping, retries and the auth header of JellyfinClient (aioresponses, no server)."""

from __future__ import annotations

import re
import ssl
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses
from yarl import URL

from integrations.jellyfin.client import JellyfinClient
from integrations.jellyfin.exceptions import (
    JellyfinAuthenticationError,
    JellyfinConnectionError,
    JellyfinForbiddenError,
    JellyfinNotFoundError,
    JellyfinResponseError,
    JellyfinTimeoutError,
    JellyfinTLSError,
)
from tests.e2e.procs import free_port

BASE = "http://jf.test:8096"
TOKEN = "0123456789abcdef0123456789abcdef"
PUBLIC = {
    "ServerName": "jf",
    "Version": "10.10.7",
    "ProductName": "Jellyfin Server",
    "Id": "ab" * 16,
}


@pytest.fixture
def mock() -> Iterator[aioresponses]:
    with aioresponses() as m:
        yield m


@pytest.fixture
def client(session: aiohttp.ClientSession) -> JellyfinClient:
    return JellyfinClient(BASE, session=session, token=TOKEN, device_id="dev1", user_id="u" * 32)


def calls(mock: aioresponses, method: str, url: str) -> list[Any]:
    return list(mock.requests.get((method, URL(url)), []))


async def test_timeout(mock: aioresponses, client: JellyfinClient) -> None:
    mock.get(f"{BASE}/System/Info", exception=TimeoutError())
    with pytest.raises(JellyfinTimeoutError) as info:
        await client.system_info()
    assert "jf.test:8096" in str(info.value)
    assert isinstance(info.value.__cause__, TimeoutError)


async def test_server_timeout_error_is_a_timeout(
    mock: aioresponses, client: JellyfinClient
) -> None:
    mock.get(f"{BASE}/System/Info", exception=aiohttp.ServerTimeoutError("read"))
    with pytest.raises(JellyfinTimeoutError):
        await client.system_info()


async def test_connection_refused(session: aiohttp.ClientSession) -> None:
    # A real refused connection: a port nothing listens on.
    port = free_port()
    client = JellyfinClient(f"http://127.0.0.1:{port}", session=session, device_id="d")
    with pytest.raises(JellyfinConnectionError) as info:
        await client.public_info()
    assert not isinstance(info.value, JellyfinTimeoutError)
    assert f"127.0.0.1:{port}" in str(info.value)


async def test_dns_failure(mock: aioresponses, client: JellyfinClient) -> None:
    key: Any = SimpleNamespace(host="jf.test", port=8096, ssl=True)
    mock.get(
        f"{BASE}/System/Info/Public",
        exception=aiohttp.ClientConnectorDNSError(key, OSError(-2, "Name or service not known")),
    )
    with pytest.raises(JellyfinConnectionError, match="Could not resolve"):
        await client.public_info()


async def test_tls_certificate_error(mock: aioresponses, client: JellyfinClient) -> None:
    key: Any = SimpleNamespace(host="jf.test", port=8920, ssl=True)
    cert_error = ssl.SSLCertVerificationError(1, "certificate verify failed")
    cert_error.verify_message = "self-signed certificate"
    mock.get(
        f"{BASE}/System/Info/Public",
        exception=aiohttp.ClientConnectorCertificateError(key, cert_error),
    )
    with pytest.raises(JellyfinTLSError) as info:
        await client.public_info()
    assert isinstance(info.value, JellyfinConnectionError)
    assert "TLS handshake with Jellyfin" in str(info.value)
    assert "certificate verify failed: self-signed certificate" in str(info.value)


async def test_tls_protocol_error(mock: aioresponses, client: JellyfinClient) -> None:
    key: Any = SimpleNamespace(host="jf.test", port=8096, ssl=True)
    err = ssl.SSLError(1, "wrong version number")
    err.reason = "WRONG_VERSION_NUMBER"
    mock.get(f"{BASE}/System/Info/Public", exception=aiohttp.ClientConnectorSSLError(key, err))
    with pytest.raises(JellyfinTLSError, match=r"TLS handshake .* failed: wrong version number"):
        await client.public_info()


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, JellyfinAuthenticationError),
        (403, JellyfinForbiddenError),
        (404, JellyfinNotFoundError),
        (400, JellyfinResponseError),
    ],
)
async def test_status_mapping(
    mock: aioresponses, client: JellyfinClient, status: int, error: type[Exception]
) -> None:
    mock.get(f"{BASE}/System/Info", status=status, body="Error processing request.")
    with pytest.raises(error) as info:
        await client.system_info()
    assert TOKEN not in str(info.value)
    assert len(calls(mock, "GET", f"{BASE}/System/Info")) == 1


async def test_forbidden_is_an_authentication_error(
    mock: aioresponses, client: JellyfinClient
) -> None:
    mock.get(f"{BASE}/System/Info", status=403)
    with pytest.raises(JellyfinAuthenticationError) as info:
        await client.system_info()
    assert getattr(info.value, "status", None) == 403


async def test_500_get_retried_then_raised(mock: aioresponses, client: JellyfinClient) -> None:
    mock.get(f"{BASE}/System/Info", status=503, repeat=True)
    with pytest.raises(JellyfinResponseError) as info:
        await client.system_info()
    assert info.value.status == 503
    assert len(calls(mock, "GET", f"{BASE}/System/Info")) == 3  # 1 + max_retries


async def test_plain_500_not_retried(mock: aioresponses, client: JellyfinClient) -> None:
    # A 500 is Jellyfin's exception handler: the same request would fail the same way.
    mock.get(f"{BASE}/System/Info", status=500, repeat=True)
    with pytest.raises(JellyfinResponseError) as info:
        await client.system_info()
    assert info.value.status == 500
    assert len(calls(mock, "GET", f"{BASE}/System/Info")) == 1


async def test_get_retry_recovers(mock: aioresponses, client: JellyfinClient) -> None:
    mock.get(f"{BASE}/System/Info", status=502)
    mock.get(f"{BASE}/System/Info", exception=aiohttp.ServerDisconnectedError())
    mock.get(f"{BASE}/System/Info", payload=PUBLIC)
    info = await client.system_info()
    assert info.version == (10, 10, 7)
    assert len(calls(mock, "GET", f"{BASE}/System/Info")) == 3


async def test_post_not_retried(mock: aioresponses, client: JellyfinClient) -> None:
    mock.post(f"{BASE}/Library/Refresh", status=503, repeat=True)
    with pytest.raises(JellyfinResponseError) as info:
        await client.refresh_library()
    assert info.value.status == 503
    assert len(calls(mock, "POST", f"{BASE}/Library/Refresh")) == 1


async def test_post_disconnect_not_retried(mock: aioresponses, client: JellyfinClient) -> None:
    mock.post(f"{BASE}/Library/Refresh", exception=aiohttp.ServerDisconnectedError(), repeat=True)
    with pytest.raises(JellyfinConnectionError):
        await client.refresh_library()
    assert len(calls(mock, "POST", f"{BASE}/Library/Refresh")) == 1


async def test_connection_reset_retried_then_raised(
    mock: aioresponses, client: JellyfinClient
) -> None:
    mock.get(
        f"{BASE}/System/Info", exception=aiohttp.ClientConnectionResetError("reset"), repeat=True
    )
    with pytest.raises(JellyfinConnectionError, match="reset the connection"):
        await client.system_info()
    assert len(calls(mock, "GET", f"{BASE}/System/Info")) == 3


async def test_non_json(mock: aioresponses, client: JellyfinClient) -> None:
    mock.get(f"{BASE}/System/Info/Public", body="<html>hello</html>", content_type="text/html")
    with pytest.raises(JellyfinResponseError, match="not JSON"):
        await client.public_info()


async def test_json_of_the_wrong_shape(mock: aioresponses, client: JellyfinClient) -> None:
    mock.get(f"{BASE}/System/Info/Public", payload={"hello": "world"})
    with pytest.raises(JellyfinResponseError, match="unexpected shape"):
        await client.public_info()


async def test_authenticate_401(mock: aioresponses, client: JellyfinClient) -> None:
    mock.post(f"{BASE}/Users/AuthenticateByName", status=401)
    with pytest.raises(JellyfinAuthenticationError, match=r"^Invalid username or password\.$"):
        await client.authenticate("alice", "wrong")
    (call,) = calls(mock, "POST", f"{BASE}/Users/AuthenticateByName")
    assert call.kwargs["json"] == {"Username": "alice", "Pw": "wrong"}
    # Logging in is anonymous: no Token in the header even though the client has one.
    assert "Token=" not in call.kwargs["headers"]["Authorization"]


async def test_header_form(mock: aioresponses, session: aiohttp.ClientSession) -> None:
    client = JellyfinClient(
        BASE, session=session, token=TOKEN, device_id="dev-1", device_name='my "box", 1'
    )
    mock.get(f"{BASE}/System/Info", payload=PUBLIC)
    await client.system_info()
    (call,) = calls(mock, "GET", f"{BASE}/System/Info")
    headers = call.kwargs["headers"]
    assert headers["Authorization"] == (
        'MediaBrowser Client="Jellyfin Companion", Device="my %22box%22%2C 1", '
        f'DeviceId="dev-1", Version="0.1.0", Token="{TOKEN}"'
    )
    assert not any(h.lower().startswith("x-emby") for h in headers)
    assert not call.kwargs.get("params")


async def test_no_token_no_token_field(mock: aioresponses, session: aiohttp.ClientSession) -> None:
    client = JellyfinClient(BASE, session=session, device_id="d")
    mock.get(f"{BASE}/System/Info/Public", payload=PUBLIC)
    await client.public_info()
    (call,) = calls(mock, "GET", f"{BASE}/System/Info/Public")
    assert "Token" not in call.kwargs["headers"]["Authorization"]


async def test_base_path_join(mock: aioresponses, session: aiohttp.ClientSession) -> None:
    client = JellyfinClient(f"{BASE}/jellyfin/", session=session, device_id="d")
    mock.get(f"{BASE}/jellyfin/System/Info/Public", payload=PUBLIC)
    assert (await client.public_info()).name == "jf"
    assert client.server_version == (10, 10, 7)


async def test_timeout_settings(session: aiohttp.ClientSession) -> None:
    client = JellyfinClient(BASE, session=session, device_id="d", request_timeout=20)
    assert client._timeout.total == 20
    assert client._timeout.connect == 5
    short = JellyfinClient(BASE, session=session, device_id="d", request_timeout=2)
    assert short._timeout.connect == 2


async def test_items_query(mock: aioresponses, client: JellyfinClient) -> None:
    mock.get(
        re.compile(rf"^{re.escape(BASE)}/Items\?.*"), payload={"Items": [], "TotalRecordCount": 0}
    )
    await client.items(
        include_item_types=["Audio", "MusicAlbum"],
        genres=["Rock, Alt", "Jazz"],
        years=[1997, 1998],
        is_favorite=True,
        sort_by=["SortName"],
        limit=10,
        enable_images=False,
    )
    ((_, url),) = [k for k in mock.requests if k[0] == "GET"]
    query = url.query
    assert query["recursive"] == "true"
    assert query["includeItemTypes"] == "Audio,MusicAlbum"
    assert query["genres"] == "Rock, Alt|Jazz"
    assert query["years"] == "1997,1998"
    assert query["isFavorite"] == "true"
    assert query["enableImages"] == "false"
    assert query["userId"] == "u" * 32
    assert query["limit"] == "10"


async def test_session_ownership() -> None:
    async with JellyfinClient(BASE, session=None, device_id="d") as client:
        own = client._ensure_session()
        other = client.with_token("t", None)
        assert other._session is own
    assert own.closed


async def test_injected_session_left_open(session: aiohttp.ClientSession) -> None:
    async with JellyfinClient(BASE, session=session, device_id="d"):
        pass
    assert not session.closed


def test_stream_and_image_urls(session: aiohttp.ClientSession) -> None:
    client = JellyfinClient(f"{BASE}/jf", session=session, device_id="d")
    item = "6213B704-A0D9-5429-3110-F4D561B0F614"
    url = client.stream_url(item, public_base="https://music.example.com/jf/", api_key="k")
    assert url == (
        "https://music.example.com/jf/Audio/6213b704a0d954293110f4d561b0f614/stream"
        "?static=true&ApiKey=k"
    )
    url = client.stream_url(
        item, public_base=None, static=False, audio_codec="mp3", max_bitrate=192000
    )
    assert url.startswith(f"{BASE}/jf/Audio/6213b704a0d954293110f4d561b0f614/stream?static=false")
    assert "audioCodec=mp3" in url and "audioBitRate=192000" in url
    image = client.image_url(item, tag="abc", max_width=300)
    assert (
        image
        == f"{BASE}/jf/Items/6213b704a0d954293110f4d561b0f614/Images/Primary?tag=abc&maxWidth=300"
    )
