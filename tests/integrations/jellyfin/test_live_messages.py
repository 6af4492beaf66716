"""Parsing Jellyfin websocket messages into live facts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from companion.providers.live import (
    LibraryFact,
    PlaybackFact,
    ScanFinishedFact,
    SessionsSnapshot,
    SocketCredential,
    UserDataFact,
)
from integrations.jellyfin.live import socket_url
from integrations.jellyfin.live_messages import Envelope, decode, facts_for, keepalive_timeout

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
USER = "a" * 32
OTHER = "b" * 32
TRACK = "c" * 32
ALBUM = "d" * 32
ADMIN = SocketCredential(user_id=USER, token="t" * 32, device_id="dev", is_admin=True)
GUEST = SocketCredential(user_id=OTHER, token="g" * 32, device_id="dev")


def hyphenated(hex32: str) -> str:
    h = hex32.upper()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def msg(kind: str, data: Any) -> Envelope:
    envelope = decode(json.dumps({"MessageType": kind, "Data": data, "MessageId": "e" * 32}))
    assert envelope is not None
    return envelope


def test_decode_ignores_garbage() -> None:
    assert decode("{not json") is None
    assert decode("[1, 2]") is None
    assert decode('{"Data": 1}') is None
    assert decode(b'{"MessageType": "KeepAlive"}') == Envelope("KeepAlive", None)


def test_keepalive_timeout() -> None:
    assert keepalive_timeout(60) == 60.0
    assert keepalive_timeout("30") == 30.0
    assert keepalive_timeout(None) is None
    assert keepalive_timeout(0) is None
    assert keepalive_timeout("soon") is None


def test_socket_url_keeps_base_path_and_uses_apikey() -> None:
    url = socket_url("https://media.example.com/jellyfin/", "tok", "dev id")
    assert url == "wss://media.example.com/jellyfin/socket?ApiKey=tok&deviceId=dev+id"
    assert socket_url("http://10.0.0.2:8096", "tok", "d").startswith("ws://10.0.0.2:8096/socket?")
    assert "api_key" not in url


def test_user_data_changed_one_fact_per_entry() -> None:
    data = {
        "UserId": hyphenated(USER),
        "UserDataList": [
            {
                "PlaybackPositionTicks": 0,
                "PlayCount": 4,
                "IsFavorite": True,
                "LastPlayedDate": "2025-12-31T23:00:00.1234567Z",
                "Played": True,
                "Key": "k",
                "ItemId": hyphenated(TRACK),
            },
            {"PlayCount": 0, "IsFavorite": False, "UnplayedItemCount": 3, "ItemId": ALBUM},
            {"IsFavorite": True},  # no ItemId: skipped
            "nonsense",
        ],
    }
    facts = facts_for(msg("UserDataChanged", data), ADMIN, NOW)
    assert facts == [
        UserDataFact(
            user_id=USER,
            item_id=TRACK,
            is_favorite=True,
            play_count=4,
            at=NOW,
            source="socket",
            last_played=datetime(2025, 12, 31, 23, 0, 0, 123456, tzinfo=UTC),
        ),
        UserDataFact(
            user_id=USER, item_id=ALBUM, is_favorite=False, play_count=0, at=NOW, source="socket"
        ),
    ]


def test_user_data_changed_without_user_id_uses_the_socket_user() -> None:
    facts = facts_for(msg("UserDataChanged", {"UserDataList": [{"ItemId": TRACK}]}), GUEST, NOW)
    assert [f.user_id for f in facts if isinstance(f, UserDataFact)] == [OTHER]


def test_library_changed() -> None:
    data = {
        "FoldersAddedTo": [],
        "ItemsAdded": [TRACK, hyphenated(TRACK), ALBUM],
        "ItemsUpdated": [hyphenated(USER)],
        "ItemsRemoved": [OTHER],
        "CollectionFolders": ["f" * 32],
    }
    assert facts_for(msg("LibraryChanged", data), ADMIN, NOW) == [
        LibraryFact(added=(TRACK, ALBUM), updated=(USER,), removed=(OTHER,), at=NOW)
    ]
    empty = {"ItemsAdded": [], "ItemsUpdated": [], "ItemsRemoved": [], "FoldersAddedTo": ["x"]}
    assert facts_for(msg("LibraryChanged", empty), ADMIN, NOW) == []
    assert facts_for(msg("LibraryChanged", "oops"), ADMIN, NOW) == []


def session(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "Id": "1" * 32,
        "UserId": USER,
        "UserName": "demo",
        "Client": "Finamp",
        "DeviceName": "Phone",
        "DeviceId": "Phone-Device-Id",
        "PlayState": {"PositionTicks": 12_000_000, "IsPaused": True, "CanSeek": True},
        "NowPlayingItem": {"Id": hyphenated(TRACK), "Type": "Audio", "RunTimeTicks": 2_400_000_000},
    }
    base.update(overrides)
    return base


def test_sessions_snapshot_for_an_admin() -> None:
    data = [
        session(LastPlaybackCheckIn="2026-01-02T03:04:00.0000000Z"),
        session(Id="2" * 32, NowPlayingItem={"Id": TRACK, "Type": "Movie"}),
        session(Id="3" * 32, NowPlayingItem=None),
        session(Id="4" * 32, UserId="0" * 32),
        session(Id="5" * 32, PlayState={}, NowPlayingItem={"Id": ALBUM, "Type": "Audio"}),
        {"NoId": True},
    ]
    (snap,) = facts_for(msg("Sessions", data), ADMIN, NOW)
    assert isinstance(snap, SessionsSnapshot)
    assert snap.users is None and snap.at == NOW and snap.source == "socket"
    assert snap.playing == (
        PlaybackFact(
            user_id=USER,
            session_id="1" * 32,
            item_id=TRACK,
            event="progress",
            position_ticks=12_000_000,
            at=datetime(2026, 1, 2, 3, 4, tzinfo=UTC),
            source="socket",
            runtime_ticks=2_400_000_000,
            is_paused=True,
            device_name="Phone",
            device_id="Phone-Device-Id",
            client="Finamp",
        ),
        PlaybackFact(
            user_id=USER,
            session_id="5" * 32,
            item_id=ALBUM,
            event="progress",
            position_ticks=0,
            at=NOW,
            source="socket",
            device_name="Phone",
            device_id="Phone-Device-Id",
            client="Finamp",
        ),
    )


def test_sessions_snapshot_of_a_user_covers_only_that_user() -> None:
    (snap,) = facts_for(msg("Sessions", []), GUEST, NOW)
    assert snap == SessionsSnapshot(playing=(), at=NOW, source="socket", users=frozenset({OTHER}))


def test_scheduled_task_ended() -> None:
    result = {
        "StartTimeUtc": "2026-01-02T03:00:00.0000000Z",
        "EndTimeUtc": "2026-01-02T03:01:00.5000000Z",
        "Status": "Completed",
        "Name": "Scan Media Library",
        "Key": "RefreshLibrary",
        "Id": "7738148ffcd07979c7ceb148e06b3aed",
    }
    assert facts_for(msg("ScheduledTaskEnded", result), ADMIN, NOW) == [
        ScanFinishedFact(
            status="Completed",
            at=datetime(2026, 1, 2, 3, 1, 0, 500000, tzinfo=UTC),
            source="socket",
        )
    ]
    other = {**result, "Key": "CleanTranscodeFolder"}
    assert facts_for(msg("ScheduledTaskEnded", other), ADMIN, NOW) == []
    no_end = {"Key": "RefreshLibrary", "Status": "Failed"}
    assert facts_for(msg("ScheduledTaskEnded", no_end), ADMIN, NOW) == [
        ScanFinishedFact(status="Failed", at=NOW, source="socket")
    ]


def test_other_messages_carry_no_facts() -> None:
    for kind in ("KeepAlive", "RefreshProgress", "UserUpdated", "Play", "GeneralCommand"):
        assert facts_for(msg(kind, {"ItemId": TRACK}), ADMIN, NOW) == []
