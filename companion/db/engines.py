"""Tortoise database engines whose transactions survive a cancel while BEGIN is awaited.

Tortoise 1.1's transaction contexts take the connection (SQLite: the one connection's lock;
PostgreSQL: a pooled connection) and then await BEGIN; a task cancelled during that await (an
integration unloading, a shutdown) never reaches `__aexit__`, so the SQLite lock stays taken and
every later query waits forever, or the pooled connection is never returned. These engines hand
back what they took when entering fails. Named by `tortoise_config` in place of Tortoise's own.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from tortoise.backends.asyncpg.client import AsyncpgDBClient
from tortoise.backends.asyncpg.client import TransactionWrapper as AsyncpgTransactionWrapper
from tortoise.backends.base.client import (
    TransactionalDBClient,
    TransactionContext,
    TransactionContextPooled,
)
from tortoise.backends.sqlite.client import (
    SqliteClient,
    SqliteTransactionContext,
    SqliteTransactionWrapper,
)
from tortoise.connection import get_connections


class _SqliteTransaction(SqliteTransactionContext):
    """Releases the connection lock when BEGIN does not complete."""

    async def __aenter__(self) -> TransactionalDBClient:
        await self._trxlock.acquire()
        try:
            await self.ensure_connection()
            self.token = get_connections().set(self.connection_name, self.connection)
            begin = asyncio.ensure_future(self.connection.begin())
            try:
                await asyncio.shield(begin)
            except asyncio.CancelledError:
                # BEGIN still runs in aiosqlite's thread: let it finish and undo it before the
                # lock goes to the next task, or that task would write inside this transaction.
                with contextlib.suppress(Exception):
                    await begin
                    await self.connection.rollback()
                raise
        except BaseException:
            with contextlib.suppress(AttributeError, ValueError):
                get_connections().reset(self.token)
            self._trxlock.release()
            raise
        client: TransactionalDBClient = self.connection
        return client


class SafeSqliteClient(SqliteClient):
    """Tortoise's SQLite client with the transaction context above."""

    def _in_transaction(self) -> TransactionContext:
        return _SqliteTransaction(SqliteTransactionWrapper(self), self._lock)


class _PooledTransaction(TransactionContextPooled):
    """Returns the pooled connection when BEGIN does not complete."""

    async def __aenter__(self) -> TransactionalDBClient:
        await self.ensure_connection()
        pool: Any = self.client._parent._pool
        self.client._connection = await pool.acquire()
        self.token = get_connections().set(self.connection_name, self.client)
        try:
            await self.client.begin()
        except BaseException:
            get_connections().reset(self.token)
            # asyncpg resets a connection released mid-command; shielded so a cancel cannot
            # stop the hand-back half way.
            await asyncio.shield(pool.release(self.client._connection))
            raise
        return self.client


class SafeAsyncpgClient(AsyncpgDBClient):
    """Tortoise's asyncpg client with the transaction context above."""

    def _in_transaction(self) -> TransactionContext:
        return _PooledTransaction(AsyncpgTransactionWrapper(self), self._pool_init_lock)


def get_client_class(db_info: dict[str, Any]) -> type[SqliteClient] | type[AsyncpgDBClient]:
    """The client for a connection Tortoise is opening (the hook its engine modules offer)."""
    return SafeSqliteClient if "file_path" in db_info["credentials"] else SafeAsyncpgClient
