"""The last webhook each receiver accepted, announced live as `webhook.received`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from companion.events import Event, EventBus
from companion.live.models import WebhookInbox

EVENT_TYPE = "webhook.received"


@dataclass(frozen=True)
class WebhookSeen:
    """When a webhook last arrived, and its kind (the plugin's NotificationType)."""

    at: datetime
    kind: str

    def as_dict(self) -> dict[str, str]:
        """Return the API shape."""
        return {"at": self.at.isoformat(), "type": self.kind}


class WebhookActivity:
    """Remembers the newest authenticated webhook per source, so admins see the plugin works."""

    def __init__(self, bus: EventBus) -> None:
        self._bus = bus
        self._last: dict[str, WebhookSeen] = {}

    def record(self, source: str, kind: str) -> None:
        """Note an authenticated, well-formed webhook (ignored kinds too) and announce it."""
        seen = WebhookSeen(datetime.now(UTC), kind[:64])
        self._last[source] = seen
        self._bus.publish(
            Event(EVENT_TYPE, {"source": source, "type": seen.kind}, source=source, at=seen.at)
        )

    async def last(self, source: str) -> WebhookSeen | None:
        """The newest one; after a restart, the newest body still in the inbox (a day's worth)."""
        seen = self._last.get(source)
        if seen is not None:
            return seen
        row = await WebhookInbox.filter(source=source).order_by("-id").first()
        if row is None:
            return None
        try:
            kind = str(json.loads(row.payload).get("NotificationType") or "unknown")
        except (ValueError, AttributeError):
            kind = "unknown"
        return WebhookSeen(row.received_at, kind[:64])
