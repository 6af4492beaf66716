"""Matching keys of a track: folded text, the core title, its version tags, featured artists.

Shared by the library index (stored keys) and the import matcher (row keys), so both sides of a
comparison are normalised by the same code.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from unidecode import unidecode

# Version words: a tag holding one marks a different recording than the plain title, unless
# both sides carry the same kind (reference growth.md §1: MA's conflict set, Aurral's rules).
_VERSION_PATTERNS: tuple[tuple[str, str], ...] = (
    ("live", r"\blive\b|\bunplugged\b|\bin concert\b|\ben vivo\b|\bao vivo\b|\ben directo\b"),
    ("remix", r"\bremix(?:ed)?\b|\brmx\b|\brework\b|\bbootleg\b|\bflip\b|\bvip mix\b"),
    # "Club Mix", "Gabry Ponte Ice Pop Mix"; "Original Mix" and "Album Mix" are the base.
    ("remix", r"\b(?!original |album |stereo |mono |main |new |single |\d{4} )\w+ mix\b|\bdub\b"),
    ("acoustic", r"\bacoustic\b"),
    ("instrumental", r"\binstrumental\b|\boff vocal\b"),
    ("acapella", r"\ba ?cappella\b|\bacapella\b"),
    ("karaoke", r"\bkaraoke\b"),
    ("cover", r"\bcover\b"),
    ("demo", r"\bdemo\b|\bwork tape\b|\bearly take\b|\balternate take\b|\boutake\b|\btake \d+\b"),
    ("edit", r"\bradio edit\b|\bsingle edit\b|\bedit\b|\bradio version\b|\bshort version\b"),
    ("extended", r"\bextended\b|\blong version\b|\bfull length\b"),
    ("speed", r"\bslowed\b|\bsped up\b|\bspeed up\b|\bnightcore\b|\breverb\b|\b8d\b"),
    ("orchestral", r"\borchestral\b|\bsymphonic\b|\bwith orchestra\b"),
    ("rerecorded", r"\bre ?recorded\b|\btaylors version\b|\b20\d\d version\b"),
    ("session", r"\bsession\b|\brehearsal\b|\bbbc\b|\bpeel\b"),
)
# One pass over a tag: every kind is a named group of a single pattern (kinds may repeat).
_VERSION_RE = re.compile(
    "|".join(f"(?P<{kind}_{i}>{pattern})" for i, (kind, pattern) in enumerate(_VERSION_PATTERNS))
)
# Words that name an edition of the same recording; a tag made only of these is neutral.
_NEUTRAL = re.compile(
    r"\b(?:remaster(?:ed)?|\d{4}|deluxe|edition|anniversary|expanded|bonus|track|version|"
    r"album|single|original|mono|stereo|mix|explicit|clean|from|the|motion|picture|soundtrack|"
    r"ost|digital|remastering|mastered|hd|hq|official|audio|video|lyrics?|music|mv|feat|ft|"
    r"featuring|with|prod|by|of|and|a|in|for|film|series|tv|theme|main|title|pt|part)\b"
)
_FEAT = r"(?:feat\.?|ft\.?|featuring|with|duet with|avec|con)"
_BRACKETED_FEAT = re.compile(rf"[(\[{{]\s*{_FEAT}\s+([^)\]}}]+)[)\]}}]", re.IGNORECASE)
_TRAILING_FEAT = re.compile(r"\s+(?:feat\.?|ft\.?|featuring)\s+(.+)$", re.IGNORECASE)
_BRACKETS = re.compile(r"[(\[{]([^)\]}]*)[)\]}]")
# A spaced dash suffix: "Title - 2011 Remaster", "Title - Live at Wembley".
# YouTube titles also use a bar: "Title | Official Music Video".
_DASH = re.compile(r"\s+[-\u2013\u2014|]\s+")
_NEEDS_PARSING = re.compile(r"[(\[{]|\s[-\u2013\u2014|]\s|\b(?:feat|ft|featuring)\b", re.IGNORECASE)
# A suffix made only of neutral words and one of these names a release or an upload of the
# same recording: "Title - Mono", "Title - Bonus Track", "Title | Official Music Video".
_RELEASE_WORD = re.compile(
    r"\b(?:mono|stereo|explicit|clean|bonus|deluxe|edition|single|hd|hq|official|audio|video|"
    r"lyrics?|mv)\b"
)
_ARTIST_FEAT = re.compile(r"\s+(?:feat\.?|ft\.?|featuring|with|x|vs\.?)\s+", re.IGNORECASE)
_ARTIST_JOIN = re.compile(r"\s*(?:,|;|/|\s&\s|\sand\s|\s\+\s)\s*", re.IGNORECASE)
_APOSTROPHES = re.compile(r"['`\u2018\u2019\u02bc\u00b4]")
_NON_WORD = re.compile(r"[^\w]+")
_SPACES = re.compile(r"\s+")
_LEADING_THE = re.compile(r"^the\s+")
# YouTube channel names: "Adele - Topic", "QueenVEVO", "Queen Official".
_CHANNEL = re.compile(r"(?:\s+-\s+topic|vevo|\s+official)$", re.IGNORECASE)
_TRAILING_THE = re.compile(r",\s*the$")
# Characters folded to ASCII: Latin letters with marks or ligatures, and typographic marks.
# Other scripts (CJK, Cyrillic, Greek, Arabic...) are kept as they are: transliterating kanji
# into pinyin would make unrelated titles look alike (growth.md §1, SoulSync #722).
_FOLDABLE = ((0x00A0, 0x024F), (0x1E00, 0x1EFF), (0x2000, 0x206F), (0xFF01, 0xFF5E))


def _foldable(char: str) -> bool:
    code = ord(char)
    return any(lo <= code <= hi for lo, hi in _FOLDABLE)


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lower-case text with Latin accents and ligatures folded, quotes straightened.

    Non-Latin scripts are kept; "&" becomes "and" and "+" stays a word separator.
    """
    text = unicodedata.normalize("NFKC", text)
    out = []
    for char in text:
        if char.isascii() or not _foldable(char):
            out.append(char)
        else:
            out.append(unidecode(char))
    folded = "".join(out).casefold()
    return folded.replace("&", " and ")


