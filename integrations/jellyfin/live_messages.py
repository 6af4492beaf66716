"""Jellyfin websocket messages (reference section 8) parsed into live facts."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from companion.providers.live import (
    Fact,
    LibraryFact,
    PlaybackFact,
    ScanFinishedFact,
    SessionsSnapshot,
    SocketCredential,
    UserDataFact,
)
from integrations.jellyfin.base import PARSE_ERRORS
from integrations.jellyfin.const import SCAN_TASK_KEY
from integrations.jellyfin.models import (
    Session,
    UserData,
    normalize_id,
    optional_id,
    parse_datetime,
)

_LOGGER = logging.getLogger(__name__)

# Jellyfin writes an empty Guid (a session with no user) as zeros in SessionInfoDto.
_EMPTY_ID = "0" * 32


@dataclass(frozen=True)
class Envelope:
    """One server message: `{"MessageType", "Data", "MessageId"}`."""

    kind: str
    data: Any = None


def decode(raw: str | bytes) -> Envelope | None:
    """Read an envelope; None (logged at debug) for bad JSON or a shape that is not one."""
    try:
        msg = json.loads(raw)
    except ValueError:
        _LOGGER.debug("Ignoring a Jellyfin socket message that is not JSON")
        return None
    if not isinstance(msg, dict) or not isinstance(msg.get("MessageType"), str):
        _LOGGER.debug("Ignoring a Jellyfin socket message without a MessageType")
        return None
    return Envelope(msg["MessageType"], msg.get("Data"))


def keepalive_timeout(data: Any) -> float | None:
    """The seconds of a `ForceKeepAlive` (Data is a number, sometimes a numeric string)."""
    try:
        value = float(data)
    except (TypeError, ValueError):
        return None
    return value if value > 0 else None


def facts_for(
    envelope: Envelope, credential: SocketCredential, now: datetime | None = None
) -> list[Fact]:
    """The facts one message carries (none for messages the companion does not use)."""
    parse = _PARSERS.get(envelope.kind)
    if parse is None:
        return []
    at = now or datetime.now(UTC)
    try:
        return parse(envelope.data, credential, at)
    except PARSE_ERRORS as err:
        _LOGGER.debug("Ignoring a malformed Jellyfin %s message (%r)", envelope.kind, err)
        return []


def _user_data(data: Any, credential: SocketCredential, at: datetime) -> list[Fact]:
    if not isinstance(data, Mapping):
        return []
    user_id = optional_id(data.get("UserId")) or optional_id(credential.user_id)
    entries = data.get("UserDataList")
    if user_id is None or not isinstance(entries, list):
        return []
    facts: list[Fact] = []
    # The parent album's entry rides along; it is passed on and the core decides.
    for entry in entries:
        if not isinstance(entry, Mapping) or not entry.get("ItemId"):
            continue
        ud = UserData.from_dict(entry)
        facts.append(
            UserDataFact(
                user_id=user_id,
                item_id=ud.item_id,
                is_favorite=ud.is_favorite,
                play_count=ud.play_count,
                at=at,
                source="socket",
                last_played=ud.last_played_date,
            )
        )
    return facts


def _ids(data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = data.get(key)
    if not isinstance(value, list):
        return ()
    return tuple(dict.fromkeys(normalize_id(v) for v in value if isinstance(v, str) and v))


def _library(data: Any, credential: SocketCredential, at: datetime) -> list[Fact]:
    if not isinstance(data, Mapping):
        return []
    added, updated, removed = (
        _ids(data, "ItemsAdded"),
        _ids(data, "ItemsUpdated"),
        _ids(data, "ItemsRemoved"),
    )
    if not (added or updated or removed):
        return []
    return [LibraryFact(added=added, updated=updated, removed=removed, at=at, source="socket")]


def _sessions(data: Any, credential: SocketCredential, at: datetime) -> list[Fact]:
    if not isinstance(data, list):
        return []
    playing: list[PlaybackFact] = []
    for raw in data:
        if not isinstance(raw, Mapping):
            continue
        try:
            fact = _playing(raw, at)
        except PARSE_ERRORS as err:
            _LOGGER.debug("Skipping a Jellyfin session that does not parse (%r)", err)
            continue
        if fact is not None:
            playing.append(fact)
    # An administrator sees every session; anyone else only their own.
    own = optional_id(credential.user_id)
    users = None if credential.is_admin or own is None else frozenset({own})
    return [SessionsSnapshot(playing=tuple(playing), at=at, source="socket", users=users)]


def sessions_snapshot(data: Any, credential: SocketCredential, at: datetime) -> SessionsSnapshot:
    """A SessionInfoDto list (from the socket or GET /Sessions) as one snapshot."""
    facts = _sessions(data if isinstance(data, list) else [], credential, at)
    snapshot = facts[0]
    assert isinstance(snapshot, SessionsSnapshot)
    return snapshot


def _playing(raw: Mapping[str, Any], at: datetime) -> PlaybackFact | None:
    session = Session.from_dict(raw)
    item = session.now_playing
    user_id = session.user_id
    if item is None or item.type != "Audio" or user_id is None or user_id == _EMPTY_ID:
        return None
    # The position is as of the last check-in, which is when Jellyfin heard it.
    checked_in = parse_datetime(raw.get("LastPlaybackCheckIn"))
    return PlaybackFact(
        user_id=user_id,
        session_id=session.id,
        item_id=item.id,
        event="progress",
        position_ticks=session.position_ticks or 0,
        at=checked_in or at,
        source="socket",
        runtime_ticks=item.run_time_ticks or 0,
        is_paused=session.is_paused,
        device_name=session.device_name or "",
        device_id=session.device_id or "",
        client=session.client or "",
    )


def _task_ended(data: Any, credential: SocketCredential, at: datetime) -> list[Fact]:
    if not isinstance(data, Mapping) or data.get("Key") != SCAN_TASK_KEY:
        return []
    status = data.get("Status")
    ended = parse_datetime(data.get("EndTimeUtc"))
    return [
        ScanFinishedFact(
            status=status if isinstance(status, str) else "", at=ended or at, source="socket"
        )
    ]


_Parser = Callable[[Any, SocketCredential, datetime], list[Fact]]
_PARSERS: dict[str, _Parser] = {
    "UserDataChanged": _user_data,
    "LibraryChanged": _library,
    "Sessions": _sessions,
    "ScheduledTaskEnded": _task_ended,
}
