"""The matcher's rules on hand-picked real naming cases (pure decisions, no database)."""

from __future__ import annotations

import pytest

from companion.imports.matching import Candidate, TrackQuery, decide
from companion.library.track_keys import artist_key, fold, split_artists, title_key


def _c(
    item: str,
    title: str,
    artists: tuple[str, ...],
    album: str = "",
    secs: float = 0.0,
    **kw: str | None,
) -> Candidate:
    return Candidate(
        item_id=item, title=title, artists=artists, album=album or None, duration_s=secs, **kw
    )  # type: ignore[arg-type]


def test_normalisation() -> None:
    assert title_key("Don\u2019t Stop Me Now - Remastered 2011").core == "dont stop me now"
    key = title_key("Song (feat. Jay-Z & Rihanna) [Live at Wembley]")
    assert key.core == "song" and {"jay z", "rihanna"} <= set(key.featured)
    assert key.versions == {"live"}
    assert title_key("Hello - Radio Edit").versions == {"edit"}
    assert title_key("Live Forever").versions == frozenset()  # "live" in the title itself
    assert title_key("Come Together - 2019 Mix").versions == frozenset()
    assert title_key("Levels - Skrillex Remix").versions == {"remix"}
    assert artist_key("The Beatles") == artist_key("Beatles, The") == "beatles"
    assert artist_key("Simon & Garfunkel") == "simon and garfunkel"
    assert fold("Beyoncé Ørsted Łódź ß") == "beyonce orsted lodz ss"
    # CJK stays as it is: no pinyin or romaji.
    assert fold("千本桜") == "千本桜" and fold("紅蓮華") == "紅蓮華"
    assert split_artists("Daft Punk feat. Pharrell Williams")[1:] == (
        "Daft Punk",
        "Pharrell Williams",
    )


def test_text_match_with_source_conventions() -> None:
    studio = _c(
        "a" * 32,
        "Get Lucky",
        ("Daft Punk", "Pharrell Williams", "Nile Rodgers"),
        "Random Access Memories",
        369,
    )
    edit = _c("b" * 32, "Get Lucky (Radio Edit)", ("Daft Punk",), "Get Lucky", 248)
    query = TrackQuery(
        "Get Lucky (feat. Pharrell Williams & Nile Rodgers)",
        ("Daft Punk",),
        "Random Access Memories",
        367.5,
    )
    result = decide(query, [studio, edit])
    assert (result.state, result.item_id) == ("matched", "a" * 32) and result.confidence >= 0.9
    radio = decide(TrackQuery("Get Lucky - Radio Edit", ("Daft Punk",), None, 248), [studio, edit])
    assert radio.item_id == "b" * 32


@pytest.mark.parametrize(
    "title",
    [
        "Creep - Live",
        "Creep (Acoustic Version)",
        "Creep (Karaoke Version)",
        "Creep - Demo",
        "Creep (Instrumental)",
        "Creep - Tiësto Remix",
        "Creep - Radio Edit",
    ],
)
def test_versions_the_library_lacks_are_not_matched(title: str) -> None:
    studio = _c("c" * 32, "Creep", ("Radiohead",), "Pablo Honey", 238)
    result = decide(TrackQuery(title, ("Radiohead",), None, 240), [studio])
    assert result.state == "unmatched" and "version" in (result.reason or "")


def test_remaster_and_edition_words_do_not_separate() -> None:
    track = _c(
        "d" * 32,
        "Wish You Were Here (2011 Remastered Version)",
        ("Pink Floyd",),
        "Wish You Were Here (Remastered)",
        334,
    )
    for title in (
        "Wish You Were Here",
        "Wish You Were Here - Remastered 2011",
        "Wish You Were Here [Deluxe Edition]",
    ):
        assert decide(TrackQuery(title, ("Pink Floyd",), None, 335), [track]).state == "matched"


def test_same_title_by_another_artist_and_numbers() -> None:
    cohen = _c("e" * 32, "Hallelujah", ("Leonard Cohen",), "Various Positions", 278)
    result = decide(TrackQuery("Hallelujah", ("Pentatonix",), None, 268), [cohen])
    assert result.state == "unmatched" and "another artist" in (result.reason or "")
    part = _c("f" * 32, "Symphony No. 5 in C Minor: I. Allegro con brio", ("Ludwig van Beethoven",))
    other = TrackQuery(
        "Symphony No. 6 in F Major: I. Allegro ma non troppo", ("Ludwig van Beethoven",)
    )
    assert decide(other, [part]).state == "unmatched"


def test_identifiers_decide_and_conflicting_mbid_rejects() -> None:
    mbid = "b1a9c0e9-d987-4042-ae91-78d6a3267d69"
    track = _c(
        "1" * 32, "Smells Like Teen Spirit", ("Nirvana",), "Nevermind", 301, mbid_recording=mbid
    )
    # A recording MBID decides even when the names differ.
    by_id = decide(TrackQuery("SLTS", ("N.",), mbid=mbid.upper()), [track])
    assert (by_id.state, by_id.method) == ("matched", "mbid")
    other = decide(
        TrackQuery(
            "Smells Like Teen Spirit", ("Nirvana",), mbid="00000000-0000-0000-0000-000000000000"
        ),
        [track],
    )
    assert other.state == "unmatched" and "MusicBrainz" in (other.reason or "")
    # Before 10.11 the recording id may sit in MusicBrainzTrack.
    old = _c("2" * 32, "Smells Like Teen Spirit", ("Nirvana",), mbid_track=mbid)
    assert decide(TrackQuery("x", mbid=mbid), [old]).method == "mbid"
    by_path = _c("3" * 32, "t", ("a",), path="/music/Nirvana/Nevermind/01.flac")
    assert (
        decide(TrackQuery("other", path="/music/Nirvana/Nevermind/01.flac"), [by_path]).method
        == "path"
    )


