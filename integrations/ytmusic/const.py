"""Constants of the YouTube Music integration."""

from __future__ import annotations

DEFAULT_LANGUAGE = "en"
DEFAULT_TIMEOUT = 60.0
