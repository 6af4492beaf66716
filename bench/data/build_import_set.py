"""Build bench/data/import_labelled.json, the labelled set of `python -m bench.import_match`.

    python -m bench.data.build_import_set

How the set is built (deterministic: one seeded generator, the same file on every run):

- The library is invented, in the style of a real collection: about fifty artists (duos named
  with "&", "The" bands, names with diacritics, a name holding a comma, Japanese, Korean,
  Cyrillic and Greek names), two albums each, titles drawn from word lists. Around a third of
  the songs get neighbours that make matching hard: a live version on a live album, an
  acoustic take, a remix credited to a remixer, a remaster on a remastered edition, the same
  recording on a "Greatest Hits" compilation, a track with a featured artist, and a cover of
  the song by another library artist; a few songs exist only as a live recording. Three
  fifths of the tracks carry a recording MBID; every track has a file path as Jellyfin
  reports it. No real data set is copied: every name is invented.
- Rows are written the way each source the importer reads names tracks, then, for files, put
  through the project's own parsers (companion.imports.parsers), so a row holds exactly what
  an import would ask the matcher:
  Exportify CSV (Spotify): "Title - Remastered 2011", "Title - Mono", "Title - Bonus Track",
  "Title - Live at <venue>", "Title (feat. X)" with X also in "Artist1, Artist2",
  millisecond lengths; the Spotify API (no album);
  Deezer: "Title (feat. X)", "Title (Remastered)", "Title (Live)", one artist, whole-second
  lengths;
  YouTube Music: "<Artist> - Topic" and "<Artist>VEVO" channels, "(Official Video)",
  "[Official Audio]", "(Lyric Video)", "| Official Music Video", "Artist - Title (Official
  Video)" uploads, a video a few seconds longer than the track;
  M3U: "#EXTINF:<secs>,Artist - Title" before a path (the library's own path, or another
  machine's Windows path), and bare "Artist - Title.mp3" file names;
  ListenBrainz JSPF with recording MBIDs;
  hand-made CSVs with typos, upper or lower case, diacritics folded ("Bjorn" for "Björn") or
  added to a name tagged without them, "and" for "&", "The" dropped or added, "m:ss" lengths
  or none, "Part 2" or "Pt. II" for "Pt. 2", several artists in one cell.
- Labels: `expect` lists every library item that is the named recording (a compilation copy
  or a remaster of the same recording is as right as the album track); it is empty for the
  negatives, which are: a version the library lacks (a remix, live, acoustic, instrumental,
  sped-up, extended, demo or radio edit of a song whose original is present), the studio
  recording of a song the library has only live, a live recording from another concert,
  another part ("Pt. 1" for "Pt. 2"), the same title by another artist (outside the library,
  or a library artist who never recorded it while another did), a cover of a library song, a
  song the library lacks by a library artist, and a track whose artist and title are both
  absent.
"""

from __future__ import annotations

import hashlib
import json
import random
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from companion.imports.parsers.csv_file import parse_csv
from companion.imports.parsers.listenbrainz import parse_jspf
from companion.imports.parsers.m3u import parse_m3u
from companion.providers.sources import SourceTrack

SEED = 18
OUT = Path(__file__).parent / "import_labelled.json"