def test_duration_supports_and_copies_are_one_recording() -> None:
    album = _c("4" * 32, "Dreams", ("Fleetwood Mac",), "Rumours", 257)
    best_of = _c("5" * 32, "Dreams", ("Fleetwood Mac",), "Greatest Hits", 257.4)
    result = decide(TrackQuery("Dreams", ("Fleetwood Mac",), None, 258), [album, best_of])
    assert result.state == "matched"  # either copy plays the same recording
    with_album = decide(TrackQuery("Dreams", ("Fleetwood Mac",), "Rumours", 258), [best_of, album])
    assert with_album.item_id == "4" * 32
    far = decide(TrackQuery("Dreams", ("Fleetwood Mac",), None, 340), [album])
    assert far.state == "unmatched"


def test_ambiguous_offers_at_most_three() -> None:
    tracks = [
        _c(str(i) * 32, f"Intro {chr(65 + i)}", ("Band",), f"Album {i}", 60) for i in range(5)
    ]
    tracks += [
        _c("9" * 32, "Intro", ("Band",), "One", 61),
        _c("8" * 32, "Intro", ("Band",), "Two", 95),
    ]
    result = decide(TrackQuery("Intro", ("Band",)), tracks)
    assert result.state == "ambiguous" and 1 <= len(result.candidates) <= 3
    assert {c.candidate.item_id for c in result.candidates} >= {"9" * 32, "8" * 32}


def test_channel_names_typos_and_apostrophes() -> None:
    queen = _c("6" * 32, "Don't Stop Me Now", ("Queen",), "Jazz", 209)
    journey = _c("7" * 32, "Don't Stop Believin'", ("Journey",), "Escape", 250)
    for query in (
        TrackQuery("Don't Stop Me Now (Official Video)", ("Queen Official",), None, 211),
        TrackQuery("Dont Stop Me Now", ("QueenVEVO",)),
        TrackQuery(
            "Don\u2019t Stop Me Now - Remastered 2011",
            ("Queen - Topic",),
            "Jazz (2011 Remaster)",
            209,
        ),
    ):
        assert decide(query, [queen, journey]).item_id == "6" * 32, query
    typo = decide(TrackQuery("Dont Stop Believing", ("journey",), None, 251), [queen, journey])
    assert typo.item_id == "7" * 32


def test_video_title_led_by_its_artist() -> None:
    # YouTube videos uploaded by the artist: "Artist - Title (Official Video)" on a VEVO channel.
    song = _c("a" * 32, "Hold On to Secret Island", ("Cold Lanterns",), "Paper Hearts", 231)
    other = _c("b" * 32, "Secret Island", ("Cold Lanterns",), "Paper Hearts", 200)
    query = TrackQuery(
        "Cold Lanterns - Hold On to Secret Island (Lyric Video)", ("ColdLanternsVEVO",), None, 233
    )
    result = decide(query, [song, other])
    assert (result.state, result.item_id) == ("matched", "a" * 32)
    # Non-Latin names too, and a channel named like the artist.
    jp = _c("c" * 32, "ひかり", ("星野灯",), "星野灯 1", 270)
    assert decide(
        TrackQuery("星野灯 - ひかり [Official Audio]", ("星野灯VEVO",)), [jp]
    ).item_id == ("c" * 32)
    # A version suffix after the dash is not a title: the song named like its band, live.
    studio = _c("d" * 32, "Bad Company", ("Bad Company",), "Bad Company", 290)
    live = decide(TrackQuery("Bad Company - Live", ("Bad Company",), None, 300), [studio])
    assert live.state == "unmatched"
    # Words before the dash that are not a credited artist stay part of the title.
    split = _c("e" * 32, "Northern Lights", ("Aurora Vale",), "", 200)
    query = TrackQuery("Harbour - Northern Lights", ("Aurora Vale",), None, 200)
    assert decide(query, [split]).state != "matched"


def test_release_and_upload_suffixes_are_the_same_recording() -> None:
    # Spotify's "- Mono" and "- Bonus Track", YouTube's "| Official Music Video".
    song = _c("a" * 32, "Golden Harbour", ("Cold Lanterns",), "Paper Hearts", 201)
    for title in (
        "Golden Harbour - Mono",
        "Golden Harbour - Bonus Track",
        "Golden Harbour | Official Music Video",
        "Golden Harbour | Lyrics",
    ):
        result = decide(TrackQuery(title, ("Cold Lanterns",), None, 203), [song])
        assert (result.state, result.item_id) == ("matched", "a" * 32), title
    # A bar before a version word is still that version.
    live = decide(TrackQuery("Golden Harbour | Live", ("Cold Lanterns",), None, 203), [song])
    assert live.state == "unmatched"
    # Title text after a dash stays title text.
    assert title_key("Hello - Goodbye").core == "hello goodbye"


def test_roman_and_arabic_part_numbers_are_one_part() -> None:
    part2 = _c("a" * 32, "Faded Anthem, Pt. 2", ("Mira Castellanos",), "", 200)
    same = decide(TrackQuery("Faded Anthem, Pt. II", ("Mira Castellanos",), None, 200), [part2])
    assert (same.state, same.item_id) == ("matched", "a" * 32)
    other = decide(TrackQuery("Faded Anthem, Pt. I", ("Mira Castellanos",), None, 200), [part2])
    assert other.state == "unmatched" and other.reason == "a different part or number"