@lru_cache(maxsize=65536)
def words(text: str) -> str:
    """Folded text reduced to words: apostrophes dropped, other punctuation made spaces."""
    bare = _APOSTROPHES.sub("", fold(text))
    return _SPACES.sub(" ", _NON_WORD.sub(" ", bare).replace("_", " ")).strip()


@dataclass(frozen=True, slots=True)
class TitleKey:
    """A title taken apart: the core words, its version kinds and tags, featured artists."""

    core: str
    full: str
    versions: frozenset[str]
    tags: tuple[str, ...]
    featured: tuple[str, ...]


def _tag_versions(tag: str) -> set[str]:
    plain = words(tag)
    return {m.lastgroup.rsplit("_", 1)[0] for m in _VERSION_RE.finditer(plain) if m.lastgroup}


def _is_descriptor(tag: str) -> bool:
    """Whether a dash suffix describes a version or edition rather than being title text."""
    plain = words(tag)
    if not plain:
        return False
    if _tag_versions(tag):
        return True
    leftover = _NEUTRAL.sub(" ", plain).split()
    if not leftover and _RELEASE_WORD.search(plain):
        return True
    # "2011 Remaster", "Remastered Version", "From The Motion Picture X" (a few words left).
    return bool(re.search(r"\bremaster|\b(?:19|20)\d\d\b|\bversion\b|\bfrom\b", plain)) and (
        len(leftover) <= 4
    )


@lru_cache(maxsize=65536)
def title_key(title: str) -> TitleKey:
    """Split a title into core words, version kinds, tag texts and featured artists."""
    if not _NEEDS_PARSING.search(title):
        # Most titles have no brackets, dashes or credits: their words are the whole key.
        plain = words(title)
        return TitleKey(core=plain, full=plain, versions=frozenset(), tags=(), featured=())
    featured: list[str] = []
    text = unicodedata.normalize("NFKC", title)

    def take_feat(match: re.Match[str]) -> str:
        featured.extend(split_artists(match.group(1)))
        return " "

    text = _BRACKETED_FEAT.sub(take_feat, text)
    tags = [t.strip() for t in _BRACKETS.findall(text) if t.strip()]
    core = _BRACKETS.sub(" ", text)
    # The title with its non-descriptive brackets kept: "Blue (Da Ba Dee)" is also "blue da ba dee".
    full = _BRACKETS.sub(lambda m: " " if _is_descriptor(m.group(1)) else m.group(0), text)
    # Dash suffixes, last first: "Song - Live - 2011 Remaster".
    while True:
        dashes = list(_DASH.finditer(core))
        if not dashes:
            break
        suffix = core[dashes[-1].end() :]
        if not _is_descriptor(suffix):
            break
        tags.append(suffix.strip())
        core = core[: dashes[-1].start()]
        full_dashes = list(_DASH.finditer(full))
        if full_dashes:
            full = full[: full_dashes[-1].start()]
    trailing = _TRAILING_FEAT.search(core)
    if trailing:
        featured.extend(split_artists(trailing.group(1)))
        core = core[: trailing.start()]
        full_trailing = _TRAILING_FEAT.search(full)
        full = full[: full_trailing.start()] if full_trailing else full
    versions: set[str] = set()
    kept_tags: list[str] = []
    for tag in tags:
        kinds = _tag_versions(tag)
        versions |= kinds
        if kinds:
            kept_tags.append(words(tag))
    core_words = words(core)
    if not core_words:
        # A title that is only brackets, e.g. "(Untitled)": keep what there is.
        core_words = words(title)
    return TitleKey(
        core=core_words,
        full=words(full) or core_words,
        versions=frozenset(versions),
        tags=tuple(kept_tags),
        featured=tuple(artist_key(a) for a in featured if artist_key(a)),
    )


