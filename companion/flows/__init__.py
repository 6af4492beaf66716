"""Weekly discovery flows: per-user flows (size, schedule, options, a mix of ListenBrainz,
AudioMuse-AI and Ollama), each week's picks grounded in the library or downloaded into the
flows folder and linked into a Jellyfin library, one playlist per flow filled as tracks are
indexed, and the weekly reset that keeps what the listener liked (crash-safe journals).

May import the core, `listening` (linked ListenBrainz accounts), `imports` (the matcher),
`playlists`, `history`, `library` and `accounts`.
"""
