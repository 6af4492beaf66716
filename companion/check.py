"""`companion check`: one line per check, non-zero exit if any fails."""

from __future__ import annotations

import aiohttp

from companion import __version__
from companion.crypto import SecretBox, StartupError, load_or_create_key, prepare_data_dir
from companion.db.database import Database
from companion.events import EventBus
from companion.integration.entries import ConfigEntries
from companion.integration.registry import discover
from companion.integration.types import IntegrationContext
from companion.settings import Settings


def _line(ok: bool, what: str, detail: str) -> bool:
    print(f"{'OK  ' if ok else 'FAIL'} {what}: {detail}")
    return ok


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
            return 0 if all(results) else 1
        async with aiohttp.ClientSession(
            headers={"User-Agent": f"jellyfin-companion/{__version__}"}
        ) as session:
            ctx = IntegrationContext(
                settings=settings, session=session, bus=EventBus(), secret_box=box
            )
            entries = ConfigEntries(ctx, discover())
            for name, result in await entries.test_stored():
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