@lru_cache(maxsize=65536)
def artist_key(name: str) -> str:
    """An artist name as a key: folded words, without a leading or trailing "The"."""
    plain = _CHANNEL.sub("", fold(name).strip())
    plain = _TRAILING_THE.sub("", plain)
    plain = words(plain)
    return _LEADING_THE.sub("", plain)


@lru_cache(maxsize=65536)
def split_artists(text: str) -> tuple[str, ...]:
    """Artist names from one credit string: "A feat. B", "A & B", "A, B" (whole name first).

    The whole credit comes first so that duos named with "&" ("Simon & Garfunkel") still
    match as one name; the parts follow for credits that list several artists.
    """
    text = text.strip()
    if not text:
        return ()
    names = [text]
    main, *feats = _ARTIST_FEAT.split(text)
    pieces = [main, *feats]
    for piece in pieces:
        names.append(piece)
        names.extend(p for p in _ARTIST_JOIN.split(piece) if p)
    seen: dict[str, None] = {}
    for name in names:
        clean = name.strip()
        # "Beatles, The" splits off a bare "The": it names nobody.
        if artist_key(clean) not in ("", "the"):
            seen.setdefault(clean, None)
    return tuple(seen)


def without_artist_prefix(title: str, artists: tuple[str, ...]) -> tuple[str, str | None]:
    """A video title "Artist - Title (Official Video)" as ("Title (Official Video)", "Artist").

    Only when the words before the dash name a credited artist (spaces aside, so the channel
    "ColdLanternsVEVO" names "Cold Lanterns"), and what follows is not a version suffix
    ("Bad Company - Live" by Bad Company is the song "Bad Company", live).
    """
    if " - " not in title or not artists:
        return title, None
    prefix, _, rest = title.partition(" - ")
    wanted = artist_key(prefix).replace(" ", "")
    if not wanted or not rest.strip():
        return title, None
    if not any(artist_key(credit).replace(" ", "") == wanted for credit in artists):
        return title, None
    if _is_descriptor(rest):
        return title, None
    return rest.strip(), prefix.strip()


def album_key(album: str | None) -> str:
    """An album title as a key: the core words without edition brackets."""
    if not album:
        return ""
    return title_key(album).core


# Albums recorded live mark their tracks live even when the track title does not say so.
_LIVE_ALBUM = re.compile(
    r"\blive (?:at|in|from|on)\b|\(live\)|\[live\]|\bunplugged\b|\bin concert\b|\blive\s*$"
)


def album_versions(album: str | None) -> frozenset[str]:
    """Version kinds an album title implies for its tracks (a live album: live)."""
    if not album:
        return frozenset()
    return frozenset({"live"}) if _LIVE_ALBUM.search(fold(album)) else frozenset()


def primary_artist_key(artists: tuple[str, ...] | list[str]) -> str:
    """The key of the first credited artist (what the index stores for lookups)."""
    for name in artists:
        key = artist_key(name)
        if key:
            return key
    return ""


def path_key(path: str | None) -> str | None:
    """SHA-1 of a file path with "/" separators: the indexed key of exact path lookups."""
    if not path or not path.strip():
        return None
    clean = unicodedata.normalize("NFC", path.strip().replace("\\", "/"))
    return hashlib.sha1(clean.encode("utf-8"), usedforsecurity=False).hexdigest()
