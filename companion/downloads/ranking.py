"""Choosing the best file among Soulseek search results for a wanted track (pure functions).

A file must be audio in an accepted format, unlocked, name the wanted title and artist, carry
no version word the wanted title lacks (live, remix, acoustic...), and last about as long as the
wanted track. Among those: the preferred format first, then a free upload slot, a short queue,
a fast peer, a length closest to the wanted one, and a higher bitrate.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from companion.downloads.wanted import Want
from companion.library.track_keys import album_versions, artist_key, title_key, words
from companion.providers.downloads import PeerFile

DEFAULT_FORMATS = ("flac", "mp3", "m4a", "ogg", "opus")
LOSSLESS = frozenset({"flac", "wav", "aiff", "aif", "alac", "ape", "wv"})
AUDIO = LOSSLESS | frozenset({"mp3", "m4a", "aac", "ogg", "opus", "oga", "wma", "mpc"})


@dataclass(frozen=True, slots=True)
class Preferences:
    """What a user of the install prefers: formats in order, the least bitrate of lossy files."""

    formats: tuple[str, ...] = DEFAULT_FORMATS
    min_bitrate: int = 192


def search_text(want: Want, *, with_artist: bool = True) -> str:
    """Words Soulseek matches: punctuation splits words there, so it is left out."""
    core = title_key(want.title).core
    artist = artist_key(want.artists[0]) if want.artists else ""
    return f"{artist} {core}".strip() if with_artist else core


def _path_words(filename: str) -> tuple[str, str, str]:
    """(words of the file's stem, words of its parent folder, words of the whole path)."""
    path = PurePosixPath(filename.replace("\\", "/"))
    return words(path.stem), words(path.parent.name), words(str(path.parent))


def _extension(file: PeerFile) -> str:
    ext = (file.extension or PurePosixPath(file.filename.replace("\\", "/")).suffix).lower()
    return ext.lstrip(".")


def reject_reason(want: Want, file: PeerFile, prefs: Preferences) -> str | None:
    """Why a file is not the wanted track, or None when it may be."""
    if file.locked:
        return "locked"
    ext = _extension(file)
    if ext not in AUDIO or ext not in prefs.formats:
        return f"format {ext or 'unknown'}"
    stem, folder, whole = _path_words(file.filename)
    wanted = title_key(want.title)
    stem_words = set(stem.split())
    if not set(wanted.core.split()) <= stem_words:
        return "another title"
    artist = artist_key(want.artists[0]) if want.artists else ""
    if artist and not set(artist.split()) <= set(f"{whole} {stem}".split()):
        return "another artist"
    found = title_key(PurePosixPath(file.filename.replace("\\", "/")).stem).versions
    found |= album_versions(folder)
    extra = found - wanted.versions - album_versions(want.album)
    if extra:
        return f"a different version ({', '.join(sorted(extra))})"
    if want.duration_s and file.length_s:
        allowed = max(10.0, want.duration_s * 0.05)
        if abs(file.length_s - want.duration_s) > allowed:
            return "another length"
    if ext not in LOSSLESS and file.bitrate and file.bitrate < prefs.min_bitrate:
        return f"{file.bitrate} kbps"
    return None


def score(want: Want, file: PeerFile, prefs: Preferences) -> float:
    """Higher is better; only meaningful for files reject_reason lets through."""
    ext = _extension(file)
    formats = list(prefs.formats)
    value = 100.0 * (len(formats) - formats.index(ext)) if ext in formats else 0.0
    value += 60.0 if file.free_slot else 0.0
    # A long queue can mean hours: past a couple of dozen it outweighs a better format.
    value -= min(file.queue_length, 100) * 1.0
    value += min(math.log10(max(file.upload_speed, 1)), 8.0) * 3.0
    if want.duration_s and file.length_s:
        value -= min(abs(file.length_s - want.duration_s), 30.0)
    if file.bitrate:
        value += min(file.bitrate, 1411) / 100.0
    return value


def rank(
    want: Want, files: Iterable[PeerFile], prefs: Preferences, *, limit: int = 5
) -> list[PeerFile]:
    """The acceptable files, best first (one per peer, so a failing peer is tried once)."""
    scored = sorted(
        ((score(want, f, prefs), f) for f in files if reject_reason(want, f, prefs) is None),
        key=lambda pair: -pair[0],
    )
    best: list[PeerFile] = []
    peers: set[str] = set()
    for _, file in scored:
        if file.username in peers:
            continue
        peers.add(file.username)
        best.append(file)
        if len(best) >= limit:
            break
    return best


def describe_rejections(want: Want, files: Sequence[PeerFile], prefs: Preferences) -> str:
    """A short summary of why nothing fit (for the failure reason)."""
    reasons: dict[str, int] = {}
    for file in files:
        reason = reject_reason(want, file, prefs)
        if reason is not None:
            reasons[reason] = reasons.get(reason, 0) + 1
    top = sorted(reasons.items(), key=lambda kv: -kv[1])[:3]
    return ", ".join(f"{n} {r}" for r, n in top)
