"""The live-events machinery of one app: writer, pipeline, inbox, webhook secrets."""

from __future__ import annotations

from dataclasses import dataclass

from companion.crypto import SecretBox
from companion.events import EventBus
from companion.live.inbox import InboxWorker, Parser
from companion.live.overlay import OverlayWriter
from companion.live.pipeline import LivePipeline
from companion.services.webhook_secrets import WebhookSecrets


@dataclass
class LiveRuntime:
    """Everything that turns facts into overlay rows and events."""

    writer: OverlayWriter
    pipeline: LivePipeline
    inbox: InboxWorker
    secrets: WebhookSecrets

    @classmethod
    def create(cls, bus: EventBus, box: SecretBox, parsers: dict[str, Parser]) -> LiveRuntime:
        """Build the parts, not yet started."""
        writer = OverlayWriter(bus)
        pipeline = LivePipeline(writer)
        return cls(writer, pipeline, InboxWorker(pipeline, parsers), WebhookSecrets(box))

    def start(self) -> None:
        """Start applying facts and draining the inbox."""
        self.pipeline.start()
        self.inbox.start()

    async def stop(self) -> None:
        """Stop the inbox first (its rows persist), then finish queued facts."""
        await self.inbox.stop()
        await self.pipeline.stop()
