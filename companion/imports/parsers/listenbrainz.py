"""JSPF and XSPF playlists (ListenBrainz exports), with recording MBIDs in their identifiers."""

from __future__ import annotations

import json
import re
from typing import Any

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from companion.imports.parsers.types import MAX_ROWS, SourcePlaylist, SourceTrack, bad_file

_MBID = re.compile(r"musicbrainz\.org/recording/([0-9a-fA-F-]{36})")
_XSPF_NS = "{http://xspf.org/ns/0/}"


def _mbid(identifiers: Any) -> str | None:
    # ListenBrainz writes a list; other tools a single string (LumePart/Explo#119).
    values = identifiers if isinstance(identifiers, list) else [identifiers]
    for value in values:
        if isinstance(value, str) and (found := _MBID.search(value)):
            return found.group(1).lower()
    return None


def _seconds(value: Any) -> float | None:
    try:
        millis = float(value)
    except (TypeError, ValueError):
        return None
    return millis / 1000 if millis > 0 else None


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def parse_jspf(text: str, name: str) -> SourcePlaylist:
    """Read a JSPF playlist (`{"playlist": {"title", "track": [...]}}`)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise bad_file("The JSPF file is not valid JSON.") from err
    playlist = data.get("playlist") if isinstance(data, dict) else None
    if not isinstance(playlist, dict) or not isinstance(playlist.get("track"), list):
        raise bad_file("The JSON file is not a JSPF playlist (no playlist.track list).")
    tracks: list[SourceTrack] = []
    for entry in playlist["track"]:
        if not isinstance(entry, dict) or not _text(entry.get("title")):
            continue
        creator = _text(entry.get("creator"))
        location = entry.get("location")
        path = location[0] if isinstance(location, list) and location else location
        tracks.append(
            SourceTrack(
                title=_text(entry.get("title")),
                artists=(creator,) if creator else (),
                album=_text(entry.get("album")) or None,
                duration_s=_seconds(entry.get("duration")),
                mbid=_mbid(entry.get("identifier")),
                path=path if isinstance(path, str) and not path.startswith("http") else None,
            )
        )
    return _done(tracks, _text(playlist.get("title")) or name, "jspf")


def parse_xspf(text: str, name: str) -> SourcePlaylist:
    """Read an XSPF playlist (XML, namespace http://xspf.org/ns/0/)."""
    try:
        root = SafeET.fromstring(text)
    except (SafeET.ParseError, DefusedXmlException) as err:
        raise bad_file("The XSPF file is not valid XML.") from err
    ns = _XSPF_NS if root.tag.startswith(_XSPF_NS) else ""
    if root.tag != f"{ns}playlist":
        raise bad_file("The XML file is not an XSPF playlist.")

    def child(node: Any, tag: str) -> str:
        found = node.find(f"{ns}{tag}")
        return (found.text or "").strip() if found is not None else ""

    tracks: list[SourceTrack] = []
    for node in root.iter(f"{ns}track"):
        title = child(node, "title")
        location = child(node, "location")
        if not title and not location:
            continue
        creator = child(node, "creator")
        identifiers = [(i.text or "") for i in node.findall(f"{ns}identifier")]
        tracks.append(
            SourceTrack(
                title=title,
                artists=(creator,) if creator else (),
                album=child(node, "album") or None,
                duration_s=_seconds(child(node, "duration")),
                mbid=_mbid(identifiers),
                path=location if location and not location.startswith("http") else None,
            )
        )
    return _done(tracks, child(root, "title") or name, "xspf")


def _done(tracks: list[SourceTrack], name: str, source: str) -> SourcePlaylist:
    if not tracks:
        raise bad_file("The playlist lists no tracks.", "import_empty")
    if len(tracks) > MAX_ROWS:
        raise bad_file(f"The playlist has more than {MAX_ROWS} tracks.", "import_too_many")
    return SourcePlaylist(name=name, source=source, tracks=tuple(tracks))
