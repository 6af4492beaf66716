"""Tortoise models of accounts: users, their browser sessions, API tokens and settings."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class User(Model):
    """A person who signs in; linked to a Jellyfin user once Jellyfin sign-in is used."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=255, description="Display name (the Jellyfin user name)")
    jellyfin_id = fields.CharField(
        max_length=32, null=True, unique=True, description="Jellyfin user id, 32 hex"
    )
    is_admin = fields.BooleanField(default=False, description="Companion administrator")
    is_active = fields.BooleanField(default=True, description="False once signed out for good")
    jellyfin_token = fields.TextField(
        null=True, description="The user's Jellyfin access token, Fernet-encrypted"
    )
    device_id = fields.CharField(
        max_length=64, null=True, description="Stable Jellyfin DeviceId used for this user"
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    last_login_at = fields.DatetimeField(null=True)

    class Meta:
        table = "users"

    def __str__(self) -> str:
        return self.name


class UserSession(Model):
    """A browser session; the cookie holds a random id whose hash is stored here."""

    id = fields.IntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True, description="SHA-256 of the id")
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="sessions", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField(description="Absolute expiry")
    user_agent = fields.CharField(max_length=255, default="")

    class Meta:
        table = "user_sessions"
        indexes = (("expires_at",),)

    def __str__(self) -> str:
        return f"session {self.id}"


class ApiToken(Model):
    """An API token for scripts and automations; shown once, stored hashed, revocable."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="api_tokens", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=100, description="What the owner called it")
    token_hash = fields.CharField(max_length=64, unique=True, description="SHA-256 of the token")
    prefix = fields.CharField(max_length=16, description="First characters, to recognise it")
    created_at = fields.DatetimeField(auto_now_add=True)
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_tokens"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Setting(Model):
    """A key/value setting stored by the service (values may be encrypted by the caller)."""

    key = fields.CharField(max_length=128, primary_key=True)
    value: Any = fields.JSONField(null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "settings"

    def __str__(self) -> str:
        return self.key
