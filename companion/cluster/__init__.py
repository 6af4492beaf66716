"""Replicas: events carried between companions, one owner for singleton work, shared locks.

Core plumbing (knows no capability): the app wires capabilities onto it. Alone (the default)
everything runs in-process; with COMPANION_REPLICA_MODE=postgres, PostgreSQL carries events
(LISTEN/NOTIFY plus the `cluster_events` table) and elects the owner (an advisory lock).
"""
