"""Reading playlist files: format detection, then the CSV, M3U, JSPF or XSPF parser."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePath

from companion.imports.parsers.csv_file import parse_csv
from companion.imports.parsers.listenbrainz import parse_jspf, parse_xspf
from companion.imports.parsers.m3u import parse_m3u
from companion.imports.parsers.types import SourcePlaylist, UnknownColumns, bad_file

__all__ = ["FORMATS", "SourcePlaylist", "UnknownColumns", "parse_file", "parse_text"]

FORMATS = ("csv", "m3u", "jspf", "xspf")
_BY_SUFFIX = {
    ".csv": "csv",
    ".tsv": "csv",
    ".m3u": "m3u",
    ".m3u8": "m3u",
    ".jspf": "jspf",
    ".json": "jspf",
    ".xspf": "xspf",
    ".xml": "xspf",
}


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "utf-16"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    # Old M3U files are Latin-1 (M3U8 is the UTF-8 spelling).
    return data.decode("latin-1")


def _sniff(text: str) -> str | None:
    head = text.lstrip("\ufeff \r\n\t")[:512]
    if head.startswith("#EXTM3U") or head.startswith("#EXTINF"):
        return "m3u"
    if head.startswith("{"):
        return "jspf"
    if head.startswith("<"):
        return "xspf"
    first = head.splitlines()[0] if head else ""
    if "," in first or ";" in first or "\t" in first:
        return "csv"
    return None


def parse_text(
    text: str,
    name: str,
    fmt: str | None = None,
    mapping: Mapping[str, str] | None = None,
) -> SourcePlaylist:
    """Parse playlist text in a given format, or the one its content shows."""
    kind = fmt or _sniff(text)
    if kind == "csv":
        return parse_csv(text, name, mapping)
    if kind == "m3u":
        return parse_m3u(text, name)
    if kind == "jspf":
        return parse_jspf(text, name)
    if kind == "xspf":
        return parse_xspf(text, name)
    raise bad_file(
        "Unknown playlist format: send a CSV (Exportify, TuneMyMusic, Soundiiz...), "
        "an M3U/M3U8, a JSPF or an XSPF file.",
        "import_unknown_format",
    )


def parse_file(
    filename: str, data: bytes, mapping: Mapping[str, str] | None = None
) -> SourcePlaylist:
    """Parse an uploaded file, by its extension first and its content second."""
    text = _decode(data)
    suffix = PurePath(filename).suffix.lower()
    name = PurePath(filename).stem or "Imported playlist"
    return parse_text(text, name, _BY_SUFFIX.get(suffix) or _sniff(text), mapping)
