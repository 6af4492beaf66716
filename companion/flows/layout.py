"""Where flow files and links live: the install's folders, safe names, and path mapping.

    <flows folder>/<user>/<flow>/<Artist>/<Album>/<file>            the downloaded file
    <library>/<links folder>/<user>/<flow>/<Artist>/<Album>/<file>  a symlink to it

A link stores the file's absolute path, and Jellyfin resolves it in its own container, so the
flows folder must be mounted at the same path in the companion's and Jellyfin's containers.
The library folder may be mounted elsewhere in the companion (`local_library`); paths below
it are mapped by prefix.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import PurePosixPath
from typing import Any

# Jellyfin skips every path component starting with "." (IgnorePatterns "**/.*"), so the
# links folder and every name below it must not be hidden.
DEFAULT_LINKS_NAME = "companion-flows"
_UNSAFE = re.compile(r'[\x00-\x1f/\\:*?"<>|]+')
MAX_NAME = 120


def safe_name(text: str, fallback: str = "Unknown") -> str:
    """A file or folder name from free text: no separators, no leading dot, bounded length."""
    clean = unicodedata.normalize("NFC", _UNSAFE.sub("_", text or "")).strip()
    # A leading dot would hide the folder from Jellyfin; trailing dots and spaces trip SMB.
    clean = clean.lstrip(". ").rstrip(". ")
    encoded = clean.encode("utf-8")[:MAX_NAME]
    clean = encoded.decode("utf-8", "ignore").rstrip(". ")
    return clean or fallback


@dataclass(frozen=True, slots=True)
class FlowFolders:
    """The install's flows settings (administrators choose them; checked before saving)."""

    library_id: str
    # The library folder as Jellyfin sees it (one of the library's locations).
    library_path: str
    # The same folder as the companion sees it (default: the same path).
    local_library: str
    # Downloads of flows (the same path for the companion and for Jellyfin).
    flows_path: str
    links_name: str = DEFAULT_LINKS_NAME

    @property
    def links_root(self) -> str:
        """The links folder as the companion sees it."""
        return str(PurePosixPath(self.local_library) / self.links_name)

    def as_dict(self) -> dict[str, Any]:
        """The stored and API shape."""
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> FlowFolders:
        """Read the stored shape."""
        return cls(
            library_id=str(raw["library_id"]),
            library_path=str(raw["library_path"]),
            local_library=str(raw.get("local_library") or raw["library_path"]),
            flows_path=str(raw["flows_path"]),
            links_name=str(raw.get("links_name") or DEFAULT_LINKS_NAME),
        )

    def jellyfin_path(self, local: str) -> str:
        """A local path below the library folder, as Jellyfin sees it."""
        root = self.local_library.rstrip("/")
        if local != root and not local.startswith(root + "/"):
            raise ValueError(f"{local} is not inside the library folder {root}")
        return self.library_path.rstrip("/") + local[len(root) :]

    def local_path(self, jellyfin: str) -> str | None:
        """A Jellyfin path below the library folder, as the companion sees it (else None)."""
        root = self.library_path.rstrip("/")
        if jellyfin != root and not jellyfin.startswith(root + "/"):
            return None
        return self.local_library.rstrip("/") + jellyfin[len(root) :]

    def file_path(self, folder: str, artist: str, album: str, filename: str) -> str:
        """Where a flow's download goes."""
        return str(
            PurePosixPath(self.flows_path)
            / folder
            / safe_name(artist, "Unknown Artist")
            / safe_name(album, "Unknown Album")
            / safe_name(filename, "track")
        )

    def link_path(self, folder: str, file_path: str) -> str:
        """Where the link to a file goes for a flow (same Artist/Album/file below it)."""
        tail = PurePosixPath(file_path).parts[-3:]
        return str(PurePosixPath(self.links_root) / folder / PurePosixPath(*tail))

    def promoted_path(self, file_path: str) -> str:
        """Where a kept file goes in the library: <library>/<Artist>/<Album>/<file>."""
        tail = PurePosixPath(file_path).parts[-3:]
        return str(PurePosixPath(self.local_library) / PurePosixPath(*tail))


def flow_folder(user_name: str, flow_name: str) -> str:
    """The <user>/<flow> part of a new flow's folders."""
    return f"{safe_name(user_name, 'user')}/{safe_name(flow_name, 'flow')}"
