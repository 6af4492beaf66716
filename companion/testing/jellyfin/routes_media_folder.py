"""Routes about real files: `POST /Library/Media/Updated` and `POST /Environment/ValidatePath`.

LibraryController.PostUpdatedMedia ([Authorize], any user) hands every path to the library
monitor and answers 204; a null path is an ArgumentException (400). EnvironmentController
(RequiresElevation) answers ValidatePath with 204 when the file (or folder) exists, 404 when not.
"""

from __future__ import annotations

import weakref
from pathlib import Path
from typing import Any

from aiohttp import web

from .auth import require
from .media_folder import LibraryMonitor, MediaFolder
from .services import SERVICES, services
from .state import State
from .wire import no_content, problem

routes = web.RouteTableDef()
# LibraryMonitorDelay is 60 s on a real server; tests wait a fraction of a second.
FAST_MONITOR_DELAY = 0.05
REAL_MONITOR_DELAY = 60.0
# Kept beside the fake's state rather than in the (already started) application.
_MONITORS: weakref.WeakKeyDictionary[State, LibraryMonitor] = weakref.WeakKeyDictionary()


def add_music_folder(fake: Any, real: Path, path: str) -> MediaFolder:
    """Add a real folder to the fake's Music library, seen by Jellyfin as `path`."""
    real.mkdir(parents=True, exist_ok=True)
    folder = MediaFolder(real, path.rstrip("/"))
    fake.state.music_folders.append(folder)
    return folder


def add_mount(fake: Any, real: Path, path: str) -> MediaFolder:
    """A folder mounted into Jellyfin's container at `path` that is not a library location:
    ValidatePath and links see it, scans never take it in."""
    real.mkdir(parents=True, exist_ok=True)
    folder = MediaFolder(real, path.rstrip("/"), library=False)
    fake.state.music_folders.append(folder)
    return folder


def monitor_of(app: web.Application) -> LibraryMonitor:
    """The server's library monitor (one per fake, created on first use)."""
    svc = app[SERVICES]
    monitor = _MONITORS.get(svc.state)
    if monitor is None:
        delay = REAL_MONITOR_DELAY if svc.events.timing.library_debounce > 1 else FAST_MONITOR_DELAY
        monitor = LibraryMonitor(svc, delay)
        _MONITORS[svc.state] = monitor
    return monitor


async def _json(request: web.Request) -> Any:
    try:
        return await request.json()
    except ValueError:
        raise problem(400) from None


@routes.post("/Library/Media/Updated")
async def media_updated(request: web.Request) -> web.Response:
    """Report changed paths; the monitor scans them after its delay."""
    require(request)
    body = await _json(request)
    updates = body.get("Updates") if isinstance(body, dict) else None
    if not isinstance(updates, list):
        raise problem(400)
    paths = []
    for update in updates:
        path = update.get("Path") if isinstance(update, dict) else None
        if not isinstance(path, str) or not path:
            raise problem(400)
        paths.append(path)
    monitor_of(request.app).report(paths)
    return no_content()


@routes.post("/Environment/ValidatePath")
async def validate_path(request: web.Request) -> web.Response:
    """204 when the path exists (as a file when IsFile), else 404."""
    require(request, admin=True)
    body = await _json(request)
    if not isinstance(body, dict):
        raise problem(400)
    path = body.get("Path")
    is_file = body.get("IsFile")
    real = None
    if isinstance(path, str):
        for folder in services(request).state.music_folders:
            real = folder.real_of(path)
            if real is not None:
                break
    if real is None:
        raise problem(404)
    exists = (
        real.is_file() if is_file is True else real.is_dir() if is_file is False else real.exists()
    )
    if not exists:
        raise problem(404)
    return no_content()
