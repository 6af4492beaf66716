"""Which cluster a companion runs in, from its settings."""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import AsyncIterator

from companion.cluster.base import Cluster
from companion.settings import Settings


def create_cluster(settings: Settings) -> Cluster:
    """The single-process cluster by default; PostgreSQL replicas when configured."""
    if settings.replica_mode != "postgres":
        return Cluster()
    # Imported only here: asyncpg stays unloaded in the default mode.
    from companion.cluster.postgres import PostgresCluster

    replica_id = settings.replica_id or f"{socket.gethostname()}-{os.getpid()}"[:64]
    return PostgresCluster(settings.resolved_database_url, replica_id)


@contextlib.asynccontextmanager
async def migration_guard(settings: Settings) -> AsyncIterator[None]:
    """Replicas starting together migrate one at a time (the others then find nothing to do)."""
    if settings.replica_mode != "postgres":
        yield
        return
    import asyncpg

    from companion.cluster.postgres import asyncpg_dsn, lock_key

    conn = await asyncpg.connect(asyncpg_dsn(settings.resolved_database_url), timeout=10)
    try:
        # Session-level: released when this connection closes, even if the process dies.
        await conn.execute("SELECT pg_advisory_lock($1)", lock_key("companion:migrate"))
        yield
    finally:
        await conn.close()
