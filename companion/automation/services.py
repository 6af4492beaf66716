"""The home-automation services of the app, built once at startup and stopped at shutdown."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, tzinfo
from typing import Any, Protocol

import aiohttp

from companion.automation.actions import AutomationActions, Getter
from companion.automation.hooks import AutomationHooks
from companion.automation.outgoing import OutgoingTargets
from companion.automation.outgoing_outbox import OutgoingOutbox
from companion.automation.state import AutomationState
from companion.crypto import SecretBox
from companion.errors import ServiceUnavailable
from companion.events import EventBus
from companion.library.music import MusicServices

_LOGGER = logging.getLogger(__name__)


class EntryLike(Protocol):
    """What the automation services read of a config entry."""

    entry_id: str
    domain: str
    title: str
    runtime_data: Any

    @property
    def state(self) -> Any:
        """The entry's lifecycle state (an enum whose value is a string)."""
        ...


EntriesFn = Callable[[], list[EntryLike]]


@dataclass
class AutomationServices:
    """Actions, hooks, the sensor view and outgoing webhooks."""

    actions: AutomationActions
    hooks: AutomationHooks
    state: AutomationState
    targets: OutgoingTargets
    outbox: OutgoingOutbox

    @classmethod
    def create(
        cls,
        *,
        bus: EventBus,
        music: MusicServices,
        box: SecretBox,
        session: aiohttp.ClientSession,
        entries: EntriesFn,
        vibe: Getter,
        playlists: Getter,
        public_url: str | None,
        zone: tzinfo = UTC,
    ) -> AutomationServices:
        """Wire the services together (nothing starts yet)."""

        async def refresh_library() -> bool:
            # The Jellyfin entry's client is reached by duck typing: the core imports no
            # integration.
            for entry in entries():
                client: Any = getattr(entry.runtime_data, "client", None)
                if entry.domain == "jellyfin" and hasattr(client, "refresh_library"):
                    try:
                        await client.refresh_library()
                    except Exception as err:
                        _LOGGER.warning("Jellyfin library refresh failed: %s", err)
                        raise ServiceUnavailable(code="jellyfin_unreachable") from None
                    return True
            return False

        def entry_states() -> list[dict[str, Any]]:
            return [
                {
                    "entry_id": e.entry_id,
                    "domain": e.domain,
                    "title": e.title,
                    "state": getattr(e.state, "value", str(e.state)),
                }
                for e in entries()
            ]

        targets = OutgoingTargets(box)
        return cls(
            actions=AutomationActions(bus, music, vibe, playlists, refresh_library),
            hooks=AutomationHooks(),
            state=AutomationState(bus, entry_states, public_url, box=box, zone=zone),
            targets=targets,
            outbox=OutgoingOutbox(bus, targets, session),
        )

    async def start(self) -> None:
        """Subscribe everything and start the outbox sender."""
        self.actions.start()
        self.outbox.start()
        await self.state.start()

    async def stop(self) -> None:
        """Unsubscribe and stop the sender."""
        await self.state.stop()
        self.actions.stop()
        await self.outbox.stop()
