"""Playlist files: Exportify in its UI languages, generic CSV, M3U, JSPF and XSPF."""

from __future__ import annotations

import json

import pytest

from companion.errors import CompanionError
from companion.imports.parsers import UnknownColumns, parse_file, parse_text

EXPORTIFY_DE = (
    "Track-URI,Track-Name,Künstler-URI(s),Künstlername(n),Album-URI,Album-Name,"
    "Album-Künstler-URI(s),Album-Künstlername(n),Album-Veröffentlichungsdatum,Album-Bild-URL,"
    "Disc-Nummer,Track-Nummer,Track-Dauer (ms),Track-Vorschau-URL,Explizit,Popularität,ISRC\n"
    '"spotify:track:1","Get Lucky (feat. Pharrell Williams & Nile Rodgers)",'
    '"spotify:artist:a, spotify:artist:b","Daft Punk, Pharrell Williams, Nile Rodgers",'
    '"spotify:album:x","Random Access Memories","spotify:artist:a","Daft Punk","2013-05-17",'
    '"","1","8","369626","","false","80","USQX91300108"\n'
    '"spotify:track:2","Teach Your Children","spotify:artist:c","Crosby\\, Stills\\, Nash & Young",'
    '"spotify:album:y","Déjà Vu","spotify:artist:c","Crosby\\, Stills\\, Nash & Young","1970",'
    '"","1","5","173000","","false","60",""\n'
)


def test_exportify_translated_headers_and_escaped_commas() -> None:
    playlist = parse_file("Mein Mix.csv", EXPORTIFY_DE.encode())
    assert playlist.source == "exportify" and playlist.name == "Mein Mix"
    first, second = playlist.tracks
    assert first.artists == ("Daft Punk", "Pharrell Williams", "Nile Rodgers")
    assert first.duration_s == pytest.approx(369.626) and first.isrc == "USQX91300108"
    assert first.album == "Random Access Memories"
    assert second.artists == ("Crosby, Stills, Nash & Young",)


@pytest.mark.parametrize(
    ("header", "row"),
    [
        ("Name,Artist,Album,ISRC", "Dreams,Fleetwood Mac,Rumours,USWB10002486"),
        ("Artist,Track,Album", "Fleetwood Mac,Dreams,Rumours"),
        ("Track name;Artist name;Album;Duration", "Dreams;Fleetwood Mac;Rumours;4:17"),
        ("トラック名,アーティスト名,アルバム名", "Dreams,Fleetwood Mac,Rumours"),
    ],
)
def test_generic_csv_headers(header: str, row: str) -> None:
    (track,) = parse_text(f"{header}\n{row}\n", "x", "csv").tracks
    assert (track.title, track.artists, track.album) == ("Dreams", ("Fleetwood Mac",), "Rumours")


def test_unknown_columns_ask_for_a_mapping() -> None:
    with pytest.raises(UnknownColumns) as err:
        parse_text("Col A,Col B\nx,y\n", "x", "csv")
    assert err.value.status == 422 and err.value.details
    assert err.value.details["headers"] == ["Col A", "Col B"]
    mapped = parse_text("Col A,Col B\nx,y\n", "x", "csv", {"title": "Col B", "artist": "Col A"})
    assert mapped.tracks[0].title == "y" and mapped.tracks[0].artists == ("x",)


def test_m3u() -> None:
    text = (
        "#EXTM3U\n#PLAYLIST:Road\n#EXTINF:209,Queen - Don't Stop Me Now\n"
        "/data/music/Queen/Jazz/12 Don't Stop Me Now.flac\n"
        "D:\\Music\\Oasis\\Wonderwall.mp3\n"
    )
    playlist = parse_file("road.m3u8", text.encode())
    first, second = playlist.tracks
    assert playlist.name == "Road" and playlist.source == "m3u"
    assert (first.title, first.artists, first.duration_s) == ("Don't Stop Me Now", ("Queen",), 209)
    assert first.path == "/data/music/Queen/Jazz/12 Don't Stop Me Now.flac"
    assert second.title == "Wonderwall" and second.duration_s is None


def test_jspf_and_xspf_carry_recording_mbids() -> None:
    mbid = "b1a9c0e9-d987-4042-ae91-78d6a3267d69"
    jspf = {
        "playlist": {
            "title": "Weekly Jams",
            "track": [
                {
                    "title": "Smells Like Teen Spirit",
                    "creator": "Nirvana",
                    "album": "Nevermind",
                    "identifier": [f"https://musicbrainz.org/recording/{mbid}"],
                    "duration": 301000,
                },
                {
                    "title": "Dreams",
                    "creator": "Fleetwood Mac",
                    "identifier": f"https://musicbrainz.org/recording/{mbid.upper()}",
                },
            ],
        }
    }
    playlist = parse_text(json.dumps(jspf), "x")
    assert playlist.name == "Weekly Jams" and [t.mbid for t in playlist.tracks] == [mbid, mbid]
    xspf = (
        '<?xml version="1.0" encoding="UTF-8"?><playlist version="1" xmlns="http://xspf.org/ns/0/">'
        "<title>Mix</title><trackList><track><title>Dreams</title><creator>Fleetwood Mac</creator>"
        f"<identifier>https://musicbrainz.org/recording/{mbid}</identifier>"
        "<duration>257000</duration></track></trackList></playlist>"
    )
    (track,) = parse_file("mix.xspf", xspf.encode()).tracks
    assert (track.title, track.mbid, track.duration_s) == ("Dreams", mbid, 257)


def test_unreadable_files() -> None:
    for data, name in ((b"hello world", "notes.txt"), (b"\x00\x01\x02", "a.bin")):
        with pytest.raises(CompanionError) as err:
            parse_file(name, data)
        assert err.value.code == "import_unknown_format"
    bomb = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><playlist>&a;</playlist>'
    with pytest.raises(CompanionError):
        parse_file("bomb.xspf", bomb.encode())
