"""`companion check`: one line per check, non-zero exit if any fails."""

from __future__ import annotations

import aiohttp

from companion import __version__
from companion.crypto import SecretBox, StartupError, load_or_create_key, prepare_data_dir
from companion.db.database import Database
from companion.errors import InvalidInput
from companion.events import EventBus
from companion.integration import schema as schema_mod
from companion.integration.entries import ConfigEntries
from companion.integration.models import ConfigEntry as ConfigEntryRow
from companion.integration.registry import discover
from companion.integration.types import IntegrationContext
from companion.settings import Settings

# What `companion check` says when nothing tells the companion where Jellyfin is.
JELLYFIN_MISSING = (
    "not configured; set JELLYFIN_URL and JELLYFIN_API_KEY (or JELLYFIN_USERNAME and "
    "JELLYFIN_PASSWORD), or connect it on the setup page of `companion serve`"
)


def _line(ok: bool, what: str, detail: str) -> bool:
    print(f"{'OK  ' if ok else 'FAIL'} {what}: {detail}")
    return ok


async def _jellyfin_known(settings: Settings) -> bool:
    """Whether the environment or a stored entry names a Jellyfin (readable before migrating)."""
    if settings.environ.get("JELLYFIN_URL", ""):
        return True
    try:
        return await ConfigEntryRow.filter(domain="jellyfin").exists()
    except Exception:  # a schema too old or too new to read: nothing stored
        return False


async def run_checks(settings: Settings) -> int:
    """Run every check and return the exit code."""
    results = [_line(True, "settings", "valid")]
    try:
        prepare_data_dir(settings.data_dir)
        box = SecretBox(load_or_create_key(settings.data_dir, settings.secret_key))
        results.append(_line(True, "data directory", f"{settings.data_dir.resolve()} is writable"))
    except StartupError as err:
        _line(False, "data directory", str(err))
        return 1
    database = Database(settings.resolved_database_url)
    try:
        await database.open()
    except StartupError as err:
        _line(False, "database", str(err))
        return 1
    try:
        pending = await database.pending_migrations()
        results.append(
            _line(
                True,
                "database",
                f"{database.dialect} opened; "
                + (
                    f"{len(pending)} migration(s) pending (run `companion migrate`)"
                    if pending
                    else "schema up to date"
                ),
            )
        )
        if pending:
            # Entries cannot be tested on an old schema, but a missing Jellyfin is still known.
            if not await _jellyfin_known(settings):
                results.append(_line(False, "integration Jellyfin", JELLYFIN_MISSING))
            return 0 if all(results) else 1
        async with aiohttp.ClientSession(
            headers={"User-Agent": f"jellyfin-companion/{__version__}"}
        ) as session:
            ctx = IntegrationContext(
                settings=settings, session=session, bus=EventBus(), secret_box=box
            )
            entries = ConfigEntries(ctx, discover())
            tested = await entries.test_stored()
            stored = {row.domain for row in await ConfigEntryRow.all()}
            # The environment alone configures an integration at `serve`; test it the same way.
            for integration in entries.integrations.values():
                env = entries.env_values(integration)
                if not env or integration.domain in stored:
                    continue
                label = f"{integration.manifest.name} (environment)"
                try:
                    data = schema_mod.validate(integration.schema, env)
                except InvalidInput as err:
                    results.append(_line(False, f"integration {label}", err.message))
                    continue
                stored.add(integration.domain)
                tested.append((label, await entries.run_test(integration, data)))
            if "jellyfin" not in stored:
                results.append(_line(False, "integration Jellyfin", JELLYFIN_MISSING))
            for name, result in tested:
                label = f"integration {name}"
                if result is None:
                    results.append(_line(False, label, "not installed"))
                elif result.ok:
                    detail = "connection OK" + "".join(f"; warning: {w}" for w in result.warnings)
                    results.append(_line(True, label, detail))
                else:
                    results.append(_line(False, label, f"{result.error}: {result.message}"))
    finally:
        await database.close()
    return 0 if all(results) else 1
