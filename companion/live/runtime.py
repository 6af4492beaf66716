"""The live-events machinery of one app: writer, pipeline, inbox, webhook secrets."""

from __future__ import annotations

from dataclasses import dataclass

from companion.crypto import SecretBox
from companion.events import EventBus
from companion.library.index import LibraryIndexService
from companion.live.inbox import InboxWorker, Parser
from companion.live.inbox_writer import InboxWriter
from companion.live.overlay import OverlayWriter
from companion.live.pipeline import LivePipeline
from companion.live.service import LiveService
from companion.live.webhook_activity import WebhookActivity
from companion.live.webhook_secrets import WebhookSecrets
from companion.providers import Providers


@dataclass
class LiveRuntime:
    """Everything that turns facts into overlay rows and events."""

    writer: OverlayWriter
    pipeline: LivePipeline
    inbox: InboxWorker
    secrets: WebhookSecrets
    sockets: LiveService
    store: InboxWriter
    activity: WebhookActivity

    @classmethod
    def create(
        cls, providers: Providers, bus: EventBus, box: SecretBox, parsers: dict[str, Parser]
    ) -> LiveRuntime:
        """Build the parts, not yet started."""
        writer = OverlayWriter(bus)
        index = LibraryIndexService(providers, bus)
        writer.library_index = index
        pipeline = LivePipeline(writer)
        sockets = LiveService(providers, pipeline, bus, box, index)
        inbox = InboxWorker(pipeline, parsers)
        secrets = WebhookSecrets(box)
        return cls(writer, pipeline, inbox, secrets, sockets, InboxWriter(), WebhookActivity(bus))

    def start(self) -> None:
        """Start applying facts and draining the inbox."""
        self.pipeline.start()
        self.inbox.start()

    async def start_sockets(self) -> None:
        """Open the live sockets (once integrations are loading)."""
        await self.sockets.start()

    async def stop(self) -> None:
        """Close sockets, stop the inbox (its rows persist), then finish queued facts."""
        await self.sockets.stop()
        await self.inbox.stop()
        await self.pipeline.stop()
