"""A task cancelled while its transaction's BEGIN is awaited must not take the database with it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from tortoise import connections
from tortoise.backends.asyncpg.client import TransactionWrapper
from tortoise.backends.sqlite.client import SqliteTransactionWrapper
from tortoise.transactions import in_transaction

from companion.accounts.models import User
from companion.db.database import Database
from companion.db.engines import SafeAsyncpgClient, SafeSqliteClient


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url)
    await db.open()
    await db.migrate()
    yield db
    await db.close()


async def test_the_app_opens_its_own_engines(database: Database) -> None:
    assert isinstance(connections.get("default"), SafeSqliteClient | SafeAsyncpgClient)


async def test_cancel_during_begin_leaves_the_database_usable(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = connections.get("default")
    entered, release = asyncio.Event(), asyncio.Event()
    wrapper: Any = (
        SqliteTransactionWrapper if isinstance(client, SafeSqliteClient) else TransactionWrapper
    )
    real_begin = wrapper.begin

    async def slow_begin(self: Any) -> None:
        # BEGIN that is still on its way when the task is cancelled.
        entered.set()
        await release.wait()
        await real_begin(self)

    monkeypatch.setattr(wrapper, "begin", slow_begin)

    async def transaction() -> None:
        async with in_transaction():
            await User.all().count()

    task = asyncio.create_task(transaction())
    await asyncio.wait_for(entered.wait(), timeout=30)
    task.cancel()
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await task
    monkeypatch.setattr(wrapper, "begin", real_begin)
    # Before the fix the lock (SQLite) or the pooled connection (PostgreSQL) stayed taken and
    # this waited forever; the timeout only stops a hang.
    async with asyncio.timeout(30):
        assert await User.all().count() == 0
        async with in_transaction():
            assert await User.all().count() == 0
