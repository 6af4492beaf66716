"""The /Items query engine: cheap filtering over precomputed indexes and cached sort orders."""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from .library import STATIC_SORTS, Album, Artist, Item, Track
from .query_params import FILTERS as FILTERS
from .query_params import KNOWN_KINDS as KNOWN_KINDS
from .query_params import MUSIC_KINDS as MUSIC_KINDS
from .query_params import ItemQuery as ItemQuery
from .query_params import parse as parse
from .state import Playlist, State, User
from .wire import error_text, problem

Obj = Item | Playlist
EPOCH0 = datetime(1, 1, 1, tzinfo=UTC)


def is_root_views(iq: ItemQuery) -> bool:
    """A non-recursive query at the root (no parent, no ids) lists the library views."""
    return not iq.recursive and iq.parent_id is None and not iq.ids and iq.force_kinds is None


def visible_playlists(state: State, user: User | None) -> list[Playlist]:
    """Playlists the user may see (owner, shared, public); all of them for an API key."""
    out = []
    for pl in state.playlists.values():
        if (
            user is None
            or pl.owner_id == user.id
            or pl.is_public
            or any(s.get("UserId") == user.id for s in pl.shares)
        ):
            out.append(pl)
    return out


def _kinds(iq: ItemQuery) -> set[str]:
    if iq.force_kinds is not None:
        kinds = set(iq.force_kinds)
    elif iq.include:
        kinds = set(iq.include)
    elif iq.ids:
        kinds = {*MUSIC_KINDS, "Playlist"}
    else:
        kinds = {"MusicAlbum", "Audio"}
    kinds -= set(iq.exclude)
    if iq.media_types:
        kinds &= {"Audio"} if "Audio" in iq.media_types else set()
    if "IsFolder" in iq.filters:
        kinds -= {"Audio"}
    if "IsNotFolder" in iq.filters:
        kinds &= {"Audio"}
    return kinds & {*MUSIC_KINDS, "Playlist"}


def _intersect(cur: set[str] | None, new: Iterable[str]) -> set[str]:
    s = set(new)
    return s if cur is None else cur & s


