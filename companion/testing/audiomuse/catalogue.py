"""The fake AudioMuse's analysed catalogue: one deterministic embedding per fake Jellyfin track."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from operator import mul

from companion.testing.jellyfin.library import Library, Track

DIM = 12
# Words of text queries mapped to the fake library's genres ("calm piano songs" → classical).
TEXT_WORDS: dict[str, tuple[str, ...]] = {
    "calm": ("ambient", "classical"),
    "piano": ("classical", "jazz"),
    "relaxing": ("ambient",),
    "chill": ("ambient", "electronic"),
    "loud": ("metal", "rock"),
    "heavy": ("metal",),
    "guitar": ("rock", "alternative rock", "folk"),
    "dance": ("electronic", "pop"),
    "party": ("pop", "hip-hop", "electronic"),
    "acoustic": ("folk",),
    "rap": ("hip-hop",),
    "epic": ("soundtrack", "post-rock"),
    "sad": ("indie", "folk"),
}
MOODS = ("danceable", "aggressive", "happy", "party", "relaxed", "sad")


def _unit(seed: str) -> list[float]:
    digest = hashlib.sha256(seed.encode()).digest()
    vec = [(b - 127.5) / 127.5 for b in digest[:DIM]]
    norm = math.sqrt(sum(v * v for v in vec)) or 1.0
    return [v / norm for v in vec]


def normalized(vec: list[float]) -> list[float]:
    """Scale a vector to unit length."""
    norm = math.sqrt(sum(v * v for v in vec)) or 1.0
    return [v / norm for v in vec]


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine similarity of two unit vectors."""
    return float(sum(map(mul, a, b)))


def genre_vector(genre: str) -> list[float]:
    """The direction of one genre in the fake embedding space."""
    return _unit(f"genre:{genre.lower()}")


@dataclass(frozen=True)
class Song:
    """One analysed track as AudioMuse's `score` table knows it."""

    item_id: str
    title: str
    author: str
    album: str
    album_artist: str
    genre: str
    vector: tuple[float, ...]

    @property
    def mood_vector(self) -> str:
        """Top tags in AudioMuse's `"tag:score,..."` text form."""
        return f"{self.genre.lower()}:0.532,pop:0.321,rock:0.210,chill:0.150,indie:0.120"

    @property
    def other_features(self) -> str:
        """The six other features, two decimals each."""
        values = [abs(v) for v in self.vector[: len(MOODS)]]
        return ",".join(f"{m}:{v:.2f}" for m, v in zip(MOODS, values, strict=True))

    @property
    def top_mood(self) -> str:
        """The strongest other feature."""
        values = [abs(v) for v in self.vector[: len(MOODS)]]
        return MOODS[values.index(max(values))]


def song_of(library: Library, track: Track) -> Song:
    """Analyse one track: genre direction + artist direction + a little of the track itself."""
    artists = library.names(track.artist_ids) or ["Unknown Artist"]
    album = library.get(track.album_id)
    album_artists = library.names(track.album_artist_ids)
    genre = track.genres[0] if track.genres else "Unknown"
    g, a, t = genre_vector(genre), _unit(f"artist:{artists[0]}"), _unit(f"track:{track.id}")
    vec = normalized([2.0 * x + 0.8 * y + 1.2 * z for x, y, z in zip(g, a, t, strict=True)])
    return Song(
        item_id=track.id,
        title=track.name,
        author=" / ".join(artists),
        album=album.name if album is not None else "unknown",
        album_artist=album_artists[0] if album_artists else "unknown",
        genre=genre,
        vector=tuple(vec),
    )


def text_vector(query: str) -> list[float]:
    """Embed a text query: the genres its words evoke, else a hash of the words."""
    words = [w.strip(".,!?").lower() for w in query.split()]
    genres = [g for w in words for g in TEXT_WORDS.get(w, ())]
    genres += [w for w in words if w in _KNOWN_GENRES]
    if not genres:
        return _unit(f"text:{query.lower()}")
    acc = [0.0] * DIM
    for genre in genres:
        acc = [x + y for x, y in zip(acc, genre_vector(genre), strict=True)]
    return normalized(acc)


_KNOWN_GENRES = {"rock", "electronic", "jazz", "pop", "folk", "classical", "ambient", "metal"}
