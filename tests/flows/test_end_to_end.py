"""A weekly flow as a user lives it, on every fake: sources suggest, the library and slskd
ground them, files land in the flows folder and links in Jellyfin's library, the playlist
appears and fills in, a failed download is replaced, and the reset keeps the favorite."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from companion.flows.files import dangling_links
from companion.flows.models import FlowFile
from companion.library.models import LibraryTrack
from companion.library.transient import transient_folders
from companion.playlists.models import Playlist
from companion.testing.ollama_chat import BelievedSong
from companion.testing.slskd import SharedFile
from tests.automation.conftest import Receiver, until
from tests.downloads.audio import mp3
from tests.flows.stack import JELLYFIN_FOLDER, ClientFactory, FlowStack, start_flow_stack

# Not in the fake library: shared on Soulseek as real MP3s (and one nobody shares).
NEW = [
    ("Sunflower", "Vulfpeck", "Thrill of the Arts"),
    ("Nakamarra", "Hiatus Kaiyote", "Tawk Tomahawk"),
    ("Movie", "Tom Misch", "Geography"),
    ("Kerala", "Bonobo", "Migration"),
]
NOBODY_SHARES = ("Song Nobody Has", "Ghost Artist", "Nowhere")
INVENTED = BelievedSong("Vulfpeck Tribute Band", "A Song That Never Existed")


@pytest.fixture
async def stack(
    aiohttp_client: ClientFactory, settings: Any, tmp_path: Path
) -> AsyncIterator[FlowStack]:
    built = await start_flow_stack(aiohttp_client, settings, tmp_path)
    yield built
    await built.close()


def _share(stack: FlowStack, title: str, artist: str, album: str, peer: str) -> None:
    remote = f"@@{peer}\\{artist}\\{album}\\01 - {title}.mp3"
    song = mp3(title, artist, album, track=1, seconds=0.5)
    stack.slskd.add_peer(peer, [SharedFile(remote, song, bitrate=320)])


def _week_tracks(flow: dict[str, Any]) -> list[dict[str, Any]]:
    return list(flow["week"]["tracks"]) if flow.get("week") else []


async def test_a_week_is_built_fetched_linked_listed_and_reset(
    stack: FlowStack, receiver: Receiver
) -> None:
    # An outgoing webhook (e.g. a Home Assistant webhook trigger) for the flow events.
    await stack.call(
        "POST",
        "/api/automation/targets",
        201,
        json={"name": "HA", "url": receiver.url, "event_types": ["flow.ready", "flow.reset"]},
    )
    library_track = stack.jellyfin.library.tracks[5]
    in_library = (library_track.name, stack.jellyfin.library.names(library_track.artist_ids)[0])
    lb = stack.lb
    mbids = [lb.add_recording(t, a, al, 200_000) for t, a, al in NEW[:2]]
    mbids.append(lb.add_recording(*NOBODY_SHARES, 200_000))
    length_ms = int(library_track.runtime_ticks / 10_000)
    mbids.append(lb.add_recording(in_library[0], in_library[1], "", length_ms))
    lb.add_created_for("demo_lb", "weekly-exploration", mbids)
    stack.ollama.songs = [
        BelievedSong(NEW[2][1], NEW[2][0], NEW[2][2]),
        INVENTED,
        BelievedSong(NEW[3][1], NEW[3][0], NEW[3][2]),
    ]
    for n, (title, artist, album) in enumerate(NEW):
        _share(stack, title, artist, album, f"peer{n}")
    # demo's taste: one favorite, which seeds AudioMuse and the language model's prompt.
    favorite = stack.jellyfin.library.tracks[9]
    await stack.call("PUT", f"/api/favorites/jellyfin:{favorite.id}")

    # The flows folders: checked with probe files seen by Jellyfin, then saved.
    saved = await stack.call(
        "PUT", "/api/flows/settings", json={"flows_path": str(stack.flows_dir)}
    )
    folders = saved["folders"]
    assert folders["library_path"] == JELLYFIN_FOLDER
    assert folders["local_library"] == str(stack.library)
    assert not any(p.name.startswith("companion-probe") for p in stack.flows_dir.rglob("*"))
    # The links folder is declared temporary: no wanted track is ever matched to a flow item.
    assert await transient_folders() == (f"{JELLYFIN_FOLDER}/{folders['links_name']}/",)

    flow = await stack.call(
        "POST",
        "/api/flows",
        201,
        json={
            "name": "Discovery",
            "size_tracks": 6,
            "day": "monday",
            "time": "06:00",
            "sources": {"listenbrainz": 2, "ollama": 1},
            "blocklist": ["Nobody At All"],
        },
    )
    ready = await stack.wait_flow(
        flow["id"],
        lambda f: (
            f["week"] is not None
            and f["playlist_id"] is not None
            and f["week"]["progress"]["downloading"] == 0
        ),
    )
    tracks = _week_tracks(ready)
    by_title = {t["title"]: t for t in [*tracks, *ready["week"]["replaced"]]}
    # The library track is a library pick, playable at once; nothing invented is playable.
    assert by_title[in_library[0]]["kind"] == "library"
    assert by_title[in_library[0]]["state"] == "indexed"
    playable = [t for t in tracks if t["ref"]]
    assert all(t["state"] == "indexed" for t in playable)
    assert all(t["title"] != INVENTED.title for t in playable)
    # Downloads landed in <flows>/<user>/<flow>/Artist/Album/file, linked into the library.
    downloaded = [t for t in tracks if t["kind"] == "download" and t["state"] == "indexed"]
    assert downloaded, tracks
    for track in downloaded:
        file_row = await FlowFile.get(key=(await _key(track)))
        assert file_row.path.startswith(str(stack.flows_dir / "demo" / "Discovery"))
        indexed = await LibraryTrack.get(item_id=track["ref"].removeprefix("jellyfin:"))
        assert indexed.path is not None
        assert indexed.path.startswith(f"{JELLYFIN_FOLDER}/companion-flows/demo/Discovery/")
    # Each download is one of demo's wanted downloads (source "flow"), placed, never scanned
    # into the library by the downloads capability itself.
    wanted = (await stack.call("GET", "/api/downloads"))["items"]
    by_wanted = {w["title"]: w for w in wanted if w["source"] == "flow"}
    for track in downloaded:
        assert by_wanted[track["title"]]["state"] == "placed"
        assert by_wanted[track["title"]]["placed"].startswith(str(stack.flows_dir))
    assert by_wanted[INVENTED.title]["state"] == "failed"
    # The language model was asked with demo's taste and its suggestions grounded.
    (chat,) = stack.ollama.chats
    assert favorite.name in chat["messages"][-1]["content"]
    # Nobody shares two of the picks: the first failure was replaced from the reserve
    # (Bonobo, downloaded and playable); the invented song failed and never became playable.
    assert len(tracks) == 6
    assert by_title["Kerala"]["state"] == "indexed" and by_title["Kerala"]["role"] == "pick"
    for title in (INVENTED.title, NOBODY_SHARES[0]):
        assert by_title[title]["state"] == "failed" and by_title[title]["ref"] is None
    assert len(ready["week"]["replaced"]) == 1
    assert {t["state"] for t in tracks} == {"indexed", "failed"}
    # The playlist belongs to demo, is named after the flow and the week, holds the playable.
    playlist = await Playlist.get(id=ready["playlist_id"])
    assert playlist.name.startswith("Discovery · Week ")
    assert sorted(playlist.item_ids) == sorted(t["ref"].removeprefix("jellyfin:") for t in playable)
    ready_events = [e for e in stack.events if e.type == "flow.ready"]
    assert len(ready_events) == 1
    assert ready_events[0].user_id == stack.jellyfin.user_id("demo")
    assert ready_events[0].data["flow_id"] == flow["id"]

    # demo favorites one downloaded track in "any client" (through the companion here).
    liked = downloaded[0]
    await stack.call("PUT", f"/api/favorites/{liked['ref']}")
    liked_file = await FlowFile.get(key=await _key(liked))
    old_path = liked_file.path

    transfers_before = len(stack.slskd.world.transfers)
    await stack.call("POST", f"/api/flows/{flow['id']}/run", 202)
    second = await stack.wait_flow(
        flow["id"],
        lambda f: (
            any(p["state"] == "done" for p in f["past"])
            and f["week"]["progress"]["downloading"] == 0
        ),
    )

    # ListenBrainz suggests the same playlist again: the tracks that come back keep their file,
    # link and Jellyfin item, and nothing is fetched twice.
    again = {t["title"]: t for t in _week_tracks(second)}
    back = [t for t in downloaded if t["title"] in again and t["title"] != liked["title"]]
    assert back, again
    for track in back:
        assert again[track["title"]]["ref"] == track["ref"]
        assert again[track["title"]]["state"] == "indexed"
    fetched = [r.filename for r in list(stack.slskd.world.transfers.values())[transfers_before:]]
    assert not any(t["title"] in name for t in back for name in fetched), fetched

    # The favorite moved into the library folder (Artist/Album/file), its link is gone.
    await liked_file.refresh_from_db()
    assert liked_file.state == "promoted" and liked_file.library_path
    assert liked_file.library_path.startswith(str(stack.library))
    assert Path(liked_file.library_path).is_file()
    assert not os.path.lexists(old_path)
    assert dangling_links(str(stack.library)) == []
    # It joins "<flow> kept" once Jellyfin indexed it in its new place.
    kept = await stack.wait_flow(flow["id"], lambda f: f["kept_playlist_id"] is not None)
    kept_list = await Playlist.get(id=kept["kept_playlist_id"])
    assert kept_list.name == "Discovery kept" and len(kept_list.item_ids) == 1
    moved = await LibraryTrack.get(item_id=kept_list.item_ids[0])
    assert moved.path == JELLYFIN_FOLDER + liked_file.library_path.removeprefix(str(stack.library))
    # Its old link's item left Jellyfin (links first, then the scan Jellyfin was asked for).
    old_item = liked["ref"].removeprefix("jellyfin:")
    await until(lambda: _gone(old_item), timeout=30)
    resets = [e for e in stack.events if e.type == "flow.reset"]
    assert resets and resets[0].data["kept"] >= 1
    # Both events went out through the outgoing webhook, as the event JSON.
    await until(lambda: _count(receiver, 2))
    sent = [json.loads(body) for _, body in receiver.received]
    types = [e["type"] for e in sent]
    # The second week becomes ready too (once its downloads landed): a second flow.ready.
    assert types[0] == "flow.ready" and "flow.reset" in types
    assert sent[0]["data"]["flow"] == "Discovery" and sent[0]["user_id"] == ready_events[0].user_id


async def _gone(item_id: str) -> bool:
    return not await LibraryTrack.exists(item_id=item_id)


async def _count(receiver: Receiver, n: int) -> bool:
    return len(receiver.received) >= n


async def _key(track: dict[str, Any]) -> str:
    from companion.flows.candidates import track_key

    return track_key(tuple(track["artists"]), track["title"])


async def test_folders_jellyfin_cannot_see_are_refused_and_nothing_is_left(
    stack: FlowStack, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "not-mounted"
    status_ok = await stack.call(
        "PUT", "/api/flows/settings", 400, json={"flows_path": str(elsewhere)}
    )
    assert status_ok["error"]["code"] == "flows_jellyfin_cannot_see"
    assert "same path" in status_ok["error"]["message"]
    assert (await stack.call("GET", "/api/flows/settings"))["folders"] is None
    # The probe link went first, then the probe file: nothing is left behind.
    assert list(elsewhere.iterdir()) == []
    assert not any((stack.library / "companion-flows").iterdir())
