"""Which cluster a companion runs in, from its settings."""

from __future__ import annotations

import os
import socket

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
