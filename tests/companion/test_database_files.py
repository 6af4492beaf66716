"""The SQLite database and its WAL/SHM files are readable by the companion's user only."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from tortoise import Tortoise

from companion.db.database import Database


@pytest.fixture
def open_umask() -> Iterator[None]:
    """A umask that would make new files world-readable."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.usefixtures("open_umask")
async def test_new_database_files_are_0600(tmp_path: Path) -> None:
    path = tmp_path / "companion.sqlite3"
    database = Database(f"sqlite://{path}")
    await database.open()
    try:
        await database.migrate()
        conn = Tortoise.get_connection("default")
        await conn.execute_query("SELECT count(*) FROM aerich")
        wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
        # WAL mode keeps both open while connected: the check sees the files SQLite made.
        assert wal.exists() and shm.exists()
        assert {p.name: _mode(p) for p in (path, wal, shm)} == {
            path.name: 0o600,
            wal.name: 0o600,
            shm.name: 0o600,
        }
    finally:
        await database.close()


@pytest.mark.usefixtures("open_umask")
async def test_an_older_world_readable_database_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "companion.sqlite3"
    path.touch(mode=0o644)
    path.chmod(0o644)
    database = Database(f"sqlite://{path}")
    await database.open()
    await database.close()
    assert _mode(path) == 0o600
