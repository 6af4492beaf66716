"""Tortoise models of home automation: inbound hooks, outgoing targets and their outbox."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from companion.accounts.models import User


class AutomationHook(Model):
    """An inbound automation webhook of one user: its token is shown once and stored hashed."""

    id = fields.IntField(primary_key=True)
    hook_id = fields.CharField(max_length=32, unique=True, description="Public id in the URL")
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="automation_hooks", on_delete=fields.CASCADE
    )
    user_id: int
    name = fields.CharField(max_length=100, description="What the owner called it")
    token_hash = fields.CharField(max_length=64, description="SHA-256 of the token")
    prefix = fields.CharField(max_length=16, description="First characters, to recognise it")
    actions: list[str] = fields.JSONField(default=list, description="Allowed actions; [] = all")
    created_at = fields.DatetimeField(auto_now_add=True)
    last_used_at = fields.DatetimeField(null=True)
    use_count = fields.IntField(default=0)

    class Meta:
        table = "automation_hooks"
        indexes = (("user_id",),)

    def __str__(self) -> str:
        return f"hook {self.name} ({self.hook_id})"


class OutgoingTarget(Model):
    """A URL that receives chosen event types as signed JSON (e.g. a Home Assistant webhook)."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100)
    url = fields.CharField(max_length=2000, description="Where events are POSTed")
    event_types: list[str] = fields.JSONField(default=list, description="Event types sent")
    secret = fields.TextField(description="HMAC key, encrypted with the install's key")
    enabled = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "outgoing_targets"

    def __str__(self) -> str:
        return f"target {self.name}"


class OutgoingDelivery(Model):
    """One event for one target: the durable outbox row and, once done, the delivery log."""

    id = fields.BigIntField(primary_key=True)
    target: fields.ForeignKeyRelation[OutgoingTarget] = fields.ForeignKeyField(
        "models.OutgoingTarget", related_name="deliveries", on_delete=fields.CASCADE
    )
    target_id: int
    event_id = fields.CharField(max_length=32, description="The bus event id (idempotency key)")
    event_type = fields.CharField(max_length=64)
    payload: dict[str, Any] = fields.JSONField(default=dict, description="The event as sent")
    status = fields.CharField(
        max_length=16, default="pending", description="pending, delivered or failed"
    )
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(description="When the worker tries next")
    last_status: int | None = fields.IntField(null=True, description="Last HTTP status")
    last_error: str | None = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    delivered_at = fields.DatetimeField(null=True)

    class Meta:
        table = "outgoing_deliveries"
        unique_together = (("target_id", "event_id"),)
        indexes = (("status", "next_attempt_at"), ("target_id", "created_at"))

    def __str__(self) -> str:
        return f"delivery {self.event_type} → {self.target_id}: {self.status}"
