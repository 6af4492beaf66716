"""Moving a finished download into the library folder as `Artist/Album/NN - Title.ext`."""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

from companion.downloads.naming import safe_extension, track_path
from companion.downloads.tags import FileTags, read_tags
from companion.downloads.wanted import Want

_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


class PlaceError(Exception):
    """The file could not be placed; `next_candidate` when another file may do better."""

    def __init__(self, message: str, *, next_candidate: bool) -> None:
        super().__init__(message)
        self.message = message
        self.next_candidate = next_candidate


def destination(library: Path, source: Path, tags: FileTags, want: Want) -> Path:
    """Where the file goes, always inside `library` whatever its tags say."""
    artist = tags.album_artist or tags.artist or (want.artists[0] if want.artists else None)
    album = tags.album or want.album or "Singles"
    relative = track_path(
        artist, album, tags.track_number, tags.title or want.title, safe_extension(source.name)
    )
    target = (library / relative).resolve()
    # Sanitised parts cannot climb out; this check keeps it so if the rules ever change.
    if not target.is_relative_to(library.resolve()):
        raise PlaceError(f"Refused to write outside the library: {relative}", next_candidate=True)
    return target


def _free_name(target: Path, size: int) -> tuple[Path, bool]:
    """A name that is free, or the existing file when it is the same size (the same download)."""
    if not target.exists():
        return target, False
    if target.stat().st_size == size:
        return target, True
    for n in range(2, 100):
        other = target.with_name(f"{target.stem} ({n}){target.suffix}")
        if not other.exists():
            return other, False
    raise PlaceError(f"Too many files named {target.name} already", next_candidate=False)


def place(source: Path, library: Path, want: Want) -> tuple[Path, FileTags]:
    """Check the file is audio, then move it into the library; blocking (run in a thread)."""
    tags = read_tags(source)
    if tags is None:
        source.unlink(missing_ok=True)
        raise PlaceError(f"{source.name} is not an audio file", next_candidate=True)
    target = destination(library, source, tags, want)
    target, exists = _free_name(target, source.stat().st_size)
    if exists:
        source.unlink(missing_ok=True)
        return target, tags
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(source), str(target))
    except OSError as err:
        # A copy across file systems may have left half a file behind.
        if target.exists() and source.exists():
            target.unlink(missing_ok=True)
        if err.errno in _FULL:
            raise PlaceError(
                f"The library disk is full: could not write {target.name} to {target.parent} "
                f"({err.strerror}). Free some space, then Retry.",
                next_candidate=False,
            ) from err
        raise PlaceError(
            f"Could not move {source.name} into {target.parent}: {err.strerror or err}. "
            "Check the companion can write to the library folder.",
            next_candidate=False,
        ) from err
    return target, tags
