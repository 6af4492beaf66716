"""Download settings: the library folder and how each service names it (the path mapping).

One folder is seen under three names: the companion's (where it writes), Jellyfin's (what it
scans) and Lidarr's (its root folder); slskd's download folder has the companion's name and
slskd's own. Translating between them is a prefix swap.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from datetime import timedelta
from pathlib import Path, PurePosixPath
from typing import Any

from companion.accounts.models import Setting
from companion.downloads.ranking import AUDIO, DEFAULT_FORMATS, Preferences
from companion.errors import InvalidInput

SETTING_KEY = "downloads:settings"


@dataclass(frozen=True)
class Timings:
    """How often the worker looks and how long it waits (tests shorten these)."""

    tick: float = 1.0
    search_poll: float = 1.0
    search_timeout: float = 15.0
    # One request lists every transfer; a second's delay is most of the arrival budget.
    transfer_poll: float = 1.0
    lidarr_poll: float = 15.0
    stall_after: timedelta = timedelta(minutes=30)
    retry_base: float = 30.0
    retry_max: float = 1800.0
    rescan_after: timedelta = timedelta(minutes=10)
    album_listed_within: timedelta = timedelta(minutes=10)


@dataclass(frozen=True)
class FolderSettings:
    """The admin's choices: library folder, its names per service, Lidarr profiles, formats."""

    library_id: str | None = None
    library_name: str | None = None
    jellyfin_folder: str | None = None
    companion_folder: str | None = None
    lidarr_folder: str | None = None
    quality_profile: str | None = None
    metadata_profile: str | None = None
    slskd_folder: str | None = None
    formats: tuple[str, ...] = DEFAULT_FORMATS
    min_bitrate: int = 192
    stall_minutes: float = 30.0
    checked_at: str | None = field(default=None, compare=False)

    @property
    def ready(self) -> bool:
        """Whether files can be placed and scanned (the library folder is known everywhere)."""
        return bool(self.jellyfin_folder and self.companion_folder)

    @property
    def preferences(self) -> Preferences:
        """Format preferences for choosing Soulseek files."""
        return Preferences(formats=self.formats, min_bitrate=self.min_bitrate)

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape."""
        out = asdict(self)
        out["formats"] = list(self.formats)
        return out

    # -- the mapping -------------------------------------------------------------------------

    def jellyfin_path(self, companion_path: Path) -> str | None:
        """Jellyfin's name of a file the companion placed in the library folder."""
        if not self.ready:
            return None
        assert self.companion_folder is not None and self.jellyfin_folder is not None
        try:
            rel = companion_path.relative_to(Path(self.companion_folder))
        except ValueError:
            return None
        return str(PurePosixPath(self.jellyfin_folder) / PurePosixPath(rel.as_posix()))

    def jellyfin_from_lidarr(self, lidarr_path: str) -> str:
        """Jellyfin's name of a file Lidarr imported (unchanged outside the mapped folder)."""
        return _swap(lidarr_path, self.lidarr_folder, self.jellyfin_folder)

    def companion_from_lidarr(self, lidarr_path: str) -> str:
        """The companion's name of a file Lidarr imported."""
        return _swap(lidarr_path, self.lidarr_folder, self.companion_folder)


def _swap(path: str, old: str | None, new: str | None) -> str:
    if not old or not new:
        return path
    root = old.rstrip("/")
    if path == root:
        return new.rstrip("/")
    if path.startswith(root + "/"):
        return new.rstrip("/") + path[len(root) :]
    return path


def _path(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not value.startswith("/") or "\x00" in value:
        raise InvalidInput(f"'{key}' must be an absolute path.", details={"field": key})
    if any(part == ".." for part in value.split("/")):
        raise InvalidInput(f"'{key}' may not contain '..'.", details={"field": key})
    return value.rstrip("/") or "/"


def _text(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str) or len(value) > 255:
        raise InvalidInput(f"'{key}' must be text.", details={"field": key})
    return value


def parse(body: dict[str, Any], current: FolderSettings) -> FolderSettings:
    """New settings from a request body (absent keys keep their value); 400 on bad values."""
    known = {f.name for f in fields(FolderSettings)} - {"checked_at"}
    unknown = sorted(set(body) - known)
    if unknown:
        raise InvalidInput(f"Unknown setting: {unknown[0]}.", details={"field": unknown[0]})
    changes: dict[str, Any] = {}
    for key in ("jellyfin_folder", "companion_folder", "lidarr_folder", "slskd_folder"):
        if key in body:
            changes[key] = _path(body, key)
    for key in ("library_id", "library_name", "quality_profile", "metadata_profile"):
        if key in body:
            changes[key] = _text(body, key)
    if "formats" in body:
        formats = body["formats"]
        if (
            not isinstance(formats, list)
            or not formats
            or not all(isinstance(f, str) and f.lower() in AUDIO for f in formats)
        ):
            raise InvalidInput(
                f"'formats' must list audio formats in order, from {', '.join(sorted(AUDIO))}.",
                details={"field": "formats"},
            )
        changes["formats"] = tuple(dict.fromkeys(f.lower() for f in formats))
    for key, low, high in (("min_bitrate", 32, 1411), ("stall_minutes", 1, 24 * 60)):
        if key in body:
            value = body[key]
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not low <= value <= high
            ):
                raise InvalidInput(
                    f"'{key}' must be a number from {low} to {high}.", details={"field": key}
                )
            changes[key] = int(value) if key == "min_bitrate" else float(value)
    return replace(current, **changes)


async def load() -> FolderSettings:
    """The stored settings (defaults when none)."""
    row = await Setting.get_or_none(key=SETTING_KEY)
    value = row.value if row is not None and isinstance(row.value, dict) else {}
    names = {f.name for f in fields(FolderSettings)}
    clean = {k: v for k, v in value.items() if k in names}
    if "formats" in clean:
        clean["formats"] = tuple(clean["formats"])
    return FolderSettings(**clean)


async def save(settings: FolderSettings) -> None:
    """Store the settings."""
    await Setting.update_or_create(key=SETTING_KEY, defaults={"value": settings.as_dict()})
