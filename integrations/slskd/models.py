"""Typed models of slskd's v0 answers (camelCase wire names and flag strings stay here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from integrations.slskd.const import FAILED_FLAGS

Json = dict[str, Any]


def _int(data: Json, key: str) -> int | None:
    value = data.get(key)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    return None


def _str(data: Json, key: str) -> str:
    value = data.get(key)
    return value if isinstance(value, str) else ""


def flags(state: str) -> frozenset[str]:
    """The names in a .NET flags string ("Completed, Succeeded"); the order is not relied on."""
    return frozenset(part.strip() for part in state.split(",") if part.strip())


@dataclass(frozen=True, slots=True)
class SlskdApplication:
    """GET /api/v0/application, reduced: version and the Soulseek connection."""

    version: str
    server_state: str
    connected: bool
    logged_in: bool
    username: str | None

    @classmethod
    def from_dict(cls, data: Json) -> SlskdApplication:
        """Parse the application State."""
        version = data.get("version") if isinstance(data.get("version"), dict) else {}
        server = data.get("server") if isinstance(data.get("server"), dict) else {}
        user = data.get("user") if isinstance(data.get("user"), dict) else {}
        assert isinstance(version, dict) and isinstance(server, dict) and isinstance(user, dict)
        state = _str(server, "state")
        names = flags(state)
        return cls(
            version=_str(version, "current") or _str(version, "full"),
            server_state=state,
            connected=bool(server.get("isConnected", "Connected" in names)),
            logged_in=bool(server.get("isLoggedIn", "LoggedIn" in names)),
            username=_str(user, "username") or None,
        )


@dataclass(frozen=True, slots=True)
class SlskdSearch:
    """A search and its progress (responses are only filled in once it completed)."""

    id: str
    state: str
    response_count: int
    file_count: int

    @property
    def complete(self) -> bool:
        """`isComplete` may be absent on older releases: the state's flags say it too."""
        return "Completed" in flags(self.state)

    @classmethod
    def from_dict(cls, data: Json) -> SlskdSearch:
        """Parse a Search."""
        state = _str(data, "state")
        if data.get("isComplete") is True and "Completed" not in flags(state):
            state = f"Completed, {state}" if state else "Completed"
        return cls(
            id=_str(data, "id"),
            state=state,
            response_count=_int(data, "responseCount") or 0,
            file_count=_int(data, "fileCount") or 0,
        )


@dataclass(frozen=True, slots=True)
class SlskdFile:
    """One file of a search response, with its peer's slot, queue and speed."""

    username: str
    filename: str
    size: int
    extension: str
    bitrate: int | None
    bit_depth: int | None
    sample_rate: int | None
    length: int | None
    free_slot: bool
    queue_length: int
    upload_speed: int
    locked: bool


def response_files(data: Json) -> list[SlskdFile]:
    """Every file of one Response (`files` and `lockedFiles`)."""
    username = _str(data, "username")
    out: list[SlskdFile] = []
    for key, locked in (("files", False), ("lockedFiles", True)):
        for f in data.get(key) or ():
            if not isinstance(f, dict) or not _str(f, "filename"):
                continue
            filename = _str(f, "filename")
            base = filename.replace("\\", "/").rsplit("/", 1)[-1]
            ext = _str(f, "extension") or (base.rsplit(".", 1)[-1] if "." in base else "")
            out.append(
                SlskdFile(
                    username=username,
                    filename=filename,
                    size=_int(f, "size") or 0,
                    extension=ext.lower().lstrip("."),
                    bitrate=_int(f, "bitRate"),
                    bit_depth=_int(f, "bitDepth"),
                    sample_rate=_int(f, "sampleRate"),
                    length=_int(f, "length"),
                    free_slot=bool(data.get("hasFreeUploadSlot", False)),
                    queue_length=_int(data, "queueLength") or 0,
                    upload_speed=_int(data, "uploadSpeed") or 0,
                    locked=locked or bool(f.get("isLocked", False)),
                )
            )
    return out


@dataclass(frozen=True, slots=True)
class SlskdTransfer:
    """A download transfer; `state` is the flags string as slskd sends it."""

    id: str
    username: str
    filename: str
    state: str
    size: int
    bytes_transferred: int
    percent: float
    place_in_queue: int | None
    exception: str | None

    @property
    def flags(self) -> frozenset[str]:
        """The state's flag names."""
        return flags(self.state)

    @property
    def succeeded(self) -> bool:
        """Finished and complete ("Completed, Succeeded")."""
        return {"Completed", "Succeeded"} <= self.flags

    @property
    def failure(self) -> str | None:
        """The failing flag of a finished transfer (Errored, Rejected, ...), else None."""
        names = self.flags
        if "Completed" not in names or "Succeeded" in names:
            return None
        bad = sorted(names & FAILED_FLAGS)
        return ", ".join(bad) if bad else "Failed"

    @classmethod
    def from_dict(cls, data: Json) -> SlskdTransfer:
        """Parse a Transfer."""
        percent = data.get("percentComplete")
        exception = data.get("exception")
        return cls(
            id=_str(data, "id"),
            username=_str(data, "username"),
            filename=_str(data, "filename"),
            state=_str(data, "state"),
            size=_int(data, "size") or 0,
            bytes_transferred=_int(data, "bytesTransferred") or 0,
            percent=float(percent) if isinstance(percent, int | float) else 0.0,
            place_in_queue=_int(data, "placeInQueue"),
            exception=str(exception) if exception else None,
        )


def user_transfers(data: Json) -> list[SlskdTransfer]:
    """The transfers of one user group `{username, directories: [{directory, files}]}`."""
    out: list[SlskdTransfer] = []
    for directory in data.get("directories") or ():
        if not isinstance(directory, dict):
            continue
        for f in directory.get("files") or ():
            if isinstance(f, dict):
                out.append(SlskdTransfer.from_dict(f))
    return out


@dataclass(frozen=True, slots=True)
class SlskdListing:
    """GET /files/downloads/directories: the download folder's own path and top names."""

    path: str
    names: tuple[str, ...]

    @classmethod
    def from_dict(cls, data: Json) -> SlskdListing:
        """Parse a FilesystemDirectory (files and directories, non-recursive)."""
        names = [
            _str(entry, "name")
            for key in ("files", "directories")
            for entry in data.get(key) or ()
            if isinstance(entry, dict)
        ]
        return cls(path=_str(data, "fullName"), names=tuple(n for n in names if n))
