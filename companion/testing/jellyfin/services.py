"""The shared service bundle handlers reach through the aiohttp application."""

from __future__ import annotations

import random
from dataclasses import dataclass

from aiohttp import web

from .events import Events
from .socket import SocketHub
from .state import State
from .webhook import WebhookEmitter


@dataclass(slots=True)
class Services:
    """Everything a route handler needs."""

    state: State
    events: Events
    hub: SocketHub
    webhook: WebhookEmitter
    rng: random.Random


SERVICES: web.AppKey[Services] = web.AppKey("fake_jellyfin_services", Services)


def services(request: web.Request) -> Services:
    """Return the services of the app serving this request (or of its parent app)."""
    return request.config_dict[SERVICES]