# (name, how people type it in a hand-made list): invented artists in real naming styles.
ARTISTS: tuple[tuple[str, str], ...] = (
    ("The Velvet Harbors", "Velvet Harbors"),
    ("Simon & Kessler", "Simon and Kessler"),
    ("Björn Ekdahl", "Bjorn Ekdahl"),
    ("Sóley Ragnars", "Soley Ragnars"),
    ("Renée Dufresne", "Renee Dufresne"),
    ("Zoë Arden", "Zoe Arden"),
    ("Mötley Harlan", "Motley Harlan"),
    ("Los Caminos del Sur", "los caminos del sur"),
    ("Earth, Wind & Stone", "Earth Wind and Stone"),
    ("Marsh & Lowell", "Marsh and Lowell"),
    ("DJ Kaito", "dj kaito"),
    ("Lil Merrow", "LIL MERROW"),
    ("Neon Cathedral", "The Neon Cathedral"),
    ("Paper Satellites", "paper satellites"),
    ("Harriet Vance", "Harriet Vance"),
    ("Odessa Grey", "Odessa Gray"),
    ("Kaspar Lind", "Kaspar Lind"),
    ("The Midnight Orchard", "Midnight Orchard"),
    ("Amara Okafor", "Amara Okafor"),
    ("Félix Moreau", "Felix Moreau"),
    ("Joaquín Barral", "Joaquin Barral"),
    ("Iron & Willow", "Iron and Willow"),
    ("Sunday Parade", "SUNDAY PARADE"),
    ("Cold Lanterns", "Cold Lanterns"),
    ("Mira Castellanos", "Mira Castellano"),
    ("Théo Lambert", "Theo Lambert"),
    ("Glass Animals Club", "Glass Animals Club"),
    ("Nova Reyes", "nova reyes"),
    ("Tomasz Wróbel", "Tomasz Wrobel"),
    ("Ingrid Solberg", "Ingrid Solberg"),
    ("The Hollow Pines", "Hollow Pines, The"),
    ("Kid Ferro", "Kid Ferro"),
    ("Aurora Vale", "Aurora Vale"),
    ("Halcyon Drive", "Halcyon Drive"),
    ("Benny Marlowe", "Benny Marlow"),
    ("Saffron Kite", "Saffron Kite"),
    ("Otis Crane", "Otis Crane"),
    ("Wren & The Foxes", "Wren and the Foxes"),
    ("Clara Nyström", "Clara Nystrom"),
    ("Dario Ferretti", "Dario Ferretti"),
    # Tagged without the marks; the source writes them.
    ("Ines Duarte", "Inês Duarte"),
    ("Sebastien Roux", "Sébastien Roux"),
    ("星野灯", "星野灯"),
    ("하늘빛", "하늘빛"),
    ("Кино Север", "Кино Север"),
    ("Νεφέλη Ανδρέου", "Νεφέλη Ανδρέου"),
)
# Remixers, guests and cover artists credited beside the library artists.
GUESTS = ("Kairo", "Lena Stroud", "MC Varga", "Yusuf Adeyemi", "Pia Holm", "Sable", "Rook")
REMIXERS = ("Kölsch Unit", "Tiga Marr", "Bassline Cartel", "Ofelia K", "Sundrop")
# Artists that are not in the library at all (the same title by another artist).
OUTSIDERS = (
    "Ashford Lane",
    "Violet Mercer",
    "The Static Choir",
    "Marco Vidal",
    "Juniper Rowe",
    "Blue Atlas",
    "Hanna Kross",
    "Ezra Quinn",
)
VENUES = ("Brixton Academy", "Red Rocks", "the Olympia", "Budokan", "Paradiso", "the Fillmore")
OTHER_VENUES = ("Wembley Stadium", "Glastonbury 2019", "Madison Square Garden")

_ADJ = [
    "Golden",
    "Silver",
    "Broken",
    "Quiet",
    "Electric",
    "Hollow",
    "Paper",
    "Velvet",
    "Neon",
    "Distant",
    "Burning",
    "Frozen",
    "Wild",
    "Lonely",
    "Crimson",
    "Endless",
    "Secret",
    "Faded",
    "Northern",
    "Restless",
    "Bitter",
    "Sweet",
    "Heavy",
    "Open",
    "Little",
    "Last",
]
_NOUN = [
    "Harbour",
    "Heart",
    "River",
    "Summer",
    "Lights",
    "Satellite",
    "Garden",
    "Window",
    "Ocean",
    "Highway",
    "Letters",
    "Thunder",
    "Mirror",
    "Shadows",
    "Fire",
    "Morning",
    "Echoes",
    "Kingdom",
    "Island",
    "Skyline",
    "Roses",
    "Wolves",
    "Signal",
    "Horizon",
    "Dream",
    "Tide",
    "Stranger",
    "Compass",
    "Feather",
    "Machine",
    "Anthem",
    "Parade",
    "Season",
    "Ghost",
]
_FORMS = (
    "{a} {n}",
    "{n}",
    "The {a} {n}",
    "{n} of the {n2}",
    "Don't Let the {n} Go",
    "Waiting for the {n}",
    "Hold On to {a} {n}",
    "I Can't Stop the {n}",
    "{a} {n}, Pt. 2",
    "When the {n} Falls",
    "She's a {a} {n}",
    "Into the {a} {n}",
    "Ride the {n}",
    "Song for the {n}",
)
_NON_LATIN_TITLES = {
    "星野灯": ("夜明けの歌", "青い花", "星空ドライブ", "さよならの季節", "ひかり", "海辺の手紙"),
    "하늘빛": ("봄날의 약속", "너에게로", "별빛 정원", "파란 밤", "시간의 바다", "첫눈"),
    "Кино Север": ("Белая ночь", "Звезда", "Пустой вокзал", "Город", "Последний трамвай", "Река"),
    "Νεφέλη Ανδρέου": ("Καλοκαίρι", "Θάλασσα", "Νύχτα", "Αστέρια", "Δρόμοι", "Φεγγάρι"),
}
_TYPOS = (("ee", "e"), ("ll", "l"), ("ou", "o"), ("ie", "ei"), ("th", "ht"), ("er", "re"))


