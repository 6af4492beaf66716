"""Navidrome's response objects (Child, AlbumID3, ArtistID3, playlist) built from the state."""

from __future__ import annotations

from typing import Any

from companion.testing.jellyfin.library import Album, Artist, Track

from .state import TICKS, Playlist, State, User
from .wire import ts

CONTENT_TYPE = "audio/wav"  # the generated files are WAV whatever the declared container


def _art(kind: str, nd_id: str, tag: str | None) -> str:
    # Navidrome's artwork ids: kind prefix, item id, and a hash that changes with the art.
    return f"{kind}-{nd_id}_{(tag or '0')[:8]}"


def _refs(st: State, ids: list[str]) -> list[dict[str, Any]]:
    lib = st.library
    return [{"id": st.nd[i], "name": lib.by_id[i].name} for i in ids if i in lib.by_id]


def _starred(st: State, user: User, nd_id: str) -> dict[str, Any]:
    ann = st.peek(user, nd_id)
    if ann is None:
        return {}
    out: dict[str, Any] = {}
    if ann.starred:
        out["starred"] = ts(ann.starred)
    if ann.play_count:
        out["playCount"] = ann.play_count
    if ann.played:
        out["played"] = ts(ann.played)
    return out


def song(st: State, user: User, t: Track) -> dict[str, Any]:
    """A song as a Child (with the OpenSubsonic fields Navidrome adds)."""
    lib = st.library
    nd = st.nd[t.id]
    album = lib.album_of(t)
    artists = _refs(st, t.artist_ids)
    album_artists = _refs(st, t.album_artist_ids)
    seconds = t.runtime_ticks // TICKS
    album_nd = st.nd.get(t.album_id, "")
    out: dict[str, Any] = {
        "id": nd,
        "parent": album_nd,
        "isDir": False,
        "title": t.name,
        "album": album.name if album else "",
        "artist": " • ".join(a["name"] for a in artists),
        "track": t.index_number or None,
        "year": t.year or None,
        "genre": t.genres[0] if t.genres else None,
        "coverArt": _art("al", album_nd, album.image_tag if album else None),
        "size": t.file_size(),
        "contentType": CONTENT_TYPE,
        "suffix": t.container,
        "duration": seconds,
        "bitRate": t.bitrate // 1000,
        "path": f"{album_artists[0]['name'] if album_artists else 'Unknown'}/"
        f"{album.name if album else ''}/{t.index_number or 0:02d} - {t.name}.{t.container}",
        "discNumber": t.disc_number or None,
        "created": ts(t.date_created),
        "albumId": album_nd,
        "artistId": artists[0]["id"] if artists else None,
        "type": "music",
        "isVideo": False,
        **_starred(st, user, nd),
        "bpm": 0,
        "comment": "",
        "sortName": t.sort_name,
        "mediaType": "song",
        "musicBrainzId": "",
        "isrc": [],
        "genres": [{"name": g} for g in t.genres],
        "replayGain": {},
        "channelCount": 2,
        "samplingRate": 44100,
        "bitDepth": 16,
        "moods": [],
        "artists": artists,
        "displayArtist": " • ".join(a["name"] for a in artists),
        "albumArtists": album_artists,
        "displayAlbumArtist": " • ".join(a["name"] for a in album_artists),
        "contributors": [],
        "displayComposer": "",
        "explicitStatus": "",
    }
    return {k: v for k, v in out.items() if v is not None}


def album(st: State, user: User, al: Album) -> dict[str, Any]:
    """An AlbumID3."""
    lib = st.library
    nd = st.nd[al.id]
    artists = _refs(st, al.album_artist_ids)
    tracks = [lib.by_id[i] for i in al.track_ids if isinstance(lib.by_id.get(i), Track)]
    duration = sum(t.runtime_ticks for t in tracks if isinstance(t, Track)) // TICKS
    out: dict[str, Any] = {
        "id": nd,
        "name": al.name,
        "artist": " • ".join(a["name"] for a in artists),
        "artistId": artists[0]["id"] if artists else None,
        "coverArt": _art("al", nd, al.image_tag),
        "songCount": len(tracks),
        "duration": duration,
        "created": ts(al.date_created),
        "year": al.year or None,
        "genre": al.genres[0] if al.genres else None,
        **_starred(st, user, nd),
        "userRating": 0,
        "genres": [{"name": g} for g in al.genres],
        "musicBrainzId": "",
        "isCompilation": False,
        "sortName": al.sort_name,
        "discTitles": [],
        "originalReleaseDate": {},
        "releaseDate": {},
        "releaseTypes": [],
        "recordLabels": [],
        "moods": [],
        "artists": artists,
        "displayArtist": " • ".join(a["name"] for a in artists),
        "explicitStatus": "",
        "version": "",
    }
    return {k: v for k, v in out.items() if v is not None}


def album_with_songs(st: State, user: User, al: Album) -> dict[str, Any]:
    """An AlbumID3 with its songs in disc/track order."""
    lib = st.library
    tracks = [t for i in al.track_ids if isinstance(t := lib.by_id.get(i), Track)]
    tracks.sort(key=lambda t: (t.disc_number or 0, t.index_number or 0))
    return {**album(st, user, al), "song": [song(st, user, t) for t in tracks]}


def artist(st: State, user: User, ar: Artist) -> dict[str, Any]:
    """An ArtistID3."""
    nd = st.nd[ar.id]
    out: dict[str, Any] = {
        "id": nd,
        "name": ar.name,
        "coverArt": _art("ar", nd, None),
        "albumCount": len(st.library.albumartist_albums.get(ar.id, [])),
        **_starred(st, user, nd),
        "musicBrainzId": "",
        "sortName": ar.sort_name,
        "roles": ["albumartist", "artist"],
    }
    return out


def playlist(st: State, pls: Playlist, user: User, with_songs: bool) -> dict[str, Any]:
    """A playlist; with its songs (`entry`, omitted when empty) for getPlaylist."""
    tracks = [t for i in pls.songs if (t := st.track(i)) is not None]
    out: dict[str, Any] = {
        "id": pls.id,
        "name": pls.name,
        "comment": pls.comment or None,
        "songCount": len(tracks),
        "duration": sum(t.runtime_ticks for t in tracks) // TICKS,
        "public": pls.public,
        "owner": pls.owner,
        "created": ts(pls.created),
        "changed": ts(pls.changed),
        "coverArt": f"pl-{pls.id}_0",
        "readonly": user.name != pls.owner and not user.admin,
    }
    if with_songs and tracks:
        out["entry"] = [song(st, user, t) for t in tracks]
    return {k: v for k, v in out.items() if v is not None}
