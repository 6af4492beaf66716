"""UserDto and SessionInfoDto rendering."""

from __future__ import annotations

from typing import Any

from .dto import RenderOptions, item_dto
from .dto_media import ITEM_FIELDS, audio_stream
from .library import Item, Track
from .state import Session, State, User
from .wire import fmt_date

_PROVIDER_NS = "Jellyfin.Server.Implementations.Users."


def user_dto(state: State, user: User) -> dict[str, Any]:
    """Return a UserDto."""
    d: dict[str, Any] = {
        "Name": user.name,
        "ServerId": state.server_id,
        "Id": user.id,
        "HasPassword": bool(user.password),
        "HasConfiguredPassword": bool(user.password),
        "HasConfiguredEasyPassword": False,
        "EnableAutoLogin": False,
    }
    if user.last_login:
        d["LastLoginDate"] = fmt_date(user.last_login)
    if user.last_activity:
        d["LastActivityDate"] = fmt_date(user.last_activity)
    d["Configuration"] = {
        "PlayDefaultAudioTrack": True,
        "SubtitleLanguagePreference": "",
        "DisplayMissingEpisodes": False,
        "GroupedFolders": [],
        "SubtitleMode": "Default",
        "DisplayCollectionsView": False,
        "EnableLocalPassword": False,
        "OrderedViews": [],
        "LatestItemsExcludes": [],
        "MyMediaExcludes": [],
        "HidePlayedInLatest": True,
        "RememberAudioSelections": True,
        "RememberSubtitleSelections": True,
        "EnableNextEpisodeAutoPlay": True,
    }
    d["Policy"] = {
        "IsAdministrator": user.is_admin,
        "IsHidden": False,
        "EnableCollectionManagement": user.is_admin,
        "EnableSubtitleManagement": user.is_admin,
        "EnableLyricManagement": user.is_admin,
        "IsDisabled": user.disabled,
        "BlockedTags": [],
        "AllowedTags": [],
        "EnableUserPreferenceAccess": True,
        "AccessSchedules": [],
        "BlockUnratedItems": [],
        "EnableRemoteControlOfOtherUsers": user.is_admin,
        "EnableSharedDeviceControl": True,
        "EnableRemoteAccess": True,
        "EnableLiveTvManagement": user.is_admin,
        "EnableLiveTvAccess": True,
        "EnableMediaPlayback": True,
        "EnableAudioPlaybackTranscoding": True,
        "EnableVideoPlaybackTranscoding": True,
        "EnablePlaybackRemuxing": True,
        "ForceRemoteSourceTranscoding": False,
        "EnableContentDeletion": user.is_admin,
        "EnableContentDeletionFromFolders": [],
        "EnableContentDownloading": True,
        "EnableSyncTranscoding": True,
        "EnableMediaConversion": True,
        "EnabledDevices": [],
        "EnableAllDevices": True,
        "EnabledChannels": [],
        "EnableAllChannels": True,
        "EnabledFolders": [],
        "EnableAllFolders": True,
        "InvalidLoginAttemptCount": 0,
        "LoginAttemptsBeforeLockout": -1,
        "MaxActiveSessions": 0,
        "EnablePublicSharing": True,
        "BlockedMediaFolders": [],
        "BlockedChannels": [],
        "RemoteClientBitrateLimit": 0,
        "AuthenticationProviderId": _PROVIDER_NS + "DefaultAuthenticationProvider",
        "PasswordResetProviderId": _PROVIDER_NS + "DefaultPasswordResetProvider",
        "SyncPlayAccess": "CreateAndJoinGroups",
    }
    return d


# SessionManager.GetItemInfo: DtoOptions with every field except these, and no user.
_NOT_IN_NOW_PLAYING = frozenset(
    [
        "CanDelete",
        "CanDownload",
        "ChildCount",
        "CustomRating",
        "DateLastMediaAdded",
        "DateLastRefreshed",
        "DateLastSaved",
        "DisplayPreferencesId",
        "Etag",
        "InheritedParentalRatingValue",
        "ItemCounts",
        "MediaSourceCount",
        "MediaStreams",
        "MediaSources",
        "People",
        "PlayAccess",
        "ProductionLocations",
        "RecursiveItemCount",
        "RemoteTrailers",
        "SeasonUserData",
        "Settings",
        "SortName",
        "Tags",
        "ExtraIds",
    ]
)


def now_playing_item(state: State, item: Item) -> dict[str, Any]:
    """The NowPlayingItem SessionManager fills: nearly all fields, MediaStreams of the source."""
    opts = RenderOptions(None, ITEM_FIELDS - _NOT_IN_NOW_PLAYING, True, False)
    d = item_dto(state, item, opts)
    if isinstance(item, Track):
        d["MediaStreams"] = [audio_stream(item)]  # set from the playing media source
    return d


def session_dto(state: State, s: Session) -> dict[str, Any]:
    """Return a SessionInfoDto."""
    user = state.users.get(s.user_id) if s.user_id else None
    d: dict[str, Any] = {
        "PlayState": {
            "PositionTicks": s.position_ticks if s.now_playing_id else None,
            "CanSeek": bool(s.now_playing_id),
            "IsPaused": s.is_paused,
            "IsMuted": False,
            "VolumeLevel": 100 if s.now_playing_id else None,
            "AudioStreamIndex": 0 if s.now_playing_id else None,
            "MediaSourceId": s.media_source_id if s.now_playing_id else None,
            "PlayMethod": s.play_method if s.now_playing_id else None,
            "RepeatMode": "RepeatNone",
            "PlaybackOrder": "Default",
        },
        "AdditionalUsers": [],
        "Capabilities": {
            "PlayableMediaTypes": ["Audio"],
            "SupportedCommands": ["VolumeUp", "VolumeDown", "SetVolume", "DisplayMessage"]
            if s.supports_remote_control
            else [],
            "SupportsMediaControl": s.supports_remote_control,
            "SupportsPersistentIdentifier": True,
        },
        "RemoteEndPoint": s.remote_end_point,
        "PlayableMediaTypes": ["Audio"],
        "Id": s.id,
        "UserId": s.user_id or "00000000000000000000000000000000",
    }
    d["PlayState"] = {k: v for k, v in d["PlayState"].items() if v is not None}
    if user is not None:
        d["UserName"] = user.name
    d["Client"] = s.client
    d["LastActivityDate"] = fmt_date(s.last_activity)
    if s.last_playback_check_in:
        d["LastPlaybackCheckIn"] = fmt_date(s.last_playback_check_in)
    if s.last_paused:
        d["LastPausedDate"] = fmt_date(s.last_paused)
    d["DeviceName"] = s.device_name
    d["DeviceType"] = "Unknown"
    item = state.library.get(s.now_playing_id)
    if item is not None:
        d["NowPlayingItem"] = now_playing_item(state, item)
    d["DeviceId"] = s.device_id
    d["ApplicationVersion"] = s.app_version
    d["IsActive"] = True
    d["SupportsMediaControl"] = s.supports_remote_control
    d["SupportsRemoteControl"] = s.supports_remote_control
    d["NowPlayingQueue"] = s.queue
    if state.vt < (12,):
        d["NowPlayingQueueFullItems"] = []  # removed from SessionInfoDto in 12.0
    d["HasCustomDeviceName"] = False
    d["ServerId"] = state.server_id
    d["SupportedCommands"] = d["Capabilities"]["SupportedCommands"]
    return d
