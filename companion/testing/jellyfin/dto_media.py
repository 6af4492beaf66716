"""Per-item media facts: ProviderIds, external links, paths, MediaSources and MediaStreams."""

from __future__ import annotations

from typing import Any

from .library import Album, Artist, Item, Library, Track
from .wire import mbid, md5_id

# Every ItemFields value (MediaBrowser.Model/Querying/ItemFields.cs, 10.9 through 12.0); the
# model binder drops anything else silently.
ITEM_FIELDS = frozenset(
    [
        "AirTime",
        "CanDelete",
        "CanDownload",
        "ChannelInfo",
        "Chapters",
        "Trickplay",
        "ChildCount",
        "CumulativeRunTimeTicks",
        "CustomRating",
        "DateCreated",
        "DateLastMediaAdded",
        "DisplayPreferencesId",
        "Etag",
        "ExternalUrls",
        "Genres",
        "HomePageUrl",
        "ItemCounts",
        "MediaSourceCount",
        "MediaSources",
        "OriginalTitle",
        "Overview",
        "ParentId",
        "Path",
        "People",
        "PlayAccess",
        "ProductionLocations",
        "ProviderIds",
        "PrimaryImageAspectRatio",
        "RecursiveItemCount",
        "Settings",
        "ScreenshotImageTags",
        "SeriesPrimaryImage",
        "SeriesStudio",
        "SortName",
        "SpecialEpisodeNumbers",
        "Studios",
        "Taglines",
        "Tags",
        "RemoteTrailers",
        "MediaStreams",
        "SeasonUserData",
        "ServiceName",
        "ThemeSongIds",
        "ThemeVideoIds",
        "ExternalEtag",
        "PresentationUniqueKey",
        "InheritedParentalRatingValue",
        "ExternalSeriesId",
        "SeriesPresentationUniqueKey",
        "DateLastRefreshed",
        "DateLastSaved",
        "RefreshState",
        "ChannelImage",
        "EnableMediaSourceDisplay",
        "Width",
        "Height",
        "ExtraIds",
        "LocalTrailerCount",
        "IsHD",
        "SpecialFeatureCount",
    ]
)


def has_mbids(item_id: str) -> bool:
    """About 5% of items have no MusicBrainz ids (messy tagging)."""
    return int(item_id[:2], 16) >= 13


def provider_ids(lib: Library, item: Item, recording: bool) -> dict[str, str]:
    """Return ProviderIds for an item (MusicBrainzRecording only from 10.11: `recording`)."""
    if item.id in lib.scanned_files:
        return dict(lib.scanned_files[item.id].ids(recording))
    if not has_mbids(item.id):
        return {}
    if isinstance(item, Artist):
        return {"MusicBrainzArtist": mbid("artist", item.id)}
    if isinstance(item, Album):
        out = {
            "MusicBrainzAlbum": mbid("album", item.id),
            "MusicBrainzReleaseGroup": mbid("rg", item.id),
        }
        if item.album_artist_ids:
            out["MusicBrainzAlbumArtist"] = mbid("artist", item.album_artist_ids[0])
        return out
    if isinstance(item, Track):
        out = {"MusicBrainzTrack": mbid("track", item.id)}
        album = lib.album_of(item)
        if album is not None:
            out["MusicBrainzAlbum"] = mbid("album", album.id)
            out["MusicBrainzReleaseGroup"] = mbid("rg", album.id)
        if item.artist_ids:
            out["MusicBrainzArtist"] = mbid("artist", item.artist_ids[0])
        if item.album_artist_ids:
            out["MusicBrainzAlbumArtist"] = mbid("artist", item.album_artist_ids[0])
        if recording:
            out["MusicBrainzRecording"] = mbid("recording", item.id)
        return out
    return {}


_MB_LINKS = {
    "MusicBrainzArtist": ("MusicBrainz", "artist"),
    "MusicBrainzAlbum": ("MusicBrainz", "release"),
    "MusicBrainzReleaseGroup": ("MusicBrainz", "release-group"),
    "MusicBrainzTrack": ("MusicBrainz", "track"),
}


def external_urls(ids: dict[str, str], item: Item) -> list[dict[str, str]]:
    """The ExternalUrls the MusicBrainz provider adds (one per id of the item's own kind)."""
    own = {
        "MusicArtist": ("MusicBrainzArtist",),
        "MusicAlbum": ("MusicBrainzAlbum", "MusicBrainzReleaseGroup"),
        "Audio": ("MusicBrainzTrack",),
    }[item.KIND]
    out = []
    for key in own:
        if key in ids:
            name, kind = _MB_LINKS[key]
            out.append({"Name": name, "Url": f"https://musicbrainz.org/{kind}/{ids[key]}"})
    return out


def item_path(lib: Library, item: Item) -> str:
    """Return a plausible file-system path for an item."""
    if item.id in lib.scanned_files:
        return str(lib.scanned_files[item.id].path)
    if isinstance(item, Track):
        album = lib.album_of(item)
        aa = lib.names(item.album_artist_ids[:1]) or ["Unknown"]
        return (
            f"/data/music/{aa[0]}/{album.name if album else 'Unknown'}/"
            f"{item.disc_number or 1}-{item.index_number or 0:02d} {item.name}.{item.container}"
        )
    if isinstance(item, Album):
        aa = lib.names(item.album_artist_ids[:1]) or ["Unknown"]
        return f"/data/music/{aa[0]}/{item.name}"
    return f"/config/metadata/artists/{item.name}"


def audio_stream(t: Track) -> dict[str, Any]:
    """Return the single audio MediaStream of a track."""
    codec = {"m4a": "aac"}.get(t.container, t.container)
    return {
        "Codec": codec,
        "TimeBase": "1/44100",
        "DisplayTitle": f"{codec.upper()} - Stereo",
        "ChannelLayout": "stereo",
        "BitRate": t.bitrate,
        "Channels": 2,
        "SampleRate": 44100,
        "IsDefault": False,
        "IsForced": False,
        "Type": "Audio",
        "Index": 0,
        "IsExternal": False,
        "IsTextSubtitleStream": False,
        "SupportsExternalStream": False,
        "Level": 0,
    }


def media_source(lib: Library, t: Track) -> dict[str, Any]:
    """Return the MediaSourceInfo of a track: Size is bitrate x duration, what the stream serves."""
    return {
        "Protocol": "File",
        "Id": t.id,
        "Path": item_path(lib, t),
        "Type": "Default",
        "Container": t.container,
        "Size": t.file_size(),
        "Name": t.name,
        "IsRemote": False,
        "ETag": md5_id("etag", t.id),
        "RunTimeTicks": t.runtime_ticks,
        "ReadAtNativeFramerate": False,
        "IgnoreDts": False,
        "IgnoreIndex": False,
        "GenPtsInput": False,
        "SupportsTranscoding": True,
        "SupportsDirectStream": True,
        "SupportsDirectPlay": True,
        "IsInfiniteStream": False,
        "RequiresOpening": False,
        "RequiresClosing": False,
        "RequiresLooping": False,
        "SupportsProbing": True,
        "MediaStreams": [audio_stream(t)],
        "MediaAttachments": [],
        "Formats": [],
        "Bitrate": t.bitrate,
        "RequiredHttpHeaders": {},
        "TranscodingSubProtocol": "http",
        "DefaultAudioStreamIndex": 0,
    }