@dataclass
class Track:
    """One library track, in the JSON shape the benchmark stores."""

    item_id: str
    title: str
    artists: tuple[str, ...]
    album: str
    duration_s: float
    mbid_recording: str | None
    path: str

    def as_json(self) -> dict[str, Any]:
        """The library entry of the JSON file."""
        return {
            "item_id": self.item_id,
            "title": self.title,
            "artists": list(self.artists),
            "album": self.album,
            "duration_s": self.duration_s,
            "mbid_recording": self.mbid_recording,
            "path": self.path,
        }


@dataclass
class Song:
    """A song of one artist: its album track and the library's other versions of it."""

    artist: str
    typed: str
    title: str
    album: str
    base: Track
    copies: list[Track] = field(default_factory=list)
    live: Track | None = None
    venue: str | None = None
    acoustic: Track | None = None
    remix: Track | None = None
    remixer: str | None = None
    remaster: Track | None = None
    guest: str | None = None


@dataclass
class Row:
    """A labelled row before it is written: what the source said, and the right answer."""

    kind: str
    source: str
    track: SourceTrack
    expect: list[str]

    def as_json(self) -> dict[str, Any]:
        """The row entry of the JSON file."""
        t = self.track
        return {
            "kind": self.kind,
            "source": self.source,
            "title": t.title,
            "artists": list(t.artists),
            "album": t.album,
            "duration_s": t.duration_s,
            "mbid": t.mbid,
            "path": t.path,
            "expect": self.expect,
        }


