"""Player: one play queue per user kept by the server (play now, next, add, reorder, remove,
clear, shuffle, repeat, save as playlist), which browser tab plays it, and its playback reported
to the media server as a session of its own per browser.

May import the core, `playlists`, `history`, `library` and `accounts`.
"""
