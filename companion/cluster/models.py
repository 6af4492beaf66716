"""Tortoise model of the cluster event log (written and read with asyncpg in replica mode)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class ClusterEvent(Model):
    """One bus event as published by one replica; replicas read the log in `seq` order."""

    seq = fields.BigIntField(primary_key=True)
    origin = fields.CharField(max_length=64, description="The replica that published it")
    at = fields.DatetimeField(auto_now_add=True)
    body = fields.TextField(description="The event as JSON (Event.as_dict)")

    class Meta:
        table = "cluster_events"

    def __str__(self) -> str:
        return f"cluster event {self.seq} from {self.origin}"
