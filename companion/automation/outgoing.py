"""Outgoing webhook targets: chosen event types, an encrypted HMAC secret, signed requests."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from companion.automation.models import OutgoingDelivery, OutgoingTarget
from companion.crypto import SecretBox, new_token
from companion.errors import InvalidInput, NotFound

SIGNATURE_HEADER = "X-Companion-Signature"
TIMESTAMP_HEADER = "X-Companion-Timestamp"
EVENT_HEADER = "X-Companion-Event"
DELIVERY_HEADER = "X-Companion-Delivery"
TEST_EVENT = "companion.test"
ALL_EVENTS = "*"
_EVENT_TYPE = re.compile(r"[a-z][a-z_]*(\.[a-z_]+)+")
MAX_EVENT_TYPES = 50


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header value: HMAC-SHA256 of `<timestamp>.<body>` under the secret."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """Check a signature in constant time (what a receiver does)."""
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def validate_url(value: Any) -> str:
    """An http(s) URL with a host."""
    if not isinstance(value, str) or len(value) > 2000:
        raise InvalidInput("'url' must be an http(s) URL.", details={"field": "url"})
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("'url' must be an http(s) URL.", details={"field": "url"})
    return value.strip()


def validate_event_types(value: Any) -> list[str]:
    """A non-empty list of event types such as `favorite.changed`, or `["*"]` for all."""
    if (
        not isinstance(value, list)
        or not value
        or len(value) > MAX_EVENT_TYPES
        or any(
            not isinstance(v, str) or (v != ALL_EVENTS and not _EVENT_TYPE.fullmatch(v))
            for v in value
        )
    ):
        raise InvalidInput(
            "'event_types' must be a non-empty list of event types like "
            "'favorite.changed' (or ['*'] for every event).",
            details={"field": "event_types"},
        )
    return sorted(set(value))


def describe_target(target: OutgoingTarget) -> dict[str, Any]:
    """Return the API shape of a target (the secret never leaves except when created)."""
    return {
        "id": target.id,
        "name": target.name,
        "url": target.url,
        "event_types": list(target.event_types),
        "enabled": target.enabled,
        "signature_header": SIGNATURE_HEADER,
        "created_at": target.created_at.isoformat() if target.created_at else None,
        "updated_at": target.updated_at.isoformat() if target.updated_at else None,
    }


def describe_delivery(row: OutgoingDelivery) -> dict[str, Any]:
    """Return the API shape of one delivery log row."""
    return {
        "id": row.id,
        "target_id": row.target_id,
        "event_id": row.event_id,
        "event_type": row.event_type,
        "status": row.status,
        "attempts": row.attempts,
        "last_status": row.last_status,
        "last_error": row.last_error,
        "next_attempt_at": row.next_attempt_at.isoformat() if row.status == "pending" else None,
        "created_at": row.created_at.isoformat() if row.created_at else None,
        "delivered_at": row.delivered_at.isoformat() if row.delivered_at else None,
    }


class OutgoingTargets:
    """CRUD of targets; keeps an in-memory copy so matching an event costs no query."""

    def __init__(self, box: SecretBox) -> None:
        self._box = box
        self._cache: list[tuple[int, frozenset[str]]] | None = None
        # Called after every change; with replicas it reaches every replica's copy.
        self.changed: Callable[[], None] = self.forget

    async def matching(self, event_type: str) -> list[int]:
        """Ids of enabled targets that want this event type."""
        if self._cache is None:
            rows = await OutgoingTarget.filter(enabled=True).values("id", "event_types")
            self._cache = [(r["id"], frozenset(r["event_types"])) for r in rows]
        return [tid for tid, types in self._cache if event_type in types or ALL_EVENTS in types]

    def forget(self) -> None:
        """Drop the in-memory copy (read again at the next event)."""
        self._cache = None

    def secret_of(self, target: OutgoingTarget) -> str:
        """The decrypted HMAC secret."""
        return self._box.decrypt(target.secret)

    async def get(self, target_id: int) -> OutgoingTarget:
        """One target (404 otherwise)."""
        target = await OutgoingTarget.get_or_none(id=target_id)
        if target is None:
            raise NotFound("No such outgoing webhook target.", code="target_not_found")
        return target

    async def list_all(self) -> list[dict[str, Any]]:
        """Every target."""
        return [describe_target(t) for t in await OutgoingTarget.all().order_by("id")]

    async def create(
        self, name: str, url: str, event_types: list[str], secret: str | None
    ) -> dict[str, Any]:
        """Create a target; the answer shows the secret this once."""
        plain = secret or new_token()
        target = await OutgoingTarget.create(
            name=name, url=url, event_types=event_types, secret=self._box.encrypt(plain)
        )
        self.changed()
        return describe_target(target) | {"secret": plain}

    async def update(self, target_id: int, changes: dict[str, Any]) -> dict[str, Any]:
        """Change name, url, event types or enabled."""
        target = await self.get(target_id)
        for key, value in changes.items():
            setattr(target, key, value)
        await target.save()
        self.changed()
        return describe_target(target)

    async def rotate_secret(self, target_id: int) -> dict[str, Any]:
        """Replace the secret; the answer shows the new one this once."""
        target = await self.get(target_id)
        plain = new_token()
        target.secret = self._box.encrypt(plain)
        await target.save(update_fields=["secret", "updated_at"])
        return describe_target(target) | {"secret": plain}

    async def delete(self, target_id: int) -> None:
        """Delete a target and its delivery log."""
        target = await self.get(target_id)
        await target.delete()
        self.changed()

    async def deliveries(self, target_id: int, limit: int = 100) -> list[dict[str, Any]]:
        """The newest deliveries of a target."""
        await self.get(target_id)
        rows = await OutgoingDelivery.filter(target_id=target_id).order_by("-id").limit(limit)
        return [describe_delivery(r) for r in rows]
