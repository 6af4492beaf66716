"""Subsonic objects (Child, AlbumID3, ArtistID3) as the companion's media DTOs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from companion.media import (
    Album,
    Artist,
    ImageSource,
    IndexTrack,
    NamedRef,
    Track,
    UserFields,
    make_ref,
)
from integrations.navidrome.ids import to_hex

KIND_TYPES = {"track": "Audio", "album": "MusicAlbum", "artist": "MusicArtist"}


def parse_time(value: object) -> datetime | None:
    """An RFC 3339 time as Go writes it (nanoseconds trimmed to what Python keeps)."""
    if not isinstance(value, str) or not value:
        return None
    text = value.replace("Z", "+00:00")
    head, dot, rest = text.partition(".")
    if dot:
        digits = "".join(c for c in rest if c.isdigit())
        zone = rest[len(digits) :]
        text = f"{head}.{digits[:6].ljust(6, '0')}{zone}"
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _image(raw: dict[str, Any]) -> ImageSource | None:
    art = raw.get("coverArt")
    if not isinstance(art, str) or not art:
        return None
    # "al-<id>_<hash>": the hash changes with the art, which is what a tag is for.
    _, _, tag = art.rpartition("_")
    return ImageSource(art, tag if tag.isalnum() else "0")


def _user(raw: dict[str, Any]) -> UserFields:
    return UserFields(favorite=bool(raw.get("starred")), play_count=int(raw.get("playCount") or 0))


def _named(
    refs: object, fallback_name: object = None, fallback_id: object = None
) -> tuple[NamedRef, ...]:
    out = []
    if isinstance(refs, list):
        for r in refs:
            if isinstance(r, dict) and r.get("name"):
                hex_id = to_hex(str(r.get("id", "")))
                out.append(NamedRef(make_ref(hex_id) if hex_id else None, str(r["name"])))
    if not out and isinstance(fallback_name, str) and fallback_name:
        hex_id = to_hex(str(fallback_id or ""))
        out.append(NamedRef(make_ref(hex_id) if hex_id else None, fallback_name))
    return tuple(out)


def _genres(raw: dict[str, Any]) -> tuple[str, ...]:
    genres = raw.get("genres")
    if isinstance(genres, list) and genres:
        return tuple(str(g.get("name")) for g in genres if isinstance(g, dict) and g.get("name"))
    genre = raw.get("genre")
    return (str(genre),) if genre else ()


def to_track(raw: dict[str, Any]) -> Track | None:
    """A song; None when its id is not a Navidrome id."""
    hex_id = to_hex(str(raw.get("id", "")))
    if hex_id is None:
        return None
    album_hex = to_hex(str(raw.get("albumId", "")))
    album = (
        NamedRef(make_ref(album_hex) if album_hex else None, str(raw.get("album") or ""))
        if raw.get("album") or album_hex
        else None
    )
    return Track(
        ref=make_ref(hex_id),
        name=str(raw.get("title") or raw.get("name") or ""),
        artists=_named(raw.get("artists"), raw.get("artist"), raw.get("artistId")),
        album=album,
        album_artists=_named(raw.get("albumArtists")),
        duration=float(raw["duration"]) if raw.get("duration") is not None else None,
        track_number=raw.get("track") or None,
        disc_number=raw.get("discNumber") or None,
        year=raw.get("year") or None,
        genres=_genres(raw),
        image=_image(raw),
        user=_user(raw),
    )


def to_album(raw: dict[str, Any]) -> Album | None:
    """An AlbumID3."""
    hex_id = to_hex(str(raw.get("id", "")))
    if hex_id is None:
        return None
    return Album(
        ref=make_ref(hex_id),
        name=str(raw.get("name") or ""),
        artists=_named(raw.get("artists"), raw.get("artist"), raw.get("artistId")),
        year=raw.get("year") or None,
        genres=_genres(raw),
        track_count=raw.get("songCount"),
        duration=float(raw["duration"]) if raw.get("duration") is not None else None,
        image=_image(raw),
        user=_user(raw),
    )


def to_artist(raw: dict[str, Any]) -> Artist | None:
    """An ArtistID3."""
    hex_id = to_hex(str(raw.get("id", "")))
    if hex_id is None:
        return None
    return Artist(
        ref=make_ref(hex_id),
        name=str(raw.get("name") or ""),
        image=_image(raw),
        user=_user(raw),
    )


def to_index_track(raw: dict[str, Any]) -> IndexTrack | None:
    """A song as the library index keeps it."""
    hex_id = to_hex(str(raw.get("id", "")))
    if hex_id is None:
        return None
    found = raw.get("artists")
    artists: list[Any] = found if isinstance(found, list) else []
    names = tuple(str(a.get("name")) for a in artists if isinstance(a, dict) and a.get("name"))
    ids = tuple(h for a in artists if isinstance(a, dict) and (h := to_hex(str(a.get("id", "")))))
    isrc = raw.get("isrc")
    album_artists = raw.get("albumArtists") if isinstance(raw.get("albumArtists"), list) else []
    return IndexTrack(
        item_id=hex_id,
        title=str(raw.get("title") or ""),
        artists=names or ((str(raw["artist"]),) if raw.get("artist") else ()),
        artist_ids=ids,
        album=str(raw["album"]) if raw.get("album") else None,
        album_id=to_hex(str(raw.get("albumId", ""))),
        album_artist=str(raw.get("displayAlbumArtist") or "")
        or (str(album_artists[0].get("name")) if album_artists else None),
        duration_s=float(raw.get("duration") or 0),
        track_number=raw.get("track") or None,
        disc_number=raw.get("discNumber") or None,
        year=raw.get("year") or None,
        isrc=str(isrc[0]) if isinstance(isrc, list) and isrc else None,
        mbid_recording=str(raw.get("musicBrainzId") or "") or None,
        date_created=parse_time(raw.get("created")),
        date_last_saved=parse_time(raw.get("created")),
        path=str(raw["path"]) if raw.get("path") else None,
    )
