"""Opening the database, applying aerich migrations and closing it again."""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path
from typing import Any

from tortoise import Tortoise
from tortoise.context import TortoiseContext

from companion.crypto import StartupError
from companion.db.config import APP_LABEL, tortoise_config

_LOGGER = logging.getLogger(__name__)


def migrations_dir() -> Path:
    """Return the directory holding the aerich migrations (the `migrations` package)."""
    import migrations

    return Path(migrations.__file__).resolve().parent


def _describe(url: str) -> str:
    # The URL may carry a password; name only what identifies the database.
    if url.startswith("sqlite://"):
        return url
    scheme, _, rest = url.partition("://")
    host = rest.rsplit("@", 1)[-1]
    return f"{scheme}://{host}"


def sqlite_url(url: str) -> str:
    """Add the pragmas the companion wants to an SQLite URL (WAL is Tortoise's default)."""
    if not url.startswith("sqlite://") or "synchronous=" in url:
        return url
    # NORMAL in WAL mode survives a killed process; only an OS crash can lose the last commit.
    return url + ("&" if "?" in url else "?") + "synchronous=NORMAL"


def _private_sqlite_files(path: Path) -> None:
    """Create the database file 0600 (SQLite gives its -wal and -shm files the same mode).

    The file holds session and token hashes and encrypted secrets: only the companion's
    user reads it, whatever the umask. Files of an older install are tightened too.
    """
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        with contextlib.suppress(FileNotFoundError, PermissionError):
            if file.stat().st_mode & 0o077:
                file.chmod(0o600)


class Database:
    """Owns the Tortoise context of one companion process."""

    def __init__(self, url: str) -> None:
        self.url = sqlite_url(url)
        self.config: dict[str, Any] = tortoise_config(self.url)
        self._ctx: TortoiseContext | None = None

    @property
    def dialect(self) -> str:
        """Return `sqlite` or `postgres`."""
        return "sqlite" if self.url.startswith("sqlite://") else "postgres"

    async def open(self) -> None:
        """Connect and check the database answers; one clear error when it cannot."""
        if self.dialect == "sqlite":
            path = Path(self.url.removeprefix("sqlite://").split("?", 1)[0])
            if str(path) != ":memory:" and not path.parent.exists():
                raise StartupError(
                    f"COMPANION_DATABASE_URL: the directory {path.parent} does not exist"
                )
            if str(path) != ":memory:":
                try:
                    _private_sqlite_files(path)
                except OSError as err:
                    raise StartupError(
                        f"COMPANION_DATABASE_URL: cannot create {path}: {err.strerror}"
                    ) from None
        ctx = TortoiseContext()
        try:
            # Entered only while initialising; afterwards every task finds it as the global
            # fallback (request handlers run in tasks that never saw this contextvar).
            with ctx:
                await ctx.init(config=self.config, _enable_global_fallback=True)
                await Tortoise.get_connection("default").execute_query("SELECT 1")
        except Exception as err:
            with ctx:
                await ctx.close_connections()
            raise StartupError(
                f"COMPANION_DATABASE_URL: cannot open {_describe(self.url)}: "
                f"{type(err).__name__}: {err}"
            ) from None
        self._ctx = ctx

    async def migrate(self) -> list[str]:
        """Apply pending aerich migrations; return the versions applied."""
        from aerich import Command

        command = Command(self.config, app=APP_LABEL, location=str(migrations_dir()))
        await command.init()
        applied: list[str] = await command.upgrade(run_in_transaction=True)
        for version in applied:
            _LOGGER.info("Applied migration %s", version)
        return applied

    async def pending_migrations(self) -> list[str]:
        """List migrations not yet applied."""
        from aerich import Command
        from tortoise.exceptions import OperationalError

        command = Command(self.config, app=APP_LABEL, location=str(migrations_dir()))
        try:
            await command.init()
            heads: list[str] = await command.heads()
        except OperationalError:
            # A database never migrated has no `aerich` table: everything is pending.
            return sorted(p.name for p in (migrations_dir() / APP_LABEL).glob("[0-9]*_*.py"))
        return heads

    async def close(self) -> None:
        """Close connections and release the global Tortoise context."""
        if self._ctx is not None:
            with self._ctx:
                await self._ctx.close_connections()
            self._ctx = None
