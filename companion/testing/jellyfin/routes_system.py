"""System info, ping, library refresh, scheduled tasks and virtual folders."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .auth import require
from .services import services
from .state import SCAN_TASK_ID, State
from .tasks import all_tasks
from .wire import error_text, json_response, no_content, norm_id

routes = web.RouteTableDef()


def public_info(state: State, request: web.Request) -> dict[str, Any]:
    """The anonymous /System/Info/Public body."""
    return {
        "LocalAddress": f"{request.scheme}://{request.host}",
        "ServerName": state.server_name,
        "Version": state.version,
        "ProductName": "Jellyfin Server",
        "OperatingSystem": "",
        "Id": state.server_id,
        "StartupWizardCompleted": True,
    }


@routes.get("/System/Info/Public")
async def info_public(request: web.Request) -> web.Response:
    """Anonymous server info."""
    return json_response(public_info(services(request).state, request))


@routes.get("/System/Info")
async def info(request: web.Request) -> web.Response:
    """Authenticated server info."""
    require(request)
    st = services(request).state
    d = public_info(st, request)
    d.update(
        {
            "OperatingSystemDisplayName": "Linux",
            "HasPendingRestart": False,
            "IsShuttingDown": False,
            "SupportsLibraryMonitor": True,
            "WebSocketPortNumber": request.url.port or 80,
            "CompletedInstallations": [],
            "CanSelfRestart": True,
            "CanLaunchWebBrowser": False,
            "ProgramDataPath": "/config",
            "WebPath": "/jellyfin/jellyfin-web",
            "ItemsByNamePath": "/config/metadata",
            "CachePath": "/cache",
            "LogPath": "/config/log",
            "InternalMetadataPath": "/config/metadata",
            "TranscodingTempPath": "/cache/transcodes",
            "CastReceiverApplications": [],
            "HasUpdateAvailable": False,
            "EncoderLocation": "System",
            "SystemArchitecture": "X64",
            "PackageName": "fake",
        }
    )
    return json_response(d)


@routes.route("*", "/System/Ping")
async def ping(request: web.Request) -> web.Response:
    """Anonymous ping (GET or POST)."""
    if request.method not in ("GET", "POST", "HEAD"):
        raise web.HTTPMethodNotAllowed(request.method, ["GET", "POST"])
    return json_response("Jellyfin Server")


@routes.post("/Library/Refresh")
async def refresh(request: web.Request) -> web.Response:
    """Queue a library scan (admin); 204 immediately."""
    require(request, admin=True)
    services(request).events.start_scan()
    return no_content()


@routes.get("/ScheduledTasks")
async def tasks(request: web.Request) -> web.Response:
    """List scheduled tasks (admin)."""
    require(request, admin=True)
    return json_response(all_tasks(services(request).state))


@routes.get("/ScheduledTasks/{id}")
async def task(request: web.Request) -> web.Response:
    """One scheduled task (admin)."""
    require(request, admin=True)
    tid = norm_id(request.match_info["id"])
    for t in all_tasks(services(request).state):
        if t["Id"] == tid:
            return json_response(t)
    raise error_text(404)


@routes.post("/ScheduledTasks/Running/{id}")
async def run_task(request: web.Request) -> web.Response:
    """Start a task (admin); only the scan does anything."""
    require(request, admin=True)
    if norm_id(request.match_info["id"]) == SCAN_TASK_ID:
        services(request).events.start_scan()
        return no_content()
    raise error_text(404)


@routes.get("/Library/VirtualFolders")
async def virtual_folders(request: web.Request) -> web.Response:
    """The configured libraries (admin)."""
    require(request, admin=True)
    st = services(request).state
    lib = st.library
    running = st.scan.state == "Running"
    out = []
    for name, ctype, vid, loc in (
        ("Music", "music", lib.music_view_id, "/data/music"),
        ("Movies", "movies", lib.movies_view_id, "/data/movies"),
    ):
        extra = [f.path for f in st.music_folders if f.library] if ctype == "music" else []
        locations = [loc, *extra]
        d: dict[str, Any] = {
            "Name": name,
            "Locations": locations,
            "CollectionType": ctype,
            "LibraryOptions": {
                "Enabled": True,
                "EnableRealtimeMonitor": True,
                "PathInfos": [{"Path": p} for p in locations],
            },
            "ItemId": vid,
            "PrimaryImageItemId": vid,
        }
        if running:
            d["RefreshProgress"] = st.scan.progress or 0.0
        d["RefreshStatus"] = "Active" if running else "Idle"
        out.append(d)
    return json_response(out)
