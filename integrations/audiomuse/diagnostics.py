"""Diagnostics of an AudioMuse-AI entry (the framework redacts secrets)."""

from __future__ import annotations

from typing import Any

from companion.integration.types import ConfigEntry, IntegrationContext
from integrations.audiomuse.exceptions import AudioMuseError
from integrations.audiomuse.setup import AudioMuseRuntime


async def async_get_diagnostics(ctx: IntegrationContext, entry: ConfigEntry) -> dict[str, Any]:
    """Report the version, the engine's health and the analysis task state."""
    runtime: AudioMuseRuntime = entry.runtime_data
    out: dict[str, Any] = {
        "version": runtime.version,
        "engine": runtime.engine.status(),
    }
    try:
        active = await runtime.client.active_task()
        last = await runtime.client.last_task()
    except AudioMuseError as err:
        out["tasks"] = f"unavailable: {type(err).__name__}"
        return out
    out["tasks"] = {
        "active": None
        if active is None
        else {"type": active.task_type, "state": active.state, "progress": active.progress},
        "last": None if last is None else {"type": last.task_type, "state": last.state},
    }
    return out
