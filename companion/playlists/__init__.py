"""Playlists: stored per user in the companion, pushed one-way to the media server through a
durable outbox, the Favorites playlist, and drift detection.

May import the core, `accounts`, `library` and `history`.
"""
