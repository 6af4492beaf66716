"""Tortoise configuration, for the app and for the aerich command line."""

from __future__ import annotations

import os
from typing import Any

from tortoise.backends.base.config_generator import expand_db_url

from companion.settings import load_settings

# Each capability keeps its Tortoise models in its own `models.py`; they share one app label.
MODEL_MODULES = [
    "companion.accounts.models",
    "companion.integration.models",
    "companion.library.models",
    "companion.history.models",
    "companion.history.import_models",
    "companion.live.models",
    "companion.playlists.models",
    "companion.player.models",
    "companion.vibe.models",
    "companion.automation.models",
    "companion.listening.models",
    "companion.imports.models",
    "companion.downloads.models",
    "companion.flows.models",
    "companion.cluster.models",
    "aerich.models",
]
APP_LABEL = "models"


# Tortoise's own engines, and ours that survive a cancel during BEGIN (companion/db/engines.py).
_SAFE_ENGINES = {
    "tortoise.backends.sqlite": "companion.db.engines",
    "tortoise.backends.asyncpg": "companion.db.engines",
}


def _connection(database_url: str) -> dict[str, Any]:
    connection: dict[str, Any] = expand_db_url(database_url)
    connection["engine"] = _SAFE_ENGINES.get(connection["engine"], connection["engine"])
    return connection


def tortoise_config(database_url: str) -> dict[str, Any]:
    """Return the Tortoise config dict for a database URL."""
    return {
        "connections": {"default": _connection(database_url)},
        "apps": {APP_LABEL: {"models": list(MODEL_MODULES), "default_connection": "default"}},
        "use_tz": True,
        "timezone": "UTC",
    }


def _cli_config() -> dict[str, Any]:
    # Used by the `aerich` command run from the repository; honours the service's settings.
    url = os.environ.get("AERICH_DATABASE_URL")
    if not url:
        try:
            url = load_settings().resolved_database_url
        except ValueError:
            url = "sqlite://data/companion.sqlite3"
    return tortoise_config(url)


TORTOISE_ORM = _cli_config()
