"""Drive every public call of the companion's Jellyfin client against a fake, as it sends them."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from typing import Any, get_type_hints

import aiohttp

from companion.media import BrowseQuery, UserCredential
from companion.providers import ProviderUnavailable
from companion.testing.jellyfin import FAKE_API_KEY, SCAN_TASK_ID, FakeJellyfin
from integrations.jellyfin.client import ItemFilters, JellyfinClient
from integrations.jellyfin.exceptions import JellyfinError
from integrations.jellyfin.media import JellyfinMedia

ARTIST_FILTERS = frozenset(
    [
        "parent_id",
        "search_term",
        "genres",
        "years",
        "is_favorite",
        "sort_by",
        "sort_order",
        "start_index",
        "limit",
        "fields",
        "enable_user_data",
        "enable_images",
        "include_item_types",
    ]
)


def every_filter(fake: FakeJellyfin) -> dict[str, Any]:
    """One value for every ItemFilters key (a key added to the client must be added here)."""
    lib = fake.library
    t, album = lib.tracks[0], lib.albums[0]
    since = datetime.now(UTC) - timedelta(days=1)
    values: dict[str, Any] = {
        "parent_id": lib.music_view_id,
        "include_item_types": ["Audio"],
        "ids": [t.id],
        "search_term": "a",
        "artist_ids": album.album_artist_ids[:1],
        "album_artist_ids": album.album_artist_ids[:1],
        "album_ids": [album.id],
        "genres": album.genres[:1],
        "years": [album.year or 2000],
        "is_favorite": False,
        "sort_by": ["SortName"],
        "sort_order": "Ascending",
        "start_index": 0,
        "limit": 5,
        "fields": ["ProviderIds", "DateCreated", "DateLastSaved", "Genres", "MediaSources"],
        "enable_user_data": True,
        "enable_images": False,
        "min_date_last_saved": since,
        "min_date_last_saved_for_user": since,
    }
    missing = set(get_type_hints(ItemFilters)) - set(values)
    assert not missing, f"add a contract value for the new ItemFilters keys {missing}"
    return values


async def _try(call: Awaitable[Any]) -> Any:
    # Some calls meet the server's real bugs (minDateLastSaved's 500 on 10.9/10.10): what
    # matters here is what was sent.
    try:
        return await call
    except (JellyfinError, ProviderUnavailable):
        return None


async def drive(fake: FakeJellyfin) -> None:
    """Every method of JellyfinClient and JellyfinMedia, as a user and as the API key."""
    lib = fake.library
    t, album = lib.tracks[0], lib.albums[0]
    filters = every_filter(fake)
    artist_filters = {k: v for k, v in filters.items() if k in ARTIST_FILTERS}
    async with aiohttp.ClientSession() as session:
        anon = JellyfinClient(fake.url, session=session, device_id="contract-device")
        await anon.public_info()
        await anon.ensure_supported()
        auth = await anon.authenticate("demo", "demo")
        uid = auth.user.id
        user = anon.with_token(auth.access_token, uid)
        key = anon.with_token(FAKE_API_KEY, None)
        await key.system_info()
        await user.me()
        await key.get_user(uid)
        await key.users()
        await key.virtual_folders()
        await key.scheduled_tasks()
        await key.scheduled_task(SCAN_TASK_ID)
        await key.refresh_library()
        for client, who in ((user, None), (key, uid)):
            await _try(client.items(who, **filters))  # type: ignore[arg-type]
            await _try(client.items(who, include_item_types=["MusicAlbum"], limit=3))
            await client.item(t.id, who)
            # /Artists takes /Items' paging, search, filter and sort parameters, not its id lists.
            await _try(client.artists(who, **artist_filters))  # type: ignore[arg-type]
            await _try(client.album_artists(who, **artist_filters))  # type: ignore[arg-type]
            await client.instant_mix(t.id, who, limit=5, fields=["ProviderIds"])
            await client.set_favorite(t.id, who, True)
            await client.set_favorite(t.id, who, False)
            await client.user_data(t.id, who)
            await client.sessions(uid)
        ids = [x.id for x in lib.tracks[:4]]
        pid = await user.create_playlist("Contract", ids[:2])
        await user.add_to_playlist(pid, ids[2:3])
        if fake.state.vt >= (12,):
            await user.add_to_playlist(pid, ids[3:4], position=0)
        if fake.state.vt >= (10, 10):
            await user.get_playlist(pid)
        page = await user.playlist_items(
            pid,
            start_index=0,
            limit=10,
            fields=["ProviderIds"],
            enable_images=False,
            enable_user_data=True,
        )
        entry = page.items[-1].playlist_item_id or ""
        await _try(user.move_playlist_item(pid, entry, 1))
        await user.update_playlist(pid, name="Renamed", item_ids=ids[:3])
        await _try(key.update_playlist(pid, name="By key", user_id=uid))
        await user.remove_from_playlist(pid, [ids[0]])
        await user.delete_item(pid)
        await user.report_playback_start(t.id, position_ticks=0, play_session_id="ps1")
        await user.report_playback_progress(t.id, position_ticks=10**7, play_session_id="ps1")
        await user.report_playback_stopped(t.id, position_ticks=2 * 10**7, play_session_id="ps1")
        sessions = await key.sessions()
        if sessions:
            await _try(key.send_play_command(sessions[0].id, [t.id], "PlayNow", 0))
            await _try(key.send_playstate(sessions[0].id, "Pause"))
        urls = (
            user.stream_url(t.id),
            user.stream_url(t.id, static=False, max_bitrate=192_000, audio_codec="mp3"),
            user.image_url(album.id, tag=album.image_tag, max_width=300),
        )
        for url in urls:
            async with session.get(url) as resp:
                await resp.read()
        media = JellyfinMedia(key, fake.url)
        cred = UserCredential(uid, auth.access_token, "contract-device")
        since = datetime.now(UTC) - timedelta(days=1)
        await _try(media.index_page(0, 10, None))
        await _try(media.index_page(0, 10, since))
        await _try(media.index_items([t.id]))
        await _try(media.user_data_since(cred, since))
        await _try(media.get_many(cred, [t.id, album.id]))
        await _try(media.album_tracks(cred, album.id))
        await _try(media.artist_albums(cred, album.album_artist_ids[0]))
        await _try(media.set_favorite(cred, t.id, True))
        await _try(media.search(cred, "a", 5))
        for kind in ("artist", "album", "track"):
            await _try(media.favorites(cred, kind, 0, 5))  # type: ignore[arg-type]
            await _try(media.browse(cred, BrowseQuery(kind=kind)))  # type: ignore[arg-type]
