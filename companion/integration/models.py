"""Tortoise model of a configured integration instance (secrets encrypted)."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class ConfigEntry(Model):
    """One configured instance of an integration; secret fields are encrypted."""

    id = fields.IntField(primary_key=True)
    entry_id = fields.CharField(max_length=32, unique=True, description="Public id, 32 hex")
    domain = fields.CharField(max_length=64, description="Integration domain")
    title = fields.CharField(max_length=255)
    data: dict[str, Any] = fields.JSONField(
        default=dict, description="Non-secret configuration values"
    )
    secrets: str | None = fields.TextField(
        null=True, description="Fernet-encrypted JSON of secret values"
    )
    options: dict[str, Any] = fields.JSONField(default=dict, description="User options")
    source = fields.CharField(max_length=16, default="user", description="user | environment")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "config_entries"
        indexes = (("domain",),)

    def __str__(self) -> str:
        return f"{self.domain}: {self.title}"
