"""Server configuration, installed plugins and media folders (what statistics tools ask first)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .auth import require
from .dto import view_dtos
from .services import services
from .state import State
from .wire import json_response

routes = web.RouteTableDef()

WEBHOOK_PLUGIN_ID = "71552a5a5c5c4350a2aeebe451a30173"
PLAYBACK_REPORTING_ID = "5c53438191a343cb907a35aa02eb9d2c"


def server_configuration(state: State) -> dict[str, Any]:
    """ServerConfiguration with the defaults of a fresh server of this version."""
    d: dict[str, Any] = {
        "LogFileRetentionDays": 3,
        "IsStartupWizardCompleted": True,
        "EnableMetrics": False,
        "EnableNormalizedItemByNameIds": True,
        "IsPortAuthorized": True,
        "QuickConnectAvailable": True,
        "EnableCaseSensitiveItemIds": True,
        "DisableLiveTvChannelUserDataName": True,
        "MetadataPath": "",
        "PreferredMetadataLanguage": "en",
        "MetadataCountryCode": "US",
        "SortReplaceCharacters": [".", "+", "%"],
        "SortRemoveCharacters": [",", "&", "-", "{", "}", "'"],
        "SortRemoveWords": ["the", "a", "an"],
        # UserDataManager.UpdatePlayState reads these three.
        "MinResumePct": 5,
        "MaxResumePct": 90,
        "MinResumeDurationSeconds": 300,
        "MinAudiobookResume": 5,
        "MaxAudiobookResume": 5,
        "InactiveSessionThreshold": 0,
        "LibraryMonitorDelay": 60,
        "LibraryUpdateDuration": 30,
        "ImageSavingConvention": "Legacy",
        "SkipDeserializationForBasicTypes": True,
        "ServerName": state.server_name,
        "UICulture": "en-US",
        "SaveMetadataHidden": False,
        "ContentTypes": [],
        "RemoteClientBitrateLimit": 0,
        "EnableFolderView": False,
        "DisplaySpecialsWithinSeasons": True,
        "CodecsUsed": [],
        "PluginRepositories": [],
        "EnableExternalContentInSuggestions": True,
        "ImageExtractionTimeoutMs": 0,
        "PathSubstitutions": [],
        "EnableSlowResponseWarning": True,
        "SlowResponseThresholdMs": 500,
        "CorsHosts": ["*"],
        "ActivityLogRetentionDays": 30,
        "LibraryScanFanoutConcurrency": 0,
        "LibraryMetadataRefreshConcurrency": 0,
        "AllowClientLogUpload": True,
        "DummyChapterDuration": 0,
        "ChapterImageResolution": "MatchSource",
        "ParallelImageEncodingLimit": 0,
        "CastReceiverApplications": [],
    }
    if state.vt >= (10, 11):
        d["CacheSize"] = 0
        d["EnableGroupingMoviesIntoCollections"] = False
        d["EnableGroupingShowsIntoCollections"] = False
        # 12.0 turns legacy authorization off by default (and on upgrade).
        d["EnableLegacyAuthorization"] = state.legacy_auth
    else:
        d["EnableGroupingIntoCollections"] = False
        d["RemoveOldPlugins"] = False
    if state.vt < (10, 10):
        d["MetadataNetworkPath"] = ""
    return d


def _plugin(plugin_id: str, name: str, version: str, description: str) -> dict[str, Any]:
    return {
        "Name": name,
        "Version": version,
        "ConfigurationFileName": f"Jellyfin.Plugin.{name.replace(' ', '')}.xml",
        "Description": description,
        "Id": plugin_id,
        "CanUninstall": True,
        "HasImage": True,
        "Status": "Active",
    }


def plugins(state: State) -> list[dict[str, Any]]:
    """Installed plugins: the Webhook plugin, and Playback Reporting when configured."""
    # The Webhook plugin release built for each server line (targetAbi).
    webhook_version: dict[tuple[int, ...], str] = {
        (10, 9): "15.0.0.0",
        (10, 10): "17.0.0.0",
        (10, 11): "18.0.0.0",
    }
    out = [
        _plugin(
            WEBHOOK_PLUGIN_ID,
            "Webhook",
            webhook_version.get(state.vt[:2], "21.0.0.0"),
            "Sends notifications to various services via webhooks.",
        )
    ]
    if state.playback_reporting:
        out.append(
            _plugin(
                PLAYBACK_REPORTING_ID,
                "Playback Reporting",
                "16.0.0.0",
                "Collect and show user play statistics",
            )
        )
    return out


@routes.get("/System/Configuration")
async def configuration(request: web.Request) -> web.Response:
    """The server configuration (any authenticated caller may read it)."""
    require(request)
    return json_response(server_configuration(services(request).state))


@routes.get("/Plugins")
async def installed_plugins(request: web.Request) -> web.Response:
    """Installed plugins (admin)."""
    require(request, admin=True)
    return json_response(plugins(services(request).state))


@routes.get("/Library/MediaFolders")
async def media_folders(request: web.Request) -> web.Response:
    """The library folders, sorted by name, rendered with every field and no user (admin)."""
    require(request, admin=True)
    views = sorted(view_dtos(services(request).state), key=lambda v: str(v["SortName"]))
    return json_response({"Items": views, "TotalRecordCount": len(views), "StartIndex": 0})
