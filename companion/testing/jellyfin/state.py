"""In-memory server state: users, tokens, user data, playlists, sessions, faults, logs."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .library import Library
from .wire import md5_id, new_id, now_utc

# The emulated releases: each behaves as that release's source does (see the reference's
# Corrections section), wrong behaviours included.
SUPPORTED_VERSIONS = ("10.9.11", "10.10.7", "10.11.11", "12.0.0")
# Also accepted, never emulated on purpose: 10.8.13 only reports itself, so a test can check
# that a client refuses an unsupported server; 10.11.6 behaves as 10.11.11 (same 10.11 code for
# everything the fake emulates) for suites written before 10.11.11 was emulated.
ACCEPTED_VERSIONS = (*SUPPORTED_VERSIONS, "10.8.13", "10.11.6")
SCAN_TASK_ID = "7738148ffcd07979c7ceb148e06b3aed"


def version_tuple(version: str) -> tuple[int, ...]:
    """Return a comparable version tuple."""
    return tuple(int(p) for p in version.split(".") if p.isdigit())


@dataclass(slots=True)
class User:
    """A Jellyfin user."""

    id: str
    name: str
    password: str
    is_admin: bool
    disabled: bool = False
    last_login: datetime | None = None
    last_activity: datetime | None = None


@dataclass(slots=True)
class Token:
    """An access token: a device token of a user, or an API key (no user)."""

    token: str
    user_id: str | None
    is_api_key: bool
    client: str = ""
    device: str = ""
    device_id: str = ""
    version: str = ""
    created: datetime = field(default_factory=now_utc)


@dataclass(slots=True)
class UserData:
    """Per user per item data (UserItemDataDto source)."""

    play_count: int = 0
    is_favorite: bool = False
    played: bool = False
    last_played: datetime | None = None
    position_ticks: int = 0
    likes: bool | None = None
    rating: float | None = None
    # No save timestamp: Jellyfin's user data carries none (jellyfin#17542).


@dataclass(slots=True)
class Playlist:
    """A playlist; entries are (PlaylistItemId, item id) pairs."""

    id: str
    name: str
    owner_id: str
    entries: list[tuple[str, str]] = field(default_factory=list)
    shares: list[dict[str, Any]] = field(default_factory=list)
    is_public: bool = False
    media_type: str = "Audio"
    created: datetime = field(default_factory=now_utc)


@dataclass(slots=True)
class Session:
    """A client session (one per Client+DeviceId)."""

    id: str
    user_id: str | None
    client: str
    device_name: str
    device_id: str
    app_version: str
    remote_end_point: str = "127.0.0.1"
    supports_remote_control: bool = False
    now_playing_id: str | None = None
    position_ticks: int = 0
    is_paused: bool = False
    play_method: str = "DirectPlay"
    media_source_id: str | None = None
    play_session_id: str | None = None
    last_activity: datetime = field(default_factory=now_utc)
    last_playback_check_in: datetime | None = None
    last_paused: datetime | None = None
    queue: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class Faults:
    """Injected faults for REST requests and websockets."""

    latency_ms: float = 0.0
    error_rate: float = 0.0
    status: int = 500
    drop_sockets: bool = False
    paths: list[str] | None = None

    def applies(self, path: str) -> bool:
        """Return whether faults apply to this path."""
        if self.paths is None:
            return True
        return any(path.startswith(p) for p in self.paths)


@dataclass(slots=True)
class WebhookConfig:
    """Webhook plugin Generic destination settings."""

    url: str
    headers: dict[str, str] = field(default_factory=dict)
    send_all_properties: bool = True
    enable_songs: bool = True
    enable_albums: bool = True
    notification_types: list[str] | None = None
    server_url: str = ""
    # Delivery as a real network and plugin may do it (both off by default):
    out_of_order: bool = False  # events queued together are sent newest first
    reorder_window: float = 0.05  # how long the sender gathers events to reorder
    split_body: bool = False  # the body leaves in two TCP segments with a pause between
    segment_pause: float = 0.05


@dataclass(slots=True)
class ScanTask:
    """The RefreshLibrary scheduled task."""

    state: str = "Idle"
    progress: float | None = None
    last_result: dict[str, Any] | None = None
    generation: int = 0


class State:
    """Everything the fake server remembers."""

    def __init__(
        self, library: Library, version: str, server_id: str, users: dict[str, tuple[str, bool]]
    ) -> None:
        self.library = library
        self.version = version
        self.server_id = server_id
        self.server_name = "fake-jellyfin"
        self.users: dict[str, User] = {}
        self.tokens: dict[str, Token] = {}
        self.user_data: dict[str, dict[str, UserData]] = {}
        self.playlists: dict[str, Playlist] = {}
        self.sessions: dict[str, Session] = {}
        self.faults = Faults()
        self.requests: list[dict[str, Any]] = []
        # Contract tests switch this on to validate every JSON answer against the spec.
        self.record_responses = False
        self.responses: list[dict[str, Any]] = []
        # Installed plugins besides Webhook (GET /Plugins): Playback Reporting when set.
        self.playback_reporting = False
        self.remote_commands: list[dict[str, Any]] = []
        self.webhook: WebhookConfig | None = None
        self.webhook_log: list[dict[str, Any]] = []
        self.scan = ScanTask()
        # Real folders of the Music library (media_folder.MediaFolder), scanned when told.
        self.music_folders: list[Any] = []
        self.started = time.monotonic()
        for name, (pw, admin) in users.items():
            self.add_user(name, pw, admin)

    # -- versions ---------------------------------------------------------------------------

    @property
    def vt(self) -> tuple[int, ...]:
        """The reported version as a tuple."""
        return version_tuple(self.version)

    @property
    def legacy_auth(self) -> bool:
        """Whether X-Emby-*, Emby scheme and api_key are accepted (off by default in 12.0)."""
        return self.vt < (12,)

    # -- users and tokens -------------------------------------------------------------------

    def add_user(self, name: str, password: str, admin: bool) -> User:
        """Create a user with a deterministic id."""
        u = User(md5_id("user", name.lower()), name, password, admin)
        self.users[u.id] = u
        return u

    def user_by_name(self, name: str) -> User | None:
        """Find a user by case-insensitive name."""
        low = name.lower()
        return next((u for u in self.users.values() if u.name.lower() == low), None)

    def delete_user(self, user: User) -> None:
        """Delete a user, revoking their tokens and sessions."""
        self.users.pop(user.id, None)
        for tok in [t for t in self.tokens.values() if t.user_id == user.id]:
            del self.tokens[tok.token]
        for sid in [s.id for s in self.sessions.values() if s.user_id == user.id]:
            del self.sessions[sid]
        self.user_data.pop(user.id, None)

    def add_api_key(self, name: str, token: str | None = None) -> str:
        """Register an API key; returns it."""
        tok = token or new_id()
        self.tokens[tok] = Token(tok, None, True, client=name, device_id=self.server_id)
        return tok

    def issue_token(self, user: User, client: str, device: str, device_id: str, ver: str) -> Token:
        """Issue a device token, revoking older tokens of the same user+DeviceId."""
        for old in [
            t
            for t in self.tokens.values()
            if t.user_id == user.id and t.device_id == device_id and not t.is_api_key
        ]:
            del self.tokens[old.token]
        tok = Token(new_id(), user.id, False, client, device, device_id, ver)
        self.tokens[tok.token] = tok
        return tok

    # -- user data --------------------------------------------------------------------------

    def data_for(self, user_id: str, item_id: str, create: bool = False) -> UserData | None:
        """Return a user's data for an item, optionally creating it."""
        per = self.user_data.setdefault(user_id, {}) if create else self.user_data.get(user_id)
        if per is None:
            return None
        ud = per.get(item_id)
        if ud is None and create:
            ud = per[item_id] = UserData()
        return ud

    # -- sessions ---------------------------------------------------------------------------

    def session_for(
        self,
        tok: Token,
        remote: str = "127.0.0.1",
        *,
        client: str | None = None,
        device: str | None = None,
        device_id: str | None = None,
        version: str | None = None,
    ) -> Session:
        """Return (creating) the session of a caller: id is MD5 of Client+DeviceId.

        The request's own header values win over the token's device record (one user token
        used from two browsers with two DeviceIds makes two sessions, as on the server).
        """
        client = client or tok.client
        device_id = device_id or tok.device_id
        sid = md5_id(client, device_id)
        s = self.sessions.get(sid)
        if s is None or s.user_id != tok.user_id:
            s = Session(
                sid, tok.user_id, client, device or tok.device, device_id, version or tok.version
            )
            s.remote_end_point = remote
            self.sessions[sid] = s
        return s
