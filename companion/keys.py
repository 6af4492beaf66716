"""Typed application keys: every shared object of the app, declared once."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web

from companion.accounts.auth import AuthService
from companion.accounts.signin import SignInService
from companion.automation.services import AutomationServices
from companion.crypto import SecretBox
from companion.db.database import Database
from companion.downloads.service import DownloadService
from companion.events import EventBus
from companion.flows.service import FlowService
from companion.history.imports import HistoryImports
from companion.imports.service import ImportService
from companion.integration.entries import ConfigEntries
from companion.library.music import MusicServices
from companion.listening.service import ListeningService
from companion.live.runtime import LiveRuntime
from companion.metrics import Metrics
from companion.player.runtime import PlayerServices
from companion.playlists.service import PlaylistService
from companion.providers import Providers
from companion.ratelimit import FailureLimiter
from companion.settings import Settings
from companion.vibe.extend import VibeExtender
from companion.vibe.service import VibeService

if TYPE_CHECKING:
    from web.routing import ApiRouter

SETTINGS = web.AppKey("settings", Settings)
SECRET_BOX = web.AppKey("secret_box", SecretBox)
DATABASE = web.AppKey("database", Database)
BUS = web.AppKey("bus", EventBus)
HTTP_SESSION = web.AppKey("http_session", aiohttp.ClientSession)
AUTH = web.AppKey("auth", AuthService)
SIGNIN = web.AppKey("signin", SignInService)
PROVIDERS = web.AppKey("providers", Providers)
LOGIN_LIMITER = web.AppKey("login_limiter", FailureLimiter)
ENTRIES = web.AppKey("entries", ConfigEntries)
METRICS = web.AppKey("metrics", Metrics)
LIVE = web.AppKey("live", LiveRuntime)
ROUTERS = web.AppKey("routers", list["ApiRouter"])
WEBSOCKETS = web.AppKey("websockets", set[web.WebSocketResponse])
# Handlers proxying audio right now: cancelled on shutdown (a player never finishes a file).
STREAMS = web.AppKey("streams", set["asyncio.Task[Any]"])
MUSIC = web.AppKey("music", MusicServices)
PLAYLISTS = web.AppKey("playlists", PlaylistService)
AUTOMATION = web.AppKey("automation", AutomationServices)
VIBE = web.AppKey("vibe", VibeService)
PLAYER = web.AppKey("player", PlayerServices)
VIBE_EXTENDER = web.AppKey("vibe_extender", VibeExtender)
HISTORY_IMPORTS = web.AppKey("history_imports", HistoryImports)
LISTENING = web.AppKey("listening", ListeningService)
IMPORTS = web.AppKey("imports", ImportService)
DOWNLOADS = web.AppKey("downloads", DownloadService)
FLOWS = web.AppKey("flows", FlowService)

# aiohttp 3.13 has no typed RequestKey; this one string key is read only via principal_of().
PRINCIPAL = "companion.principal"
