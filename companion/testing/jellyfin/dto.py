"""Render BaseItemDto, UserItemDataDto, UserDto and SessionInfoDto in Jellyfin's shape."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .dto_media import (
    ITEM_FIELDS,
    audio_stream,
    external_urls,
    item_path,
    media_source,
    provider_ids,
)
from .dto_media import has_mbids as has_mbids
from .library import Album, Artist, Item, Track
from .state import Playlist, State, User, UserData
from .wire import fmt_date, md5_id

ALL_FIELDS = ITEM_FIELDS


@dataclass(slots=True)
class RenderOptions:
    """How to render items for one request."""

    user: User | None = None
    fields: frozenset[str] = frozenset()
    enable_images: bool = True
    enable_user_data: bool = True


def state_provider_ids(state: State, item: Item) -> dict[str, str]:
    """ProviderIds as this server version writes them (MusicBrainzRecording from 10.11)."""
    return provider_ids(state.library, item, state.vt >= (10, 11))


def etag(item: Item) -> str:
    """BaseItem.GetEtag: a hash of the metadata save date, so it changes when the item does."""
    return md5_id("etag", item.id, str(item.date_last_saved.timestamp()))


def user_data_key(state: State, item: Item | Playlist) -> str:
    """Return the opaque UserData Key (Audio: AlbumArtist-Album-disc-track+Name)."""
    lib = state.library
    if isinstance(item, Track):
        album = lib.album_of(item)
        aa = lib.names(item.album_artist_ids[:1])
        return (
            f"{aa[0] if aa else ''}-{album.name if album else ''}-"
            f"{item.disc_number or 0:04d}-{item.index_number or 0:04d}{item.name}"
        )
    if isinstance(item, Album):
        aa = lib.names(item.album_artist_ids[:1])
        return f"{aa[0] if aa else ''}-{item.name}"
    if isinstance(item, Artist):
        return f"Artist-Musicbrainz-{item.name}"
    return item.id


def user_data_dto(state: State, user: User, item: Item | Playlist) -> dict[str, Any]:
    """Return UserItemDataDto in Jellyfin's property order."""
    ud = state.data_for(user.id, item.id) or UserData()
    out: dict[str, Any] = {}
    if ud.rating is not None:
        out["Rating"] = ud.rating
    if isinstance(item, Album):
        tracks = item.track_ids
        played = sum(
            1 for t in tracks if (d := state.data_for(user.id, t)) is not None and d.played
        )
        if tracks:
            out["PlayedPercentage"] = played * 100.0 / len(tracks)
        out["UnplayedItemCount"] = len(tracks) - played
    out["PlaybackPositionTicks"] = ud.position_ticks
    out["PlayCount"] = ud.play_count
    out["IsFavorite"] = ud.is_favorite
    if ud.likes is not None:
        out["Likes"] = ud.likes
    if ud.last_played is not None:
        out["LastPlayedDate"] = fmt_date(ud.last_played)
    out["Played"] = ud.played
    out["Key"] = user_data_key(state, item)
    out["ItemId"] = item.id
    return out


def _name_ids(state: State, ids: list[str]) -> list[dict[str, str]]:
    lib = state.library
    return [{"Name": a.name, "Id": a.id} for a in (lib.by_id.get(i) for i in ids) if a]


