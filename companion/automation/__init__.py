"""Home automation: per-user states and triggers derived from events, the actions automations
run, inbound automation hooks, and signed outgoing webhooks with their outbox.

May import every capability below it (`accounts`, `library`, `history`, `live`, `playlists`, `vibe`).
"""
