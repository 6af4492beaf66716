"""The ListenBrainz and Last.fm integrations: config flows, clients against the fakes, the
wire details (signing, rate limits, paging) and redacted diagnostics."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from companion import keys
from companion.providers import CredentialsRejected
from integrations.lastfm.client import LastFmClient
from integrations.lastfm.exceptions import LastFmApiKeyError, LastFmAuthenticationError
from integrations.lastfm.service import LastFmService
from integrations.lastfm.signing import api_sig
from integrations.listenbrainz.client import ListenBrainzClient
from integrations.listenbrainz.exceptions import (
    ListenBrainzAuthenticationError,
    ListenBrainzRateLimitError,
)
from integrations.listenbrainz.service import ListenBrainzService
from tests.history.conftest import LB_USER, LFM_PASSWORD, LFM_USER


async def _add(
    client: TestClient[Any, Any], headers: dict[str, str], domain: str, data: Any
) -> Any:
    resp = await client.post(
        "/api/integrations", json={"domain": domain, "data": data}, headers=headers
    )
    return resp.status, await resp.json()


async def test_listenbrainz_flow_errors_then_success(
    client: TestClient[Any, Any],
    admin_headers: dict[str, str],
    fake_listenbrainz: Any,
    fake_lastfm: Any,
    unused_tcp_port: int,
) -> None:
    status, body = await _add(
        client, admin_headers, "listenbrainz", {"url": f"http://127.0.0.1:{unused_tcp_port}"}
    )
    assert status == 400 and body["error"]["code"] == "cannot_connect"
    assert body["error"]["message"].startswith("Could not reach ListenBrainz")
    # Something else answers there (Last.fm's API is not ListenBrainz's).
    status, body = await _add(
        client, admin_headers, "listenbrainz", {"url": fake_lastfm.url.removesuffix("/2.0/")}
    )
    assert (
        status == 400
        and body["error"]["message"] == "That URL did not answer like the ListenBrainz API."
    )
    status, body = await _add(client, admin_headers, "listenbrainz", {"url": fake_listenbrainz.url})
    assert status == 201, body
    entry = await client.app[keys.ENTRIES].wait_setup(body["entry"]["entry_id"])
    assert entry.state.value == "loaded"
    assert "listenbrainz" in client.app[keys.PROVIDERS].scrobblers
    resp = await client.get(
        f"/api/integrations/{entry.entry_id}/diagnostics", headers=admin_headers
    )
    diagnostics = await resp.json()
    assert diagnostics["integration"]["url"] == fake_listenbrainz.url
    assert diagnostics["integration"]["available"] is True
    assert diagnostics["integration"]["rate_limit"]["limit"] == fake_listenbrainz.rate_limit
    assert fake_listenbrainz.users[LB_USER].token not in json.dumps(diagnostics)


async def test_lastfm_flow_errors_then_success_and_secrets_redacted(
    client: TestClient[Any, Any],
    admin_headers: dict[str, str],
    fake_lastfm: Any,
    unused_tcp_port: int,
) -> None:
    good = {"api_key": "lfm-key", "shared_secret": "lfm-secret", "url": fake_lastfm.url}
    status, body = await _add(client, admin_headers, "lastfm", {**good, "api_key": "nope"})
    assert status == 400 and body["error"]["code"] == "invalid_auth"
    assert "Check the API key and the shared secret" in body["error"]["message"]
    status, body = await _add(client, admin_headers, "lastfm", {**good, "shared_secret": "nope"})
    assert status == 400 and body["error"]["code"] == "invalid_auth"
    status, body = await _add(
        client, admin_headers, "lastfm", {**good, "url": f"http://127.0.0.1:{unused_tcp_port}/2.0/"}
    )
    assert status == 400 and body["error"]["code"] == "cannot_connect"
    status, body = await _add(client, admin_headers, "lastfm", good)
    assert status == 201, body
    assert "lfm-secret" not in json.dumps(body) and "lfm-key" not in json.dumps(body)
    entry = await client.app[keys.ENTRIES].wait_setup(body["entry"]["entry_id"])
    resp = await client.get(
        f"/api/integrations/{entry.entry_id}/diagnostics", headers=admin_headers
    )
    text = await resp.text()
    assert resp.status == 200 and "lfm-secret" not in text and "lfm-key" not in text
    assert (await resp.json())["integration"] == {
        "url": fake_lastfm.url,
        "available": True,
        "last_error": None,
    }


def test_lastfm_signature_follows_the_spec() -> None:
    # last.fm/api/authspec §8: sort by name, concatenate name+value, append the secret, MD5;
    # format and callback are not signed.
    params = {"method": "auth.getSession", "token": "tok", "api_key": "key", "format": "json"}
    expected = hashlib.md5(b"api_keykeymethodauth.getSessiontokentoksecret").hexdigest()
    assert api_sig(params, "secret") == expected
    # Array notation sorts by ASCII: artist[10] before artist[1]... and before artist[2].
    batch = {"artist[1]": "b", "artist[10]": "c", "artist[2]": "d"}
    text = "artist[10]cartist[1]bartist[2]d" + "s"
    assert sorted(batch) == ["artist[10]", "artist[1]", "artist[2]"]
    assert api_sig(batch, "s") == hashlib.md5(text.encode()).hexdigest()


async def test_lastfm_client_errors_sessions_and_history(fake_lastfm: Any) -> None:
    async with LastFmClient("lfm-key", "lfm-secret", base_url=fake_lastfm.url, min_interval=0) as c:
        with pytest.raises(LastFmAuthenticationError) as caught:
            await c.get_mobile_session(LFM_USER, "wrong")
        assert caught.value.code == 4
        name, key = await c.get_mobile_session(LFM_USER, LFM_PASSWORD)
        assert name == LFM_USER and await c.user_name(key) == LFM_USER
        service = LastFmService(c)
        # The web auth flow: a token the user authorises on last.fm, then a session.
        token = await c.get_token()
        with pytest.raises(CredentialsRejected, match="not authorised"):
            await service.link({"token": token})
        fake_lastfm.authorize(token, LFM_USER)
        linked = await service.link({"token": token})
        assert linked.name == LFM_USER and linked.secret
        fake_lastfm.revoke_sessions(LFM_USER)
        with pytest.raises(CredentialsRejected, match=r"Link your Last\.fm account again"):
            await service.check(key)
    async with LastFmClient("other", "lfm-secret", base_url=fake_lastfm.url, min_interval=0) as c:
        with pytest.raises(LastFmApiKeyError):
            await c.get_token()
    # 450 scrobbles and a track playing now: pages of 200, pinned to the first call's time.
    base = int(datetime(2025, 1, 1, tzinfo=UTC).timestamp())
    for i in range(450):
        fake_lastfm.add_scrobble(LFM_USER, f"Artist {i % 7}", f"Song {i}", base + 300 * i, "Album")
    fake_lastfm.users[LFM_USER].now_playing = {"artist": "A", "track": "Now", "album": ""}
    async with LastFmClient("lfm-key", "lfm-secret", base_url=fake_lastfm.url, min_interval=0) as c:
        service = LastFmService(c)
        seen, cursor, pages = [], None, 0
        while True:
            page = await service.history(LFM_USER, "", cursor, 200)
            pages += 1
            seen += [(listen.listened_at, listen.title) for listen in page.listens]
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
    assert pages == 3 and len(seen) == 450 == len(set(seen))
    assert seen[0][1] == "Song 449" and seen == sorted(seen, reverse=True)


async def test_listenbrainz_rate_limit_headers_and_history_paging(fake_listenbrainz: Any) -> None:
    user = fake_listenbrainz.users[LB_USER]
    base = int(datetime(2025, 1, 1, tzinfo=UTC).timestamp())
    for i in range(2500):
        fake_listenbrainz.add_listen(
            LB_USER,
            base + 60 * i,
            {"artist_name": "A", "track_name": f"T{i}", "additional_info": {"duration_ms": 1000}},
        )
    async with ListenBrainzClient(fake_listenbrainz.url) as c:
        service = ListenBrainzService(c)
        collected, cursor = [], None
        while True:
            page = await service.history(LB_USER, user.token, cursor, 1000)
            collected += [listen.title for listen in page.listens]
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        assert len(collected) == 2500 == len(set(collected)) and collected[0] == "T2499"
        assert c.rate_limit is not None and c.rate_limit.limit == fake_listenbrainz.rate_limit
        with pytest.raises(ListenBrainzAuthenticationError):
            await c.submit("bad-token", "single", [{"listened_at": base, "track_metadata": {}}])
    # Past the limit ListenBrainz answers 429 with Reset-In; a client that may not wait says so.
    fake_listenbrainz.rate_limit, fake_listenbrainz.window_s = 1, 30
    fake_listenbrainz._windows.clear()
    async with ListenBrainzClient(fake_listenbrainz.url, max_rate_wait=0) as c:
        assert await c.validate_token(user.token) == LB_USER
        assert c.rate_limit is not None and c.rate_limit.remaining == 0
        with pytest.raises(ListenBrainzRateLimitError) as caught:
            await c.validate_token(user.token)
        assert 0 < caught.value.retry_after <= 30
