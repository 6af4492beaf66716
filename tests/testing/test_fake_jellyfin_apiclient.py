"""Fidelity: the official jellyfin_apiclient_python logs in and browses music on the fake."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from companion.testing.jellyfin import SUPPORTED_VERSIONS, FakeJellyfin

from .conftest import FakeFactory


def run_client(url: str) -> dict[str, Any]:
    from jellyfin_apiclient_python import JellyfinClient

    client = JellyfinClient()
    client.config.app("companion-tests", "0.1.0", "pytest-host", "pytest-device-1")
    client.config.data["auth.ssl"] = False
    state = client.auth.connect_to_address(url)
    login = client.auth.login(url, "demo", "demo")
    user_id = login["User"]["Id"]
    page = client.jellyfin.user_items(
        params={
            "Recursive": True,
            "IncludeItemTypes": "Audio",
            "SortBy": "SortName",
            "StartIndex": 0,
            "Limit": 25,
            "Fields": "ProviderIds,Genres",
        }
    )
    albums = client.jellyfin.user_items(
        params={"Recursive": True, "IncludeItemTypes": "MusicAlbum", "Limit": 5}
    )
    me = client.jellyfin.get_user()
    sessions = client.jellyfin.get_sessions()
    client.stop()
    return {
        "state": state,
        "login": login,
        "user_id": user_id,
        "page": page,
        "albums": albums,
        "me": me,
        "sessions": sessions,
    }


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
async def test_official_client_logs_in_and_lists_music(
    make_fake: FakeFactory, http: aiohttp.ClientSession, version: str
) -> None:
    fake: FakeJellyfin = await make_fake(version=version)
    out = await asyncio.to_thread(run_client, fake.url)
    assert out["login"]["AccessToken"]
    assert out["user_id"] == fake.user_id("demo")
    assert out["me"]["Name"] == "demo"
    page = out["page"]
    assert page["TotalRecordCount"] == len(fake.library.tracks)
    assert len(page["Items"]) == 25 and all(i["Type"] == "Audio" for i in page["Items"])
    assert all("UserData" in i for i in page["Items"])
    assert all(a["Type"] == "MusicAlbum" for a in out["albums"]["Items"])
    # ControllableByUserId: the client's own session has not advertised remote control
    assert out["sessions"] == []
    assert any(s.device_id == "pytest-device-1" for s in fake.state.sessions.values())
