"""Vibe queues: built from seeds through a similarity engine (AudioMuse-AI) or the media server's
mixes, shaped, stored, played on a session and extended as they run out.

May import the core, `accounts`, `library`, `history` and `playlists`.
"""
