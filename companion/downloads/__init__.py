"""Downloads ("add to library"): a wanted list per user, filled through Lidarr (albums) or slskd
(single files) into a folder of a Jellyfin music library; the path mapping between the
companion, Jellyfin, Lidarr and slskd, checked with probe files; the worker that drives every
download through its states (survives restarts); the Lidarr webhook's effects; and the arrival
of the files in Jellyfin, which marks wanted items in the library and fills the import rows that
waited for them.

May import the core, `imports` (the matcher and the wanted-rows hook), `playlists`, `live`,
`library` and `accounts`.
"""
