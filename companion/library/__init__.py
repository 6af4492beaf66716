"""Library: the music API over the media server (browse, search, batch resolution, streams, art),
write-through favorites and their mirror table, and the light library index used for matching.

May import the core and `accounts`.
"""
