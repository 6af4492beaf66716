"""Diagnostics of a Lidarr entry (the framework redacts secrets)."""

from __future__ import annotations

from typing import Any

from companion.integration.types import ConfigEntry, IntegrationContext
from integrations.lidarr.exceptions import LidarrError
from integrations.lidarr.setup import LidarrRuntime


async def async_get_diagnostics(ctx: IntegrationContext, entry: ConfigEntry) -> dict[str, Any]:
    """Report the version, root folders, profiles and the queue's size."""
    runtime: LidarrRuntime = entry.runtime_data
    out: dict[str, Any] = {"version": runtime.version}
    client = runtime.client
    try:
        out["root_folders"] = [
            {"path": f.path, "accessible": f.accessible, "free_space": f.free_space}
            for f in await client.root_folders()
        ]
        out["quality_profiles"] = [p.name for p in await client.quality_profiles()]
        out["metadata_profiles"] = [p.name for p in await client.metadata_profiles()]
        queue = await client.queue()
        out["queue"] = {
            "records": len(queue),
            "states": sorted({r.tracked_download_state or "" for r in queue}),
        }
    except LidarrError as err:
        out["error"] = type(err).__name__
    return out