class Builder:
    """The library and the rows, from one seeded generator."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.library: list[Track] = []
        self.songs: list[Song] = []
        self.rows: list[Row] = []
        self.titles_by_artist: dict[str, set[str]] = {}
        # (the original song, a library artist's cover of it)
        self.covers: list[tuple[Song, Track]] = []
        # (artist, title, venue, track): songs the library has only as a live recording
        self.live_only: list[tuple[str, str, str, Track]] = []

    # -- library ----------------------------------------------------------------------------

    def _id(self) -> str:
        return hashlib.md5(
            f"import-set:{len(self.library)}".encode(), usedforsecurity=False
        ).hexdigest()

    def _mbid(self) -> str | None:
        if self.rng.random() < 0.6:
            return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        return None

    def add(self, title: str, artists: tuple[str, ...], album: str, seconds: float) -> Track:
        """Add a library track with a Jellyfin-style path."""
        number = sum(1 for t in self.library if t.album == album and t.artists[0] == artists[0])
        path = f"/music/{artists[0]}/{album}/{number + 1:02d} - {title}.flac".replace(":", "")
        track = Track(self._id(), title, artists, album, round(seconds, 3), self._mbid(), path)
        self.library.append(track)
        self.titles_by_artist.setdefault(artists[0], set()).add(title.casefold())
        return track

    def _title(self, artist: str, used: set[str]) -> str:
        pool = _NON_LATIN_TITLES.get(artist)
        while True:
            if pool:
                title = self.rng.choice(pool)
            else:
                n, n2 = self.rng.sample(_NOUN, 2)
                form = self.rng.choice(_FORMS)
                title = form.format(a=self.rng.choice(_ADJ), n=n, n2=n2)
            if title.casefold() not in used:
                used.add(title.casefold())
                return title

    def build_library(self) -> None:
        """Two albums per artist, and the tricky neighbours of a third of the songs."""
        rng = self.rng
        for artist, typed in ARTISTS:
            used: set[str] = set()
            for album_no in range(2):
                album = (
                    f"{self.rng.choice(_ADJ)} {self.rng.choice(_NOUN)}"
                    if artist not in _NON_LATIN_TITLES
                    else f"{artist} {album_no + 1}"
                )
                if album_no == 1 and rng.random() < 0.4:
                    album += " (Deluxe Edition)"
                for _ in range(6 if artist not in _NON_LATIN_TITLES else 3):
                    title = self._title(artist, used)
                    guest = rng.choice(GUESTS) if rng.random() < 0.12 else None
                    seconds = rng.uniform(150, 330)
                    shown = f"{title} (feat. {guest})" if guest and rng.random() < 0.5 else title
                    # A file tagged with the main artist only keeps the guest in the title.
                    credits = (
                        (artist, guest)
                        if guest and (shown == title or rng.random() < 0.5)
                        else (artist,)
                    )
                    base = self.add(shown, credits, album, seconds)
                    self.songs.append(Song(artist, typed, title, album, base, guest=guest))
        for song in self.songs:
            if song.guest or rng.random() > 0.35:
                continue
            seconds = song.base.duration_s
            extra = rng.sample(("live", "acoustic", "remix", "remaster", "compilation"), 2)
            if "live" in extra:
                song.venue = rng.choice(VENUES)
                live_album = f"Live at {song.venue}"
                style = rng.random()
                title = f"{song.title} - Live at {song.venue}" if style < 0.5 else song.title
                if style >= 0.8:
                    title = f"{song.title} (Live)"
                song.live = self.add(
                    title, (song.artist,), live_album, seconds + rng.uniform(8, 40)
                )
            if "acoustic" in extra:
                song.acoustic = self.add(
                    f"{song.title} (Acoustic)",
                    (song.artist,),
                    f"{song.album.removesuffix(' (Deluxe Edition)')} (Deluxe Edition)",
                    seconds - rng.uniform(5, 30),
                )
            if "remix" in extra:
                song.remixer = rng.choice(REMIXERS)
                song.remix = self.add(
                    f"{song.title} ({song.remixer} Remix)",
                    (song.artist, song.remixer),
                    f"{song.title} (Remixes)",
                    seconds + rng.uniform(60, 150),
                )
            if "remaster" in extra:
                song.remaster = self.add(
                    f"{song.title} - 2015 Remaster",
                    (song.artist,),
                    f"{song.album.removesuffix(' (Deluxe Edition)')} (2015 Remaster)",
                    seconds + rng.uniform(-0.8, 0.8),
                )
            if "compilation" in extra:
                song.copies.append(
                    self.add(
                        song.title,
                        (song.artist,),
                        "Greatest Hits",
                        seconds + rng.uniform(-1.0, 1.0),
                    )
                )
        # Songs the library holds only live (a concert bootleg, no studio album).
        for artist, _ in rng.sample(ARTISTS[:40], 15):
            used = set(self.titles_by_artist.get(artist, set()))
            title = self._title(artist, used)
            venue = rng.choice(VENUES)
            track = self.add(title, (artist,), f"Live at {venue}", rng.uniform(200, 360))
            self.live_only.append((artist, title, venue, track))
        # Covers: another library artist recorded a song of this one (the same title).
        latin = [s for s in self.songs if s.artist not in _NON_LATIN_TITLES and not s.guest]
        for song in rng.sample(latin, 20):
            other = rng.choice(
                [a for a, _ in ARTISTS if a not in (song.artist, *_NON_LATIN_TITLES)]
            )
            if song.title.casefold() in self.titles_by_artist.get(other, set()):
                continue
            cover = self.add(song.title, (other,), "Covers & Rarities", song.base.duration_s + 20)
            self.covers.append((song, cover))

    # -- rows -------------------------------------------------------------------------------

    def same(self, song: Song) -> list[str]:
        """The items that are the album recording of a song (album, remaster, compilation)."""
        ids = [song.base.item_id, *(c.item_id for c in song.copies)]
        if song.remaster:
            ids.append(song.remaster.item_id)
        return ids

    def spotify_title(self, song: Song) -> tuple[str, tuple[str, ...]]:
        """Spotify's name of the album recording and its artist list."""
        title = song.title
        artists: tuple[str, ...] = (song.artist,)
        if song.guest:
            title = f"{title} (feat. {song.guest})"
            artists = (song.artist, song.guest)
        elif self.rng.random() < 0.25:
            year = self.rng.choice((2009, 2011, 2015, 2018))
            title += self.rng.choice((f" - Remastered {year}", f" - {year} Remaster"))
        elif self.rng.random() < 0.1:
            title += self.rng.choice((" - Mono", " - Single Version", " - Bonus Track"))
        return title, artists

    def deezer_title(self, song: Song) -> tuple[str, tuple[str, ...]]:
        """Deezer's name of the album recording: one main artist, feat. in the title."""
        title = song.title
        if song.guest:
            title = f"{title} (feat. {song.guest})"
        elif self.rng.random() < 0.2:
            title += " (Remastered)"
        return title, (song.artist,)

    def youtube_title(self, song: Song) -> tuple[str, tuple[str, ...], float]:
        """YouTube Music's name: a Topic channel or an artist's video, a few seconds longer."""
        rng = self.rng
        if rng.random() < 0.5:
            return song.title, (f"{song.artist} - Topic",), 0.0
        suffix = rng.choice(
            (
                " (Official Video)",
                " [Official Audio]",
                " (Lyric Video)",
                " (Official Music Video)",
                " | Official Music Video",
                " (Visualizer)",
            )
        )
        title = song.title + suffix
        if song.guest:
            title = f"{song.title} (feat. {song.guest}){suffix}"
        channel = rng.choice((f"{song.artist.replace(' ', '')}VEVO", song.artist))
        if rng.random() < 0.3:
            # A video uploaded by the artist's channel, named "Artist - Title (Official Video)".
            title = f"{song.artist} - {title}"
        return title, (channel,), rng.uniform(0, 9)

    def plain_rows(self) -> None:
        """Every album recording once, named by one source (files go through the parsers)."""
        rng = self.rng
        exportify: list[tuple[dict[str, str], str, list[str]]] = []
        m3u: list[tuple[str, str, str, list[str]]] = []
        hand: list[tuple[list[str], str, list[str]]] = []
        jspf: list[tuple[dict[str, Any], str, list[str]]] = []
        for song in self.songs:
            seconds = song.base.duration_s
            roll = rng.random()
            expect = self.same(song)
            if roll < 0.22:
                title, artists = self.spotify_title(song)
                exportify.append(
                    (self._exportify(title, artists, song.album, seconds), "plain", expect)
                )
            elif roll < 0.32:
                title, artists = self.spotify_title(song)
                track = SourceTrack(title, artists, None, round(seconds + rng.uniform(-1, 1), 3))
                self.rows.append(Row("plain", "spotify", track, expect))
            elif roll < 0.47:
                title, artists = self.deezer_title(song)
                album = song.album if rng.random() < 0.8 else None
                track = SourceTrack(title, artists, album, float(round(seconds)))
                self.rows.append(Row("plain", "deezer", track, expect))
            elif roll < 0.62:
                title, artists, longer = self.youtube_title(song)
                album = song.album if artists[0].endswith(" - Topic") else None
                track = SourceTrack(title, artists, album, float(round(seconds + longer)))
                self.rows.append(Row("plain", "ytmusic", track, expect))
            elif roll < 0.74:
                path = song.base.path
                if rng.random() < 0.5:
                    name = song.base.path.rsplit("/", 1)[-1].split(" - ", 1)[-1]
                    path = f"D:\\Music\\{song.artist}\\{song.album}\\{name}"
                    kind = "extinf"
                else:
                    kind = "path"
                label = f"{song.artist} - {song.base.title}"
                info = f"#EXTINF:{round(seconds)},{label}"
                if rng.random() < 0.25:
                    # A bare list of files: the parser reads "Artist - Title" from the name.
                    info = ""
                    path = f"C:\\Users\\me\\Music\\{song.artist} - {song.base.title}.mp3"
                    kind = "filename"
                m3u.append((info, path, kind, expect))
            elif roll < 0.86:
                hand.append((self._hand(song, seconds), "hand", expect))
            else:
                mbid = song.base.mbid_recording
                entry: dict[str, Any] = {
                    "title": song.base.title,
                    "creator": " feat. ".join(song.base.artists),
                    "duration": round(seconds * 1000),
                }
                if rng.random() < 0.6:
                    entry["album"] = song.album
                if mbid:
                    entry["identifier"] = [f"https://musicbrainz.org/recording/{mbid}"]
                    expect = [song.base.item_id]
                jspf.append((entry, "mbid" if mbid else "plain", expect))
        self._flush(exportify, m3u, hand, jspf)

    def _exportify(
        self, title: str, artists: tuple[str, ...], album: str | None, seconds: float
    ) -> dict[str, str]:
        return {
            "Track URI": f"spotify:track:{hashlib.md5(title.encode(), usedforsecurity=False).hexdigest()[:22]}",
            "Track Name": title,
            "Artist Name(s)": ", ".join(a.replace(",", "\\,") for a in artists),
            "Album Name": album or "",
            "Track Duration (ms)": str(round(seconds * 1000 + self.rng.uniform(-600, 600))),
        }

    def _hand(self, song: Song, seconds: float) -> list[str]:
        """A hand-typed line: the artist as people type it, a careless title, maybe a length."""
        rng = self.rng
        title = song.title
        roll = rng.random()
        kind = "case"
        if roll < 0.3:
            title = title.lower()
        elif roll < 0.45:
            title = title.upper()
        elif roll < 0.75 and song.artist not in _NON_LATIN_TITLES:
            for wrong, right in rng.sample(_TYPOS, len(_TYPOS)):
                if wrong in title and len(title) > 9:
                    title = title.replace(wrong, right, 1)
                    kind = "typo"
                    break
        if ", Pt. 2" in title:
            part = rng.random()
            if part < 0.5:
                title, kind = title.replace(", Pt. ", " Part "), "part"
            elif part < 0.75:
                title, kind = title.replace("Pt. 2", "Pt. II"), "part"
        if song.guest and rng.random() < 0.5:
            title = f"{title} ft. {song.guest}"
        elif song.guest:
            # Several artists typed into one cell, as a person copies them from Spotify.
            return [f"{song.typed}, {song.guest}", title, length_of(seconds, rng), "artists"]
        return [song.typed, title, length_of(seconds, rng), kind]

    def _flush(
        self,
        exportify: list[tuple[dict[str, str], str, list[str]]],
        m3u: list[tuple[str, str, str, list[str]]],
        hand: list[tuple[list[str], str, list[str]]],
        jspf: list[tuple[dict[str, Any], str, list[str]]],
    ) -> None:
        """Write each source's file, parse it with the importer's parser, label its rows."""
        if exportify:
            headers = list(exportify[0][0])
            lines = [",".join(headers)]
            for entry, _, _ in exportify:
                lines.append(",".join(_csv_cell(entry[h]) for h in headers))
            parsed = parse_csv("\n".join(lines) + "\n", "exportify").tracks
            self._label(parsed, [(k, e) for _, k, e in exportify], "exportify")
        if m3u:
            text = "#EXTM3U\n" + "".join(
                f"{info}\n{path}\n" if info else f"{path}\n" for info, path, _, _ in m3u
            )
            parsed = parse_m3u(text, "m3u").tracks
            self._label(parsed, [(k, e) for _, _, k, e in m3u], "m3u")
        if hand:
            lines = ["Artist;Title;Length"]
            for cells, _, _ in hand:
                lines.append(";".join(cells[:3]))
            parsed = parse_csv("\n".join(lines) + "\n", "mine").tracks
            self._label(parsed, [(cells[3], e) for cells, _, e in hand], "csv")
        if jspf:
            text = json.dumps({"playlist": {"title": "lb", "track": [e for e, _, _ in jspf]}})
            parsed = parse_jspf(text, "lb").tracks
            self._label(parsed, [(k, e) for _, k, e in jspf], "jspf")

    def _label(
        self, parsed: tuple[SourceTrack, ...], labels: list[tuple[str, list[str]]], source: str
    ) -> None:
        if len(parsed) != len(labels):
            raise SystemExit(f"{source}: the parser read {len(parsed)} of {len(labels)} rows")
        for track, (kind, expect) in zip(parsed, labels, strict=True):
            self.rows.append(Row(kind, source, track, expect))

    def version_rows(self) -> None:
        """Rows naming a version the library has: live, acoustic, remix, remaster."""
        rng = self.rng
        for song in self.songs:
            base = song.base.duration_s
            if song.live and song.venue:
                live = song.live.duration_s
                if rng.random() < 0.5:
                    track = SourceTrack(
                        f"{song.title} - Live at {song.venue}",
                        (song.artist,),
                        f"Live at {song.venue}",
                        round(live + rng.uniform(-1, 1), 3),
                    )
                    self.rows.append(Row("version_live", "exportify", track, [song.live.item_id]))
                else:
                    track = SourceTrack(
                        f"{song.title} (Live)", (song.artist,), None, float(round(live))
                    )
                    self.rows.append(Row("version_live", "deezer", track, [song.live.item_id]))
            if song.acoustic:
                track = SourceTrack(
                    f"{song.title} - Acoustic",
                    (song.artist,),
                    None,
                    round(song.acoustic.duration_s + rng.uniform(-1, 1), 3),
                )
                self.rows.append(Row("version_acoustic", "spotify", track, [song.acoustic.item_id]))
            if song.remix and song.remixer:
                track = SourceTrack(
                    f"{song.title} - {song.remixer} Remix",
                    (song.artist, song.remixer),
                    f"{song.title} (Remixes)",
                    round(song.remix.duration_s + rng.uniform(-1, 1), 3),
                )
                self.rows.append(Row("version_remix", "exportify", track, [song.remix.item_id]))
            if song.remaster:
                track = SourceTrack(
                    f"{song.title} - Remastered 2015",
                    (song.artist,),
                    f"{song.album} (2015 Remaster)",
                    round(base + rng.uniform(-1, 1), 3),
                )
                self.rows.append(Row("version_remaster", "exportify", track, self.same(song)))
            if song.live or song.acoustic or song.remix:
                # The plain title beside its versions: the album recording, never a version.
                track = SourceTrack(
                    song.title, (f"{song.artist} - Topic",), song.album, float(round(base))
                )
                self.rows.append(Row("version_original", "ytmusic", track, self.same(song)))

    def live_only_rows(self) -> None:
        """Rows naming the live recording the library holds (its title does not say live)."""
        for artist, title, venue, track in self.live_only:
            row = SourceTrack(
                f"{title} - Live at {venue}", (artist,), f"Live at {venue}", track.duration_s
            )
            self.rows.append(Row("version_live_only", "spotify", row, [track.item_id]))

    def cover_rows(self) -> None:
        """Rows naming a library cover by its own artist: the cover, not the original."""
        for song, cover in self.covers:
            track = SourceTrack(cover.title, cover.artists, None, round(cover.duration_s, 3))
            self.rows.append(Row("cover_in_library", "spotify", track, [cover.item_id]))
            # And the original by its artist stays the original.
            track = SourceTrack(
                song.title, (song.artist,), song.album, float(round(song.base.duration_s))
            )
            self.rows.append(Row("original_beside_cover", "deezer", track, self.same(song)))

    def negative_rows(self) -> None:
        """Rows whose track the library lacks (expect nothing)."""
        rng = self.rng
        latin = [s for s in self.songs if s.artist not in _NON_LATIN_TITLES]
        # A version the library lacks, of a song whose original is present.
        missing = (
            ("spotify", "{t} - Radio Edit", -40),
            ("spotify", "{t} - Instrumental", 0),
            ("deezer", "{t} (Remix)", 90),
            ("exportify", "{t} - Live", 20),
            ("ytmusic", "{t} (Acoustic Version)", -15),
            ("ytmusic", "{t} (Slowed + Reverb)", 60),
            ("deezer", "{t} (Extended Mix)", 120),
            ("spotify", "{t} - Demo", -10),
        )
        for song in rng.sample(latin, 130):
            choices = [
                m
                for m in missing
                if not (m[1].startswith("{t} (Remix") and song.remix)
                and not (" - Live" in m[1] and song.live)
                and not ("Acoustic" in m[1] and song.acoustic)
            ]
            source, form, delta = rng.choice(choices)
            artists: tuple[str, ...] = (song.artist,)
            if source == "ytmusic":
                artists = (f"{song.artist} - Topic",)
            track = SourceTrack(
                form.format(t=song.title),
                artists,
                None,
                round(song.base.duration_s + delta + rng.uniform(-2, 2), 3),
            )
            self.rows.append(Row("neg_version_missing", source, track, []))
        # A live recording from another concert than the library's.
        for song in [s for s in self.songs if s.live and s.venue and " - Live at" in s.live.title]:
            venue = rng.choice(OTHER_VENUES)
            track = SourceTrack(
                f"{song.title} - Live at {venue}",
                (song.artist,),
                f"Live at {venue}",
                round(song.base.duration_s + rng.uniform(10, 40), 3),
            )
            self.rows.append(Row("neg_other_live", "exportify", track, []))
        # The same title by an artist the library lacks.
        for song in rng.sample(latin, 70):
            track = SourceTrack(
                song.title,
                (rng.choice(OUTSIDERS),),
                None,
                round(rng.uniform(150, 330), 3),
            )
            self.rows.append(Row("neg_other_artist", rng.choice(("spotify", "deezer")), track, []))
        # A cover of a library song by someone else, as YouTube and Spotify name covers.
        for song in rng.sample(latin, 40):
            if rng.random() < 0.5:
                track = SourceTrack(
                    f"{song.title} (Cover)",
                    (rng.choice(OUTSIDERS),),
                    None,
                    float(round(song.base.duration_s + rng.uniform(-20, 20))),
                )
                source = "ytmusic"
            else:
                track = SourceTrack(
                    song.title,
                    (rng.choice(OUTSIDERS),),
                    "Covers, Vol. 2",
                    round(song.base.duration_s + rng.uniform(-30, 30), 3),
                )
                source = "spotify"
            self.rows.append(Row("neg_cover", source, track, []))
        # The title another library artist recorded, named with an artist who did not.
        for song, cover in self.covers:
            holders = {song.artist, cover.artists[0]}
            other = rng.choice([a for a, _ in ARTISTS[:40] if a not in holders])
            if song.title.casefold() in self.titles_by_artist.get(other, set()):
                continue
            track = SourceTrack(song.title, (other,), None, round(rng.uniform(150, 330), 3))
            self.rows.append(Row("neg_other_library_artist", "deezer", track, []))
        # The studio recording of a song the library holds only live.
        for artist, title, _, held in self.live_only:
            studio = SourceTrack(
                title, (artist,), "Studio Sessions", round(held.duration_s - 25, 3)
            )
            self.rows.append(Row("neg_only_live_in_library", "exportify", studio, []))
        # Another part of a multi-part song.
        for song in [s for s in latin if ", Pt. 2" in s.title]:
            track = SourceTrack(
                song.title.replace("Pt. 2", "Pt. 1"), (song.artist,), None, song.base.duration_s
            )
            self.rows.append(Row("neg_other_part", "spotify", track, []))
        # Songs the library lacks, by library artists and by absent artists.
        for i in range(60):
            artist, _ = rng.choice(ARTISTS[:40])
            used = self.titles_by_artist.get(artist, set())
            title = self._title(artist, set(used))
            track = SourceTrack(title, (artist,), None, round(rng.uniform(150, 330), 3))
            self.rows.append(
                Row("neg_absent_track", ("deezer", "spotify", "csv")[i % 3], track, [])
            )
        for _ in range(30):
            title = self._title("", set())
            track = SourceTrack(
                title, (rng.choice(OUTSIDERS),), None, round(rng.uniform(150, 330), 3)
            )
            self.rows.append(Row("neg_absent_artist", "spotify", track, []))


def length_of(seconds: float, rng: random.Random) -> str:
    """A hand-typed length ("m:ss"), or none."""
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}" if rng.random() < 0.6 else ""


def _csv_cell(value: str) -> str:
    return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"\n') else value


def build(seed: int = SEED) -> dict[str, Any]:
    """The library and the labelled rows, shuffled into one deterministic order."""
    builder = Builder(seed)
    builder.build_library()
    builder.plain_rows()
    builder.version_rows()
    builder.cover_rows()
    builder.live_only_rows()
    builder.negative_rows()
    builder.rng.shuffle(builder.rows)
    return {
        "library": [t.as_json() for t in builder.library],
        "rows": [r.as_json() for r in builder.rows],
    }


def main() -> None:
    """Write the labelled set and say how large it is."""
    data = build()
    OUT.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    rows = data["rows"]
    positives = sum(1 for r in rows if r["expect"])
    print(f"library_tracks {len(data['library'])}")
    print(f"rows {len(rows)} positives {positives} negatives {len(rows) - positives}")


if __name__ == "__main__":
    main()
