"""Playlists stored in the companion and their durable push outbox to Jellyfin."""

from __future__ import annotations
