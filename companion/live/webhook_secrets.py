"""Shared secrets of inbound webhooks: generated once, stored encrypted, shown to admins."""

from __future__ import annotations

import contextlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from companion.accounts.models import Setting
from companion.crypto import SecretBox, new_token
from companion.errors import InvalidInput

DEFAULT_HEADER = "X-Webhook-Secret"
_HEADER_NAME = re.compile(r"^[A-Za-z0-9-]{1,64}$")


@dataclass(frozen=True)
class WebhookSecret:
    """The header a sender must set, and the value it must carry."""

    header: str
    secret: str

    def matches(self, value: str | None) -> bool:
        """Compare a received header value in constant time."""
        if value is None:
            return False
        # Header bytes that are not UTF-8 reach us as surrogate escapes: compare the raw bytes.
        given = value.encode("utf-8", "surrogateescape")
        return secrets.compare_digest(given, self.secret.encode())


class WebhookSecrets:
    """Loads, creates and rotates the secret of each webhook source (kept in memory)."""

    def __init__(self, box: SecretBox) -> None:
        self._box = box
        self._cache: dict[str, WebhookSecret] = {}
        # Called after a change; with replicas it reaches every replica's copy.
        self.changed: Callable[[], None] = self.forget

    def forget(self) -> None:
        """Drop the in-memory copies (read again at the next webhook)."""
        self._cache.clear()

    @staticmethod
    def _key(source: str) -> str:
        return f"webhook:{source}"

    async def get(self, source: str) -> WebhookSecret:
        """Return the source's secret, generating and storing it the first time."""
        cached = self._cache.get(source)
        if cached is not None:
            return cached
        row = await Setting.get_or_none(key=self._key(source))
        value = row.value if row is not None and isinstance(row.value, dict) else {}
        try:
            secret = self._box.decrypt(str(value["encrypted"])) if "encrypted" in value else None
        except ValueError:
            secret = None
        header = str(value.get("header") or DEFAULT_HEADER)
        if secret is None and row is None:
            # First use: replicas may race here; the row created first wins and all read it.
            await Setting.get_or_create(
                key=self._key(source),
                defaults={
                    "value": {"encrypted": self._box.encrypt(new_token(24)), "header": header}
                },
            )
            row = await Setting.get(key=self._key(source))
            value = row.value if isinstance(row.value, dict) else {}
            with contextlib.suppress(ValueError, KeyError):
                secret = self._box.decrypt(str(value["encrypted"]))
        if secret is None:
            return await self._store(source, header, new_token(24))
        result = WebhookSecret(header, secret)
        self._cache[source] = result
        return result

    async def _store(self, source: str, header: str, secret: str) -> WebhookSecret:
        await Setting.update_or_create(
            key=self._key(source),
            defaults={"value": {"encrypted": self._box.encrypt(secret), "header": header}},
        )
        self.changed()
        result = WebhookSecret(header, secret)
        self._cache[source] = result
        return result

    async def rotate(self, source: str) -> WebhookSecret:
        """Replace the secret (the old one stops working at once)."""
        current = await self.get(source)
        return await self._store(source, current.header, new_token(24))

    async def set_header(self, source: str, header: str) -> WebhookSecret:
        """Change which header carries the secret."""
        if not _HEADER_NAME.match(header):
            raise InvalidInput(
                "The header name may use letters, digits and '-' (1-64).",
                details={"field": "header"},
            )
        current = await self.get(source)
        return await self._store(source, header, current.secret)
