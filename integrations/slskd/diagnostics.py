"""Diagnostics of an slskd entry (the framework redacts secrets)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from companion.integration.types import ConfigEntry, IntegrationContext
from integrations.slskd.exceptions import SlskdError
from integrations.slskd.setup import SlskdRuntime


async def async_get_diagnostics(ctx: IntegrationContext, entry: ConfigEntry) -> dict[str, Any]:
    """Report the version, the Soulseek connection, the download folder and transfer states."""
    runtime: SlskdRuntime = entry.runtime_data
    out: dict[str, Any] = {"version": runtime.version, "downloads_dir": runtime.files.downloads_dir}
    try:
        app = await runtime.client.application()
        out["server"] = {"state": app.server_state, "logged_in": app.logged_in}
        transfers = await runtime.client.downloads()
        out["downloads"] = dict(Counter(t.state for t in transfers))
    except SlskdError as err:
        out["error"] = type(err).__name__
    return out
