"""Vibe queues built through AudioMuse-AI or Jellyfin's InstantMix."""

from __future__ import annotations
