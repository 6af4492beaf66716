"""The flows API: bad input gets a 4xx naming the field and writes nothing; users only see
their own flows and tracks; the buttons; deleting a flow removes its links and files."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from companion.accounts.models import Setting
from companion.flows.config import SETTING_KEY
from companion.flows.files import dangling_links
from companion.flows.models import Flow, FlowFile, FlowLink, FlowTrack
from tests.conftest import UserFactory
from tests.flows.conftest import Scene

GOOD: dict[str, Any] = {
    "name": "Discovery",
    "size_tracks": 20,
    "day": "friday",
    "time": "18:30",
    "sources": {"listenbrainz": 2, "audiomuse": 1, "ollama": 0},
    "start": False,
}


async def _call(
    client: TestClient[Any, Any], method: str, path: str, headers: dict[str, str], **kw: Any
) -> tuple[int, Any]:
    resp = await client.request(method, path, headers=headers, **kw)
    text = await resp.text()
    return resp.status, (await resp.json() if text else None)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"day": "someday"}, "day"),
        ({"day": 7}, "day"),
        ({"time": "25:00"}, "time"),
        ({"time": "6am"}, "time"),
        ({"sources": {"spotify": 1}}, "sources"),
        ({"sources": {"listenbrainz": 0}}, "sources"),
        ({"sources": {"ollama": "lots"}}, "sources"),
        ({"size_tracks": 0}, "size_tracks"),
        ({"size_tracks": None, "size_gb": None}, "size_tracks"),
        ({"size_gb": -1}, "size_gb"),
        ({"blocklist": "Nickelback"}, "blocklist"),
        ({"keep_plays": 0}, "keep_plays"),
        ({"one_per_artist": "yes"}, "one_per_artist"),
        ({"listenbrainz": {"playlists": ["monthly-jams"]}}, "listenbrainz"),
    ],
)
async def test_bad_flows_are_refused_naming_the_field(
    client: TestClient[Any, Any], make_user: UserFactory, change: dict[str, Any], field: str
) -> None:
    _, headers = await make_user("alice")
    status, body = await _call(client, "POST", "/api/flows", headers, json={**GOOD, **change})
    assert status == 400, body
    assert body["error"]["details"]["field"] == field
    assert await Flow.all().count() == 0


async def test_create_read_update_and_nobody_else_sees_it(
    client: TestClient[Any, Any], make_user: UserFactory
) -> None:
    _, alice = await make_user("alice")
    _, bob = await make_user("bob")
    status, flow = await _call(client, "POST", "/api/flows", alice, json=GOOD)
    assert status == 201, flow
    assert flow["day"] == "friday" and flow["time"] == "18:30" and flow["next_run_at"]
    assert flow["sources"] == {"listenbrainz": 2.0, "audiomuse": 1.0, "ollama": 0.0}
    # No folders chosen yet: the flow is saved and says why no week started.
    assert "administrator" in flow["notice"]
    status, again = await _call(client, "POST", "/api/flows", alice, json=GOOD)
    assert status == 409 and again["error"]["code"] == "flow_exists"

    status, listed = await _call(client, "GET", "/api/flows", bob)
    assert status == 200 and listed["items"] == []
    status, _ = await _call(client, "GET", f"/api/flows/{flow['id']}", bob)
    assert status == 404
    status, _ = await _call(client, "PATCH", f"/api/flows/{flow['id']}", bob, json={"name": "x"})
    assert status == 404
    status, _ = await _call(client, "DELETE", f"/api/flows/{flow['id']}", bob)
    assert status == 404

    status, patched = await _call(
        client,
        "PATCH",
        f"/api/flows/{flow['id']}",
        alice,
        json={
            "blocklist": ["Nickelback"],
            "size_gb": 1.5,
            "listenbrainz": {"playlists": ["weekly-jams"]},
        },
    )
    assert status == 200, patched
    assert patched["blocklist"] == ["Nickelback"] and patched["size_gb"] == 1.5
    assert patched["listenbrainz"] == {"playlists": ["weekly-jams"]}
    assert patched["sources"]["listenbrainz"] == 2.0  # untouched by a partial update
    status, body = await _call(client, "POST", f"/api/flows/{flow['id']}/run", alice)
    assert status == 409 and body["error"]["code"] == "flows_not_set_up"


async def test_buttons_act_on_the_users_own_tracks_only(
    client: TestClient[Any, Any], scene: Scene, make_user: UserFactory
) -> None:
    alice = await scene.user("alice")
    flow = await scene.flow(alice)
    run = await scene.week(flow)
    track = await scene.track(run, flow, "Cleo Sol", "Promise")
    dropped = await scene.track(run, flow, "Sault", "Wildfires", position=1)
    from companion import keys

    _, token = await client.app[keys.AUTH].issue_token(alice.id, "tests")
    headers = {"Authorization": f"Bearer {token}"}
    _, intruder = await make_user("mallory")

    status, _ = await _call(client, "POST", f"/api/flows/tracks/{track.id}/keep", intruder)
    assert status == 404
    status, body = await _call(client, "POST", f"/api/flows/tracks/{track.id}/keep", headers)
    assert status == 200 and body["decision"] == "keep" and body["state"] == "indexed"

    link = (await FlowLink.get(id=dropped.link_id)).path  # type: ignore[attr-defined]
    file = (await FlowFile.get(id=dropped.file_id)).path  # type: ignore[attr-defined]
    status, body = await _call(client, "POST", f"/api/flows/tracks/{dropped.id}/remove", headers)
    assert status == 200 and body["state"] == "removed" and body["ref"] is None
    assert not os.path.lexists(link) and not os.path.lexists(file)
    status, body = await _call(client, "POST", f"/api/flows/tracks/{dropped.id}/promote", headers)
    assert status == 409 and body["error"]["code"] == "flow_track_settled"

    status, body = await _call(client, "POST", f"/api/flows/tracks/{track.id}/promote", headers)
    assert status == 200 and body["state"] == "promoted"
    kept = await FlowFile.get(id=track.file_id)  # type: ignore[attr-defined]
    assert kept.library_path and Path(kept.library_path).is_file()
    assert dangling_links(scene.folders.links_root) == []


async def test_deleting_a_flow_removes_its_links_and_files_not_shared_ones(
    client: TestClient[Any, Any], scene: Scene
) -> None:
    alice, bob = await scene.user("alice"), await scene.user("bob")
    flow_a, flow_b = await scene.flow(alice), await scene.flow(bob)
    run_a, run_b = await scene.week(flow_a), await scene.week(flow_b)
    own = await scene.track(run_a, flow_a, "Tirzah", "Gladly")
    shared_track = await scene.track(run_a, flow_a, "Mica Levi", "Love", position=1)
    shared = await FlowFile.get(id=shared_track.file_id)  # type: ignore[attr-defined]
    await scene.track(run_b, flow_b, "Mica Levi", "Love", file=shared)
    own_file = (await FlowFile.get(id=own.file_id)).path  # type: ignore[attr-defined]
    from companion import keys

    _, token = await client.app[keys.AUTH].issue_token(alice.id, "tests")
    status, _ = await _call(
        client, "DELETE", f"/api/flows/{flow_a.id}", {"Authorization": f"Bearer {token}"}
    )

    assert status == 204
    assert not await Flow.filter(id=flow_a.id).exists()
    assert not os.path.lexists(own_file)
    assert Path(shared.path).is_file(), "bob's flow still links it"
    assert await FlowTrack.filter(run__flow_id=flow_b.id).count() == 1
    assert dangling_links(scene.folders.links_root) == []


async def test_settings_are_for_administrators_and_refuse_a_hidden_links_folder(
    client: TestClient[Any, Any], make_user: UserFactory, tmp_path: Path
) -> None:
    _, user = await make_user("alice")
    _, admin = await make_user("root", admin=True)
    body = {"library_id": "x", "flows_path": str(tmp_path / "flows")}
    status, _ = await _call(client, "PUT", "/api/flows/settings", user, json=body)
    assert status == 403
    # Without Jellyfin nothing can be checked: 503 and nothing saved.
    status, answer = await _call(client, "PUT", "/api/flows/settings", admin, json=body)
    assert status == 503, answer
    assert await Setting.get_or_none(key=SETTING_KEY) is None


def test_a_hidden_links_folder_is_refused_because_jellyfin_ignores_it(tmp_path: Path) -> None:
    from companion.errors import InvalidInput
    from companion.flows.config import parse_folders

    libraries = {"lib": ("/media/music",)}
    base = {"library_id": "lib", "flows_path": "/data/flows"}
    with pytest.raises(InvalidInput) as hidden:
        parse_folders({**base, "links_name": ".companion-flows"}, libraries)
    assert hidden.value.code == "flows_links_hidden"
    with pytest.raises(InvalidInput, match="outside the library"):
        parse_folders({**base, "flows_path": "/media/music/flows"}, libraries)
    with pytest.raises(InvalidInput, match="music libraries"):
        parse_folders({**base, "library_id": "other"}, libraries)
    folders = parse_folders(base, libraries)
    assert folders.links_root == "/media/music/companion-flows"
    assert folders.jellyfin_path("/media/music/companion-flows/a/b") == folders.links_root + "/a/b"
