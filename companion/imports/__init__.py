"""Imports: playlists brought in from files and other services (Exportify/CSV, M3U, JSPF/XSPF,
Deezer, YouTube Music, Spotify), matched to library tracks, committed as companion playlists, and
waiting rows filled in as the library grows. Also the public matcher (`companion.imports.match`)
and the wanted-rows mechanism that downloads and flows reuse.

May import the core, `playlists`, `library` and `accounts`.
"""
