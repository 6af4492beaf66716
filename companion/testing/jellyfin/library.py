"""Deterministic generated music library with the indexes the fake's queries need."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from .items import STATIC_SORTS as STATIC_SORTS
from .items import Album as Album
from .items import Artist as Artist
from .items import Item as Item
from .items import SortSpec as SortSpec
from .items import Track as Track
from .items import sort_name_of as sort_name_of
from .names import ADJ, FIRST, GENRES, LAST, LIVE_VENUES, NOUN, SPECIAL_ARTISTS, VARIOUS
from .wire import TICKS_PER_SECOND, md5_id, now_utc

EPOCH = datetime(2023, 1, 1, tzinfo=UTC)


class Library:
    """The generated library plus precomputed indexes and cached sort orders."""

    def __init__(self, tracks: int = 2000, seed: int = 1) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.artists: list[Artist] = []
        self.albums: list[Album] = []
        self.tracks: list[Track] = []
        self.by_id: dict[str, Item] = {}
        self.artist_by_name: dict[str, Artist] = {}
        self.albums_by_name: dict[str, list[Album]] = {}
        self.artist_tracks: dict[str, list[str]] = {}
        self.albumartist_albums: dict[str, list[str]] = {}
        self.genre_items: dict[str, set[str]] = {}
        self.music_view_id = md5_id("view", "music", str(seed))
        self.movies_view_id = md5_id("view", "movies", str(seed))
        self.view_created = EPOCH
        # Items read from real files (media_folder.ScannedFile by id): their path and ids.
        self.scanned_files: dict[str, Any] = {}
        self._orders: dict[tuple[frozenset[str], SortSpec], list[Item]] = {}
        self._ranks: dict[tuple[frozenset[str], SortSpec], dict[str, int]] = {}
        self._generate(tracks)

    # -- generation -------------------------------------------------------------------------

    def _id(self) -> str:
        return f"{self.rng.getrandbits(128):032x}"

    def _date(self, spread_days: int = 700) -> datetime:
        return EPOCH + timedelta(seconds=self.rng.randrange(spread_days * 86400))

    def _artist(self, name: str) -> Artist:
        found = self.artist_by_name.get(name.lower())
        if found:
            return found
        tag = md5_id("img", name) if self.rng.random() < 0.7 else None
        d = self._date()
        a = Artist(self._id(), name, sort_name_of(name), d, None, [], tag, d)
        self.artists.append(a)
        self.by_id[a.id] = a
        self.artist_by_name[name.lower()] = a
        return a

    def _new_artist_name(self, i: int) -> str:
        if i < len(SPECIAL_ARTISTS):
            return SPECIAL_ARTISTS[i]
        r = self.rng
        while True:
            pattern = r.randrange(3)
            if pattern == 0:
                name = f"The {r.choice(ADJ)} {r.choice(NOUN)}s"
            elif pattern == 1:
                name = f"{r.choice(FIRST)} {r.choice(LAST)}"
            else:
                name = f"{r.choice(NOUN)} {r.choice(NOUN)}"
            if name.lower() not in self.artist_by_name:
                return name
            name = f"{name} {r.choice(['Trio', 'Quartet', 'Band', 'Collective', 'Orchestra'])}"
            if name.lower() not in self.artist_by_name:
                return name

    def _title(self) -> str:
        r = self.rng
        roll = r.random()
        if roll < 0.02:
            return f'The "{r.choice(ADJ)}" {r.choice(NOUN)}'
        if roll < 0.5:
            return f"{r.choice(ADJ)} {r.choice(NOUN)}"
        if roll < 0.8:
            return f"{r.choice(NOUN)} of the {r.choice(NOUN)}"
        return r.choice(NOUN)

    def _generate(self, n_tracks: int) -> None:
        r = self.rng
        n_albums = max(1, n_tracks // 10)
        n_artists = max(4, n_albums // 4)
        pool = [self._artist(self._new_artist_name(i)) for i in range(n_artists)]
        various = self._artist(VARIOUS)
        remaining = n_tracks
        while remaining > 0:
            count = min(remaining, r.randint(6, 16))
            remaining -= count
            compilation = r.random() < 0.05
            main = various if compilation else r.choice(pool)
            title = f"{r.choice(ADJ)} {r.choice(NOUN)}"
            roll = r.random()
            if roll < 0.08:
                title += f" (Remastered {r.randint(2001, 2023)})"
            elif roll < 0.13:
                title = f"Live at {r.choice(LIVE_VENUES)}"
            elif roll < 0.16:
                title += " (Deluxe Edition)"
            genre = r.choice(GENRES)
            genres = [genre] if r.random() < 0.8 else [genre, r.choice(GENRES)]
            year = r.randint(1965, 2024)
            discs = 2 if count >= 12 and r.random() < 0.3 else 1
            album = self._make_album(title, [main], year, sorted(set(genres)), self._date())
            per_disc = (count + discs - 1) // discs
            for n in range(count):
                artists = [r.choice(pool)] if compilation else [main]
                name = self._title()
                if r.random() < 0.07:
                    feat = r.choice(pool)
                    if feat is not artists[0]:
                        name += f" (feat. {feat.name})"
                        artists.append(feat)
                if "Live at" in album.name:
                    name += " - Live"
                elif r.random() < 0.03:
                    name += f" - Remastered {r.randint(2001, 2023)}"
                self._make_track(
                    album,
                    name,
                    artists,
                    n % per_disc + 1,
                    n // per_disc + 1 if discs > 1 else 1,
                    r.randint(90, 480),
                )

    def _make_album(
        self, name: str, artists: list[Artist], year: int | None, genres: list[str], d: datetime
    ) -> Album:
        tag = md5_id("img", name, artists[0].id) if self.rng.random() < 0.9 else None
        al = Album(self._id(), name, sort_name_of(name), d, year, genres, tag, d)
        al.album_artist_ids = [a.id for a in artists]
        self.albums.append(al)
        self.by_id[al.id] = al
        self.albums_by_name.setdefault(name.lower(), []).append(al)
        for a in artists:
            self.albumartist_albums.setdefault(a.id, []).append(al.id)
        for g in genres:
            self.genre_items.setdefault(g.lower(), set()).add(al.id)
        return al

    def _make_track(
        self,
        album: Album,
        name: str,
        artists: list[Artist],
        index: int,
        disc: int,
        seconds: int,
        size_bytes: int | None = None,
        created: datetime | None = None,
    ) -> Track:
        r = self.rng
        container = "flac" if r.random() < 0.75 else ("mp3" if r.random() < 0.7 else "m4a")
        bitrate = {"flac": r.randint(700, 1100) * 1000, "mp3": 320_000, "m4a": 256_000}[container]
        d = created or album.date_created + timedelta(seconds=r.randrange(600))
        t = Track(
            self._id(),
            name,
            f"{disc:04d} - {index:04d} - {name.lower()}",
            d,
            album.year,
            list(album.genres),
            None,
            d,
        )
        t.album_id = album.id
        t.artist_ids = [a.id for a in artists]
        t.album_artist_ids = list(album.album_artist_ids)
        t.index_number = index
        t.disc_number = disc
        t.runtime_ticks = seconds * TICKS_PER_SECOND + r.randrange(TICKS_PER_SECOND)
        t.container = container
        t.bitrate = bitrate
        t.size_bytes = size_bytes
        self.tracks.append(t)
        self.by_id[t.id] = t
        album.track_ids.append(t.id)
        for aid in t.artist_ids:
            self.artist_tracks.setdefault(aid, []).append(t.id)
        for g in t.genres:
            self.genre_items.setdefault(g.lower(), set()).add(t.id)
        return t

    # -- mutation (control plane) -----------------------------------------------------------

    def add_track(self, spec: dict[str, Any]) -> tuple[Track, list[str]]:
        """Add a track (creating artist/album as needed); return it and all new item ids."""
        new: list[str] = []
        before = len(self.artists)
        artist = self._artist(str(spec["artist"]))
        if len(self.artists) > before:
            new.append(artist.id)
        album_name = str(spec["album"])
        album = next(
            (
                a
                for a in self.albums_by_name.get(album_name.lower(), [])
                if artist.id in a.album_artist_ids
            ),
            None,
        )
        now = now_utc()
        year = spec.get("year")
        if album is None:
            genre = spec.get("genre")
            album = self._make_album(
                album_name, [artist], int(year) if year else None, [genre] if genre else [], now
            )
            new.append(album.id)
        index = spec.get("track_number") or len(album.track_ids) + 1
        size = spec.get("size_bytes")
        track = self._make_track(
            album,
            str(spec["title"]),
            [artist],
            int(index),
            1,
            int(spec.get("duration_s") or 200),
            int(size) if size else None,
            now,
        )
        if year:
            track.year = int(year)
        new.append(track.id)
        self.invalidate()
        return track, new

    def update_track(self, track: Track, spec: dict[str, Any]) -> None:
        """Change a track's metadata as a rescan would; its save date (and Etag) move on."""
        if spec.get("title"):
            track.name = str(spec["title"])
            track.sort_name = f"{track.disc_number or 1:04d} - {track.index_number or 0:04d} - "
            track.sort_name += track.name.lower()
        if spec.get("genre"):
            track.genres = [str(spec["genre"])]
            self.genre_items.setdefault(track.genres[0].lower(), set()).add(track.id)
        if spec.get("year"):
            track.year = int(spec["year"])
        track.date_last_saved = now_utc()
        self.invalidate()

    def remove_track(self, track_id: str) -> list[str]:
        """Remove a track (and its album when it becomes empty); return removed ids."""
        t = self.by_id.get(track_id)
        if not isinstance(t, Track):
            return []
        removed = [t.id]
        self.tracks.remove(t)
        del self.by_id[t.id]
        for aid in t.artist_ids:
            lst = self.artist_tracks.get(aid, [])
            if t.id in lst:
                lst.remove(t.id)
        for g in t.genres:
            self.genre_items.get(g.lower(), set()).discard(t.id)
        album = self.by_id.get(t.album_id)
        if isinstance(album, Album):
            album.track_ids.remove(t.id)
            if not album.track_ids:
                self.albums.remove(album)
                del self.by_id[album.id]
                self.albums_by_name.get(album.name.lower(), []).remove(album)
                for aid in album.album_artist_ids:
                    self.albumartist_albums.get(aid, []).remove(album.id)
                for g in album.genres:
                    self.genre_items.get(g.lower(), set()).discard(album.id)
                removed.append(album.id)
        self.invalidate()
        return removed

    def invalidate(self) -> None:
        """Drop cached sort orders after a mutation."""
        self._orders.clear()
        self._ranks.clear()

    # -- lookups ----------------------------------------------------------------------------

    def get(self, item_id: str | None) -> Item | None:
        """Return an item by normalised id."""
        return self.by_id.get(item_id) if item_id else None

    def album_of(self, t: Track) -> Album | None:
        """Return a track's album."""
        a = self.by_id.get(t.album_id)
        return a if isinstance(a, Album) else None

    def names(self, ids: list[str]) -> list[str]:
        """Return the names of the given ids (skipping unknown ones)."""
        return [i.name for i in (self.by_id.get(x) for x in ids) if i is not None]

    def items_of_kinds(self, kinds: frozenset[str]) -> list[Item]:
        """Return all items whose KIND is in kinds, in generation order."""
        out: list[Item] = []
        if "MusicArtist" in kinds:
            out.extend(self.artists)
        if "MusicAlbum" in kinds:
            out.extend(self.albums)
        if "Audio" in kinds:
            out.extend(self.tracks)
        return out

    # -- sorting ----------------------------------------------------------------------------

    def sort_key(self, key: str) -> Callable[[Item], Any]:
        """Return the key function for one static SortBy value."""
        by = self.by_id

        def first_sort(ids: list[str]) -> str:
            it = by.get(ids[0]) if ids else None
            return it.sort_name if it else ""

        def album_key(i: Item) -> str:
            if isinstance(i, Track):
                al = by.get(i.album_id)
                return al.sort_name if al else ""
            return i.sort_name if isinstance(i, Album) else ""

        def album_artist_key(i: Item) -> str:
            if isinstance(i, Track | Album):
                return first_sort(i.album_artist_ids)
            return i.sort_name

        def artist_key(i: Item) -> str:
            if isinstance(i, Track):
                return first_sort(i.artist_ids)
            if isinstance(i, Album):
                return first_sort(i.album_artist_ids)
            return i.sort_name

        def runtime_key(i: Item) -> int:
            if isinstance(i, Track):
                return i.runtime_ticks
            return 0

        table: dict[str, Callable[[Item], Any]] = {
            "SortName": lambda i: i.sort_name,
            "Name": lambda i: i.name.lower(),
            "DateCreated": lambda i: i.date_created,
            "PremiereDate": lambda i: i.year or 0,
            "ProductionYear": lambda i: i.year or 0,
            "Album": album_key,
            "AlbumArtist": album_artist_key,
            "Artist": artist_key,
            "IndexNumber": lambda i: i.index_number or 0 if isinstance(i, Track) else 0,
            "ParentIndexNumber": lambda i: i.disc_number or 0 if isinstance(i, Track) else 0,
            "Runtime": runtime_key,
            "IsFolder": lambda i: not isinstance(i, Track),
        }
        return table.get(key, table["SortName"])

    def order(self, kinds: frozenset[str], spec: SortSpec) -> list[Item]:
        """Return all items of kinds sorted by a static spec (cached until the next mutation)."""
        ck = (kinds, spec)
        cached = self._orders.get(ck)
        if cached is None:
            cached = self.items_of_kinds(kinds)
            # Stable multi-pass sort, least significant key first; SortName then Id as the
            # implicit tie-breakers keep paging deterministic.
            cached.sort(key=lambda i: i.id)
            cached.sort(key=lambda i: i.sort_name)
            for key, desc in reversed(spec):
                if key in ("SortName", "Default"):
                    if desc:
                        cached.sort(key=lambda i: i.sort_name, reverse=True)
                    continue
                cached.sort(key=self.sort_key(key), reverse=desc)
            self._orders[ck] = cached
        return cached

    def rank(self, kinds: frozenset[str], spec: SortSpec) -> dict[str, int]:
        """Return id -> position in order(kinds, spec), for sorting small candidate sets."""
        ck = (kinds, spec)
        r = self._ranks.get(ck)
        if r is None:
            r = {it.id: n for n, it in enumerate(self.order(kinds, spec))}
            self._ranks[ck] = r
        return r

    def warm(self) -> None:
        """Precompute the sort orders benchmarks and sync clients use most."""
        for kinds in (frozenset({"Audio"}), frozenset({"MusicAlbum"})):
            self.rank(kinds, (("SortName", False),))
