"""Listening: your plays sent out to ListenBrainz and Last.fm (scrobbling) and marked played in
Jellyfin through one durable outbox, listening histories brought in from those services, and
the year in review's "Top of <year>" playlist.

May import the core and the capabilities below it (`vibe`, `playlists`, `history`, `library`,
`accounts`); it sits above `vibe` so history imports can use the import matcher beside it.
"""