def run(state: State, iq: ItemQuery) -> tuple[list[Obj], int]:
    """Execute a query; returns the page and TotalRecordCount."""
    lib = state.library
    kinds = _kinds(iq)
    cand: set[str] | None = None
    ordered_parent: list[str] | None = None  # playlist parents keep playlist order
    user = iq.user
    if iq.parent_id and iq.parent_id != lib.music_view_id:
        parent = lib.get(iq.parent_id)
        pl = state.playlists.get(iq.parent_id)
        if iq.parent_id == lib.movies_view_id:
            cand = set()
        elif isinstance(parent, Album):
            cand = set(parent.track_ids)
        elif isinstance(parent, Artist):
            albums = lib.albumartist_albums.get(parent.id, [])
            cand = set(albums)
            if iq.recursive:
                for a in albums:
                    al = lib.by_id.get(a)
                    if isinstance(al, Album):
                        cand.update(al.track_ids)
        elif pl is not None:
            ordered_parent = [i for _, i in pl.entries]
            cand = set(ordered_parent)
            kinds.discard("Playlist")
        else:
            raise problem(404)
    elif iq.parent_id == lib.music_view_id and not iq.recursive and not iq.include:
        kinds = {"MusicAlbum"}  # folder children of the library: albums stand in for folders
    if iq.ids:
        cand = _intersect(cand, iq.ids)
    if iq.restrict is not None:
        cand = _intersect(cand, iq.restrict)
    if iq.album_ids:
        cand = _intersect(cand, (t for a in iq.album_ids for t in _album_tracks(state, a)))
    artist_sets = []
    for aid in iq.artist_ids:
        artist_sets.append(
            set(lib.artist_tracks.get(aid, [])) | set(lib.albumartist_albums.get(aid, []))
        )
        artist_sets[-1].update(_albumartist_tracks(state, aid))
    for name in iq.artists:
        named = lib.artist_by_name.get(name.lower())
        artist_sets.append(
            set(lib.artist_tracks.get(named.id, [])) | set(lib.albumartist_albums.get(named.id, []))
            if named
            else set()
        )
    if artist_sets:
        cand = _intersect(cand, set().union(*artist_sets))
    if iq.album_artist_ids:
        s: set[str] = set()
        for aid in iq.album_artist_ids:
            s.update(lib.albumartist_albums.get(aid, []))
            s.update(_albumartist_tracks(state, aid))
        cand = _intersect(cand, s)
    if iq.contributing_artist_ids:
        s = set()
        for aid in iq.contributing_artist_ids:
            for t in lib.artist_tracks.get(aid, []):
                s.add(t)
                tr = lib.by_id.get(t)
                if isinstance(tr, Track):
                    s.add(tr.album_id)
        cand = _intersect(cand, s)
    if iq.albums:
        cand = _intersect(
            cand,
            (
                x
                for n in iq.albums
                for al in lib.albums_by_name.get(n.lower(), [])
                for x in (al.id, *al.track_ids)
            ),
        )
    if iq.genres:
        cand = _intersect(
            cand, set().union(*(lib.genre_items.get(g.lower(), set()) for g in iq.genres))
        )
    want_fav = iq.is_favorite is True or "IsFavorite" in iq.filters
    want_played = iq.is_played is True or "IsPlayed" in iq.filters
    udata = state.user_data.get(user.id, {}) if user else {}
    if want_fav:
        cand = _intersect(cand, (k for k, v in udata.items() if v.is_favorite))
    if want_played:
        cand = _intersect(cand, (k for k, v in udata.items() if v.played))
    preds = _predicates(state, iq, udata)

    lib_kinds = frozenset(kinds & set(MUSIC_KINDS))
    playlists: list[Obj] = []
    if "Playlist" in kinds:
        playlists = [
            p
            for p in visible_playlists(state, user)
            if (cand is None or p.id in cand) and all(f(p) for f in preds)
        ]
    if cand is not None:
        preds.append(lambda o: o.KIND in lib_kinds if isinstance(o, Item) else False)
    spec = tuple(iq.sort) or (("SortName", False),)
    dynamic = any(k not in STATIC_SORTS for k, _ in spec)

    items: list[Obj]
    if ordered_parent is not None and not iq.sort:
        items = [o for o in (lib.by_id.get(i) for i in ordered_parent) if o is not None]
        items = [o for o in items if all(f(o) for f in preds)]
    elif not lib_kinds:
        items = []
    else:
        static = (
            tuple((k, d) for k, d in spec if k in STATIC_SORTS)
            if not dynamic
            else (("SortName", False),)
        )
        order = lib.order(lib_kinds, static)
        if cand is None and not preds:
            items = order  # type: ignore[assignment]
        elif cand is not None and len(cand) * 8 < len(order):
            rank = lib.rank(lib_kinds, static)
            objs = [lib.by_id[i] for i in cand if i in rank]
            objs.sort(key=lambda o: rank[o.id])
            items = [o for o in objs if all(f(o) for f in preds)]
        else:
            if cand is not None:
                c = cand
                preds.insert(0, lambda o: o.id in c)
            if len(preds) == 1:
                p0 = preds[0]
                items = [o for o in order if p0(o)]
            else:
                items = [o for o in order if all(f(o) for f in preds)]
    if playlists or dynamic:
        items = list(items) + playlists
        _sort_dynamic(state, items, spec, udata)
    total = len(items)
    end = None if iq.limit is None else iq.start + iq.limit
    return items[iq.start : end], total


def _album_tracks(state: State, album_id: str) -> list[str]:
    al = state.library.by_id.get(album_id)
    return al.track_ids if isinstance(al, Album) else []


def _albumartist_tracks(state: State, artist_id: str) -> list[str]:
    return [
        t
        for a in state.library.albumartist_albums.get(artist_id, [])
        for t in _album_tracks(state, a)
    ]