def item_dto(state: State, item: Item, opts: RenderOptions) -> dict[str, Any]:
    """Return a BaseItemDto for a library item honouring fields/images/userdata options.

    `DateLastSaved` is accepted in `fields` but never written: BaseItemDto has no such property.
    """
    lib = state.library
    f = opts.fields
    d: dict[str, Any] = {"Name": item.name, "ServerId": state.server_id, "Id": item.id}
    if "Etag" in f:
        d["Etag"] = etag(item)
    if "DateCreated" in f:
        d["DateCreated"] = fmt_date(item.date_created)
    if "CanDelete" in f:
        d["CanDelete"] = bool(opts.user and opts.user.is_admin)
    if "CanDownload" in f:
        d["CanDownload"] = isinstance(item, Track)
    if "SortName" in f:
        d["SortName"] = item.sort_name
    if isinstance(item, Track):
        d["HasLyrics"] = False
        d["Container"] = item.container
    if item.year and not isinstance(item, Artist):
        d["PremiereDate"] = fmt_date(datetime(item.year, 1, 1, tzinfo=UTC))
    ids = state_provider_ids(state, item)
    if "ExternalUrls" in f:
        d["ExternalUrls"] = external_urls(ids, item)
    if "MediaSources" in f and isinstance(item, Track):
        d["MediaSources"] = [media_source(lib, item)]
    if "Path" in f:
        d["Path"] = item_path(lib, item)
    if "Overview" in f and isinstance(item, Album | Artist):
        d["Overview"] = ""
    if "Taglines" in f:
        d["Taglines"] = []
    if "Genres" in f:
        d["Genres"] = list(item.genres)
    if isinstance(item, Track):
        d["RunTimeTicks"] = item.runtime_ticks
    elif isinstance(item, Album):
        d["RunTimeTicks"] = _album_ticks(state, item)
    if "ProductionLocations" in f:
        d["ProductionLocations"] = []
    if item.year and not isinstance(item, Artist):
        d["ProductionYear"] = item.year
    if isinstance(item, Track):
        d["IndexNumber"] = item.index_number
        d["ParentIndexNumber"] = item.disc_number
    if "RemoteTrailers" in f:
        d["RemoteTrailers"] = []
    if "ProviderIds" in f:
        d["ProviderIds"] = ids
    d["IsFolder"] = not isinstance(item, Track)
    if "ParentId" in f:
        if isinstance(item, Track):
            d["ParentId"] = item.album_id
        elif isinstance(item, Album):
            d["ParentId"] = lib.music_view_id
    d["Type"] = item.KIND
    if "People" in f:
        d["People"] = []
    if "Studios" in f:
        d["Studios"] = []
    if "Genres" in f:
        d["GenreItems"] = [{"Name": g, "Id": md5_id("genre", g.lower())} for g in item.genres]
    if opts.user is not None and opts.enable_user_data:
        d["UserData"] = user_data_dto(state, opts.user, item)
    if "RecursiveItemCount" in f and isinstance(item, Album | Artist):
        d["RecursiveItemCount"] = _recursive_count(state, item)
    if isinstance(item, Album):
        d["ChildCount"] = len(item.track_ids)
    if "CumulativeRunTimeTicks" in f and isinstance(item, Album):
        d["CumulativeRunTimeTicks"] = d["RunTimeTicks"]
    if "Tags" in f:
        d["Tags"] = []
    if "PrimaryImageAspectRatio" in f and item.image_tag:
        d["PrimaryImageAspectRatio"] = 1.0
    if isinstance(item, Track):
        d["Artists"] = lib.names(item.artist_ids)
        d["ArtistItems"] = _name_ids(state, item.artist_ids)
        album = lib.album_of(item)
        if album is not None:
            d["Album"] = album.name
            d["AlbumId"] = album.id
            if album.image_tag and opts.enable_images:
                d["AlbumPrimaryImageTag"] = album.image_tag
    if isinstance(item, Track | Album):
        aa = _name_ids(state, item.album_artist_ids)
        if isinstance(item, Album):
            d["Artists"] = [a["Name"] for a in aa]
            d["ArtistItems"] = aa
        if aa:
            d["AlbumArtist"] = aa[0]["Name"]
        d["AlbumArtists"] = aa
    if "MediaStreams" in f and isinstance(item, Track):
        d["MediaStreams"] = [audio_stream(item)]
    if opts.enable_images:
        d["ImageTags"] = {"Primary": item.image_tag} if item.image_tag else {}
        d["BackdropImageTags"] = []
        d["ImageBlurHashes"] = (
            {"Primary": {item.image_tag: "LEHV6nWB2yk8pyo0adR*.7kCMdnj"}} if item.image_tag else {}
        )
    d["LocationType"] = "FileSystem"
    d["MediaType"] = "Audio" if isinstance(item, Track) else "Unknown"
    return d


def _album_ticks(state: State, album: Album) -> int:
    by = state.library.by_id
    return sum(
        t.runtime_ticks for t in (by.get(x) for x in album.track_ids) if isinstance(t, Track)
    )


def _recursive_count(state: State, item: Album | Artist) -> int:
    if isinstance(item, Album):
        return len(item.track_ids)
    return len(state.library.albumartist_albums.get(item.id, []))


def playlist_dto(state: State, pl: Playlist, opts: RenderOptions) -> dict[str, Any]:
    """Return a BaseItemDto for a playlist."""
    lib = state.library
    d: dict[str, Any] = {"Name": pl.name, "ServerId": state.server_id, "Id": pl.id}
    if "DateCreated" in opts.fields:
        d["DateCreated"] = fmt_date(pl.created)
    if "SortName" in opts.fields:
        d["SortName"] = pl.name.lower()
    if "Etag" in opts.fields:
        d["Etag"] = md5_id("etag", pl.id, str(len(pl.entries)))
    if "Path" in opts.fields:
        d["Path"] = f"/config/data/playlists/{pl.name}/playlist.xml"
    d["ChildCount"] = len(pl.entries)
    d["RunTimeTicks"] = sum(
        t.runtime_ticks for t in (lib.by_id.get(i) for _, i in pl.entries) if isinstance(t, Track)
    )
    d["IsFolder"] = True
    d["Type"] = "Playlist"
    if opts.user is not None and opts.enable_user_data:
        d["UserData"] = user_data_dto(state, opts.user, pl)
    if opts.enable_images:
        d["ImageTags"] = {}
        d["BackdropImageTags"] = []
        d["ImageBlurHashes"] = {}
    d["LocationType"] = "FileSystem"
    d["MediaType"] = pl.media_type
    return d


def view_dtos(state: State) -> list[dict[str, Any]]:
    """Return the user's library views (CollectionFolders)."""
    lib = state.library
    out: list[dict[str, Any]] = []
    for name, vid, ctype in (
        ("Music", lib.music_view_id, "music"),
        ("Movies", lib.movies_view_id, "movies"),
    ):
        out.append(
            {
                "Name": name,
                "ServerId": state.server_id,
                "Id": vid,
                "Etag": md5_id("etag", vid),
                "DateCreated": fmt_date(lib.view_created),
                "CanDelete": False,
                "CanDownload": False,
                "SortName": name.lower(),
                "ExternalUrls": [],
                "Path": f"/config/root/default/{name}",
                "EnableMediaSourceDisplay": True,
                "ChannelId": None,
                "Taglines": [],
                "Genres": [],
                "IsFolder": True,
                "ParentId": md5_id("root", state.server_id),
                "Type": "CollectionFolder",
                "CollectionType": ctype,
                "ImageTags": {},
                "BackdropImageTags": [],
                "ImageBlurHashes": {},
                "LocationType": "FileSystem",
                "MediaType": "Unknown",
            }
        )
    for v in out:
        v.pop("ChannelId")  # nulls are omitted from DTOs
    return out
