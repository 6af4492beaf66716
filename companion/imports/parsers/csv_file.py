# ruff: noqa: RUF001  (the real translated headers hold dotless i and full-width brackets)
"""CSV playlists: Exportify (headers in any of its UI languages), TuneMyMusic, Soundiiz, by hand.

Headers are matched by alias lists; a file whose title or artist column is not recognised
raises UnknownColumns, and the client sends a column mapping back.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping

from companion.imports.parsers.types import (
    MAX_ROWS,
    SourcePlaylist,
    SourceTrack,
    UnknownColumns,
    bad_file,
)

# Exportify's column names in each of its locales (watsonbox/exportify src/i18n/locales),
# then the names other exporters and people use.
_ALIASES: dict[str, tuple[str, ...]] = {
    "title": (
        "track name",
        "track-name",
        "nom du titre",
        "nombre de la canción",
        "nome della traccia",
        "nome da faixa",
        "nummernaam",
        "låtens namn",
        "parça adı",
        "όνομα κομματιού",
        "トラック名",
        "曲目名称",
        "曲目名稱",
        "歌名",
        "اسم الأغنية",
        "title",
        "track",
        "name",
        "song",
        "song name",
        "track title",
        "titel",
        "titre",
    ),
    "artist": (
        "artist name(s)",
        "artist name",
        "künstlername(n)",
        "nom(s) de l'artiste",
        "nombre(s) del artista",
        "nome dell'artista",
        "nome(s) do artista",
        "naam van artiest",
        "artistens namn",
        "sanatçı adı",
        "όνομα/τα καλλιτέχνη",
        "アーティスト名",
        "艺人名称",
        "藝人名稱",
        "artist 名",
        "أسماء الفنانين",
        "artist",
        "artists",
        "artist(s)",
        "creator",
        "interpret",
        "künstler",
        "artiste",
    ),
    "album": (
        "album name",
        "album-name",
        "nom de l'album",
        "nombre del álbum",
        "nome dell'album",
        "nome do álbum",
        "naam van album",
        "albumets namn",
        "albüm adı",
        "όνομα άλμπουμ",
        "アルバム名",
        "专辑名称",
        "專輯名稱",
        "專輯名",
        "اسم الألبوم",
        "album",
        "album title",
    ),
    "duration_ms": (
        "track duration (ms)",
        "duration (ms)",
        "track-dauer (ms)",
        "durée du titre (ms)",
        "duración de la canción (ms)",
        "durata della traccia (ms)",
        "duração da faixa (ms)",
        "nummerduur (ms)",
        "låtlängd (ms)",
        "parça süresi (ms)",
        "διάρκεια κομματιού (ms)",
        "トラックの長さ（ミリ秒）",
        "曲目时长（毫秒）",
        "曲目長度（毫秒）",
        "曲目時長（毫秒）",
        "مدة الأغنية (بالمللي ثانية)",
        "duration_ms",
    ),
    "duration": ("duration", "length", "time", "duration (s)", "seconds"),
    "isrc": ("isrc",),
    "mbid": ("musicbrainz recording id", "recording mbid", "mbid", "recording_mbid"),
    "source_id": ("track uri", "spotify uri", "uri", "track-uri", "url"),
}
_LOOKUP = {alias: field for field, aliases in _ALIASES.items() for alias in aliases}
# Exportify joins artists with ", " and escapes commas inside a name as "\,".
_ARTIST_SPLIT = re.compile(r"(?<!\\),\s*")
_EXPORTIFY_MARK = "track uri"


def _key(header: str) -> str:
    return header.strip().strip("\ufeff").casefold()


def _columns(headers: list[str], mapping: Mapping[str, str] | None) -> dict[str, int]:
    found: dict[str, int] = {}
    if mapping:
        positions = {h.strip(): i for i, h in enumerate(headers)}
        for field, header in mapping.items():
            if field in ("title", "artist", "album", "duration", "isrc") and header in positions:
                found[field] = positions[header]
    for i, header in enumerate(headers):
        known = _LOOKUP.get(_key(header))
        if known and known not in found:
            found[known] = i
    return found


def _seconds(value: str, *, millis: bool) -> float | None:
    text = value.strip()
    if not text:
        return None
    if ":" in text:
        parts = text.split(":")
        try:
            total = 0.0
            for part in parts:
                total = total * 60 + float(part)
            return total
        except ValueError:
            return None
    try:
        number = float(text)
    except ValueError:
        return None
    return number / 1000 if millis else number


def parse_csv(text: str, name: str, mapping: Mapping[str, str] | None = None) -> SourcePlaylist:
    """Read a CSV playlist; UnknownColumns when title and artist columns are not found."""
    dialect: type[csv.Dialect]
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        headers = next(reader)
    except (StopIteration, csv.Error) as err:
        raise bad_file("The CSV file is empty.", "import_empty") from err
    columns = _columns(headers, mapping)
    body = list(reader)
    if "title" not in columns or "artist" not in columns:
        raise UnknownColumns(headers=[h.strip() for h in headers], sample=body[:3])
    exportify = _key(headers[0]) == _EXPORTIFY_MARK or "duration_ms" in columns
    tracks: list[SourceTrack] = []
    for line in body:
        if not any(cell.strip() for cell in line):
            continue

        def cell(field: str, line: list[str] = line) -> str:
            at = columns.get(field)
            return line[at].strip() if at is not None and at < len(line) else ""

        title = cell("title")
        if not title:
            continue
        artist_text = cell("artist")
        if exportify:
            artists = tuple(a.replace("\\,", ",") for a in _ARTIST_SPLIT.split(artist_text) if a)
        else:
            artists = (artist_text,) if artist_text else ()
        if "duration_ms" in columns:
            duration = _seconds(cell("duration_ms"), millis=True)
        else:
            duration = _seconds(cell("duration"), millis=False)
        tracks.append(
            SourceTrack(
                title=title,
                artists=artists,
                album=cell("album") or None,
                duration_s=duration,
                isrc=cell("isrc") or None,
                mbid=cell("mbid") or None,
                source_id=cell("source_id") or None,
            )
        )
        if len(tracks) > MAX_ROWS:
            raise bad_file(f"The playlist has more than {MAX_ROWS} tracks.", "import_too_many")
    if not tracks:
        raise bad_file("The CSV file has no tracks.", "import_empty")
    return SourcePlaylist(
        name=name, source="exportify" if exportify else "csv", tracks=tuple(tracks)
    )
