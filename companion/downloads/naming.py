"""Where a downloaded file goes: `Artist/Album/NN - Title.ext`, with names made safe.

Names come from the file's tags (or the wanted item); every part is sanitised so that no tag can
climb out of the library folder (`../`), hide from Jellyfin (a leading dot: its IgnorePatterns
skip `**/.*`) or use characters or names that Windows, macOS or Linux file systems refuse (and
SMB shares of them), and stays within 255 bytes.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import PurePosixPath

# Reserved on Windows (and so on SMB shares and NTFS mounts), with or without an extension.
_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"COM{n}" for n in range(1, 10)}
    | {f"LPT{n}" for n in range(1, 10)}
)
_ILLEGAL = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_SPACES = re.compile(r"\s+")
MAX_PART_BYTES = 180
UNKNOWN = "Unknown"


def safe_part(text: str | None, fallback: str = UNKNOWN) -> str:
    """One path component: no separators, no illegal characters, not "." or "..", not reserved."""
    value = unicodedata.normalize("NFC", text or "")
    value = _SPACES.sub(" ", value).strip()
    value = _ILLEGAL.sub("_", value)
    # Windows drops trailing dots and spaces; a name of dots alone would be "." or "..", and
    # Jellyfin ignores every path component that starts with a dot (".38 Special").
    value = value.strip(". ")
    if not value.strip("._ "):
        value = fallback
    if value.split(".")[0].upper() in _RESERVED:
        value = f"_{value}"
    encoded = value.encode("utf-8")
    if len(encoded) > MAX_PART_BYTES:
        value = encoded[:MAX_PART_BYTES].decode("utf-8", "ignore").rstrip(". ")
    return value


def safe_extension(name: str) -> str:
    """The file's extension in lower case with its dot ("" when it has none or a strange one)."""
    suffix = PurePosixPath(name.replace("\\", "/")).suffix.lower()
    return suffix if re.fullmatch(r"\.[a-z0-9]{1,5}", suffix) else ""


def track_path(
    artist: str | None,
    album: str | None,
    number: int | None,
    title: str | None,
    extension: str,
) -> PurePosixPath:
    """The relative path `Artist/Album/NN - Title.ext` inside the library folder."""
    stem = safe_part(title)
    name = f"{number:02d} - {stem}" if number and 0 < number < 1000 else stem
    return PurePosixPath(safe_part(artist), safe_part(album), safe_part(name) + extension)
