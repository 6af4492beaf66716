"""Live events: Jellyfin sockets and webhooks turned into facts, applied to the overlay once,
reconciled after every gap; the durable webhook inbox and its secrets.

May import the core, `accounts`, `library` and `history`.
"""