def _predicates(state: State, iq: ItemQuery, udata: dict[str, Any]) -> list[Callable[[Obj], bool]]:
    preds: list[Callable[[Obj], bool]] = []
    if iq.search:
        term = clean_name(iq.search)
        preds.append(lambda o: term in clean_name(o.name))
    if iq.name_starts_with:
        nsw = iq.name_starts_with
        preds.append(lambda o: _sort_name(o).startswith(nsw))
    if iq.name_less_than:
        nlt = iq.name_less_than
        preds.append(lambda o: _sort_name(o) < nlt)
    if iq.years:
        ys = set(iq.years)
        preds.append(lambda o: isinstance(o, Item) and o.year in ys)
    if iq.exclude_item_ids:
        ex = set(iq.exclude_item_ids)
        preds.append(lambda o: o.id not in ex)
    if iq.exclude_artist_ids:
        exa = set(iq.exclude_artist_ids)
        preds.append(
            lambda o: (
                not (
                    isinstance(o, Track | Album)
                    and exa.intersection(o.album_artist_ids + getattr(o, "artist_ids", []))
                )
            )
        )
    dates = _min_saved_dates(state, iq)
    if dates:
        # Both parameters filter on the item's metadata save date, never on user data.
        since = max(dates)
        preds.append(lambda o: isinstance(o, Item) and o.date_last_saved >= since)
    if iq.is_favorite is False:
        preds.append(lambda o: not (o.id in udata and udata[o.id].is_favorite))
    unplayed = iq.is_played is False or "IsUnplayed" in iq.filters
    if unplayed:
        preds.append(lambda o: not (o.id in udata and udata[o.id].played))
    if "IsResumable" in iq.filters:
        preds.append(lambda o: o.id in udata and udata[o.id].position_ticks > 0)
    if "Likes" in iq.filters:
        preds.append(lambda o: o.id in udata and udata[o.id].likes is True)
    if "Dislikes" in iq.filters:
        preds.append(lambda o: o.id in udata and udata[o.id].likes is False)
    if "IsFavoriteOrLikes" in iq.filters:
        preds.append(lambda o: o.id in udata and (udata[o.id].is_favorite or udata[o.id].likes))
    return preds


def _min_saved_dates(state: State, iq: ItemQuery) -> list[datetime]:
    """The dates minDateLastSaved(ForUser) filter on, or the 500 of 10.9/10.10."""
    saved, for_user = iq.min_date_last_saved, iq.min_date_last_saved_for_user
    if state.vt < (10, 11) and saved is not None:
        if for_user is None:
            # SqliteItemRepository names @MinDateLastSavedForUser in the SQL but binds
            # @MinDateLastSaved: the query throws and ExceptionMiddleware answers 500.
            raise error_text(500)
        saved = for_user  # both clauses read the one parameter that was bound
    return [d for d in (saved, for_user) if d is not None]


def clean_name(value: str) -> str:
    """Jellyfin's CleanName: diacritics removed (RemoveDiacritics), then lowercased."""
    decomposed = unicodedata.normalize("NFD", value)
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn").lower()


def _sort_name(o: Obj) -> str:
    return o.sort_name if isinstance(o, Item) else o.name.lower()


def _sort_dynamic(
    state: State, items: list[Obj], spec: tuple[tuple[str, bool], ...], udata: dict[str, Any]
) -> None:
    """Multi-pass stable sort for user-dependent keys or mixed playlist results."""
    lib = state.library
    for key, desc in reversed(spec):
        if key == "Random":
            random.shuffle(items)
            continue
        kf = _dynamic_key(lib.sort_key(key) if key in STATIC_SORTS else None, key, udata)
        if kf is not None:
            items.sort(key=kf, reverse=desc)


def _dynamic_key(
    base: Callable[[Item], Any] | None, key: str, udata: dict[str, Any]
) -> Callable[[Obj], Any] | None:
    def play_count(o: Obj) -> Any:
        return udata[o.id].play_count if o.id in udata else 0

    def date_played(o: Obj) -> Any:
        return (udata[o.id].last_played or EPOCH0) if o.id in udata else EPOCH0

    def is_played(o: Obj) -> Any:
        return bool(o.id in udata and udata[o.id].played) == (key == "IsPlayed")

    def is_fav(o: Obj) -> Any:
        return bool(o.id in udata and udata[o.id].is_favorite)

    def static(o: Obj) -> Any:
        assert base is not None
        return base(o) if isinstance(o, Item) else _playlist_key(o, key)

    table: dict[str, Callable[[Obj], Any]] = {
        "PlayCount": play_count,
        "DatePlayed": date_played,
        "IsPlayed": is_played,
        "IsUnplayed": is_played,
        "IsFavoriteOrLiked": is_fav,
    }
    if base is not None:
        return static
    return table.get(key)


def _playlist_key(p: Playlist, key: str) -> Any:
    if key == "DateCreated":
        return p.created
    if key in ("SortName", "Name", "Default", "Album", "AlbumArtist", "Artist"):
        return p.name.lower()
    return 0
