"""Tortoise model of the durable webhook inbox."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class WebhookInbox(Model):
    """A received webhook body, stored before the 2xx answer and processed afterwards."""

    id = fields.BigIntField(primary_key=True)
    source = fields.CharField(max_length=32, description="Which receiver took it, e.g. jellyfin")
    received_at = fields.DatetimeField(auto_now_add=True)
    payload = fields.TextField(description="The body as received (UTF-8 text)")
    digest = fields.CharField(
        max_length=64,
        null=True,
        unique=True,
        description="SHA-256 of source and body: a repeated delivery is stored once",
    )
    processed_at = fields.DatetimeField(null=True)
    attempts = fields.IntField(default=0)
    last_error: str | None = fields.TextField(null=True)

    class Meta:
        table = "webhook_inbox"
        indexes = (("processed_at", "id"),)

    def __str__(self) -> str:
        return f"{self.source} webhook {self.id}"
