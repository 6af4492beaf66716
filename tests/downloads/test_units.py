"""Pure parts of downloads: names made safe, the file ranking, duplicate keys, wire parsing."""

from __future__ import annotations

from pathlib import Path

import pytest

from companion.downloads.naming import safe_extension, safe_part, track_path
from companion.downloads.ranking import Preferences, rank, reject_reason, search_text
from companion.downloads.tags import read_tags
from companion.downloads.wanted import Want, clean_mbid
from companion.providers.downloads import PeerFile
from integrations.lidarr.models import LidarrQueueRecord
from integrations.lidarr.provider import queue_entry
from integrations.slskd.models import SlskdTransfer, flags
from integrations.slskd.provider import transfer
from webhooks.lidarr import PayloadError, parse

from .audio import mp3

WANT = Want("track", "Paper Planes", ("Sky Writers",), "Flight", duration_s=200)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("..", "Unknown"),
        ("../../etc", "_.._etc"),
        ("a/b\\c", "a_b_c"),
        ('What? <Now>: "yes" | no*', "What_ _Now__ _yes_ _ no_"),
        ("CON", "_CON"),
        ("lpt1.txt", "_lpt1.txt"),
        ("Trailing dots...", "Trailing dots"),
        (".38 Special", "38 Special"),
        ("...And Justice for All", "And Justice for All"),
        ("  spaced   out  ", "spaced out"),
        ("tab\tand\nnewline", "tab and newline"),
        ("", "Unknown"),
        ("Ünïcödé ✓", "Ünïcödé ✓"),
    ],
)
def test_safe_part(text: str, expected: str) -> None:
    assert safe_part(text) == expected


def test_long_names_are_cut_on_a_character_boundary() -> None:
    name = safe_part("é" * 200)
    assert len(name.encode()) <= 180 and name == "é" * 90


def test_track_path_and_extension() -> None:
    assert str(track_path("Artist", "Album", 3, "Title", ".flac")) == "Artist/Album/03 - Title.flac"
    assert str(track_path(None, None, None, None, "")) == "Unknown/Unknown/Unknown"
    assert safe_extension("a\\b\\Song.FLAC") == ".flac"
    assert safe_extension("noext") == "" and safe_extension("x.tar.gz/evil") == ""


def _file(name: str, **kw: object) -> PeerFile:
    base = {"username": "u", "filename": name, "size": 1000, "bitrate": 320, "length_s": 200.0}
    base.update(kw)
    return PeerFile(**base)  # type: ignore[arg-type]


def test_reject_reasons() -> None:
    prefs = Preferences()
    good = "Music\\Sky Writers\\Flight\\01 - Paper Planes.mp3"
    assert reject_reason(WANT, _file(good), prefs) is None
    assert reject_reason(WANT, _file(good, locked=True), prefs) == "locked"
    assert reject_reason(WANT, _file(good.replace(".mp3", ".exe")), prefs) == "format exe"
    assert (
        reject_reason(WANT, _file("Sky Writers\\Flight\\01 - Paper Boats.mp3"), prefs)
        == "another title"
    )
    assert (
        reject_reason(WANT, _file("Others\\Flight\\01 - Paper Planes.mp3"), prefs)
        == "another artist"
    )
    live = "Sky Writers\\Flight\\01 - Paper Planes (Live at Wembley).mp3"
    assert reject_reason(WANT, _file(live), prefs) == "a different version (live)"
    remix = "Sky Writers\\Remixes\\Paper Planes (Club Mix).mp3"
    assert reject_reason(WANT, _file(remix), prefs) == "a different version (remix)"
    assert reject_reason(WANT, _file(good, length_s=260.0), prefs) == "another length"
    assert reject_reason(WANT, _file(good, bitrate=128), prefs) == "128 kbps"
    # A wanted live version accepts live files; remasters are the same recording.
    live_want = Want("track", "Paper Planes (Live)", ("Sky Writers",))
    assert reject_reason(live_want, _file(live), prefs) is None
    remaster = "Sky Writers\\Flight\\01 - Paper Planes - 2011 Remaster.flac"
    assert reject_reason(WANT, _file(remaster, bitrate=None), prefs) is None


def test_rank_prefers_format_then_slot_then_queue_and_speed() -> None:
    name = "Sky Writers\\Flight\\01 - Paper Planes"
    files = [
        _file(name + ".mp3", username="mp3-free", free_slot=True, upload_speed=10**7),
        _file(name + ".flac", username="flac-busy", free_slot=False, queue_length=40, bitrate=None),
        _file(
            name + ".flac", username="flac-free", free_slot=True, upload_speed=10**5, bitrate=None
        ),
        _file(name + ".flac", username="flac-free", free_slot=True, bitrate=None),  # same peer
        _file(name + ".flac", username="flac-slow", free_slot=True, upload_speed=10, bitrate=None),
        _file(name + ".mp3", username="wrong-length", length_s=400.0),
    ]
    order = [f.username for f in rank(WANT, files, Preferences())]
    # A FLAC behind a queue of 40 loses to an MP3 that can start now; a short queue does not.
    assert order == ["flac-free", "flac-slow", "mp3-free", "flac-busy"]
    short = [*files[:2], _file(name + ".flac", username="flac-short", queue_length=2, bitrate=None)]
    assert rank(WANT, short, Preferences())[0].username == "flac-short"
    mp3_first = Preferences(formats=("mp3", "flac"))
    assert rank(WANT, files, mp3_first)[0].username == "mp3-free"


def test_search_text_and_keys() -> None:
    assert (
        search_text(Want("track", "Don't Stop (feat. X) - Live", ("The Beatles",)))
        == "beatles dont stop"
    )
    same = {
        Want("track", "Paper Planes", ("Sky Writers",)).key,
        Want("track", "PAPER PLANES", ("sky writers",), album="Other").key,
        Want("track", "Paper Planes (feat. Z)", ("Sky Writers", "Z")).key,
    }
    assert len(same) == 1
    assert Want("track", "Paper Planes (Live)", ("Sky Writers",)).key not in same
    mbid = "0f0e0d0c-0000-4000-8000-000000000001"
    assert Want("track", "x", mbid=mbid).key == f"track:mbid:{mbid}"
    assert Want("album", "Flight", ("Sky Writers",)).key == "album:sky writers|flight"
    assert clean_mbid(mbid.upper()) == mbid and clean_mbid("nope") is None


def test_tags_tell_audio_from_anything_else(tmp_path: Path) -> None:
    song = tmp_path / "song.mp3"
    song.write_bytes(mp3("T", "A", "Al", track=4, mbid="0f0e0d0c-0000-4000-8000-000000000001"))
    tags = read_tags(song)
    assert tags is not None and (tags.title, tags.artist, tags.album, tags.track_number) == (
        "T",
        "A",
        "Al",
        4,
    )
    assert tags.mbid == "0f0e0d0c-0000-4000-8000-000000000001" and tags.length_s > 0.5
    fake = tmp_path / "fake.mp3"
    fake.write_bytes(b"<html>an error page</html>")
    assert read_tags(fake) is None
    assert read_tags(tmp_path / "missing.flac") is None


def test_slskd_flag_strings() -> None:
    def t(state: str, exception: str | None = None) -> SlskdTransfer:
        return SlskdTransfer("id", "u", "f", state, 10, 5, 50.0, None, exception)

    assert flags("Completed, Succeeded") == {"Completed", "Succeeded"}
    assert transfer(t("Succeeded, Completed")).phase == "succeeded"  # order is not relied on
    assert transfer(t("Completed, Rejected")).error == "Rejected"
    assert (
        transfer(t("Completed, Errored", "Remote connection closed")).error
        == "Errored: Remote connection closed"
    )
    for state in ("Completed, TimedOut", "Completed, Cancelled", "Completed, Aborted"):
        assert transfer(t(state)).phase == "failed"
    for state in ("Requested", "Queued, Remotely", "Queued, Locally", "Initializing"):
        assert transfer(t(state)).phase == "queued"
    assert transfer(t("InProgress")).phase == "downloading"


def test_lidarr_queue_states() -> None:
    def record(
        state: str, status: str = "downloading", tracked_status: str = "ok"
    ) -> LidarrQueueRecord:
        return LidarrQueueRecord(
            1, 7, "t", 100.0, 25.0, status, tracked_status, state, ("why",), None, "ID"
        )

    assert queue_entry(record("downloading")).state == "downloading"  # type: ignore[union-attr]
    assert queue_entry(record("downloading")).percent == 75.0  # type: ignore[union-attr]
    assert queue_entry(record("downloading", status="queued")).state == "queued"  # type: ignore[union-attr]
    assert queue_entry(record("importPending")).state == "importing"  # type: ignore[union-attr]
    warned = queue_entry(record("importPending", tracked_status="warning"))
    assert warned is not None and warned.state == "failed" and warned.message == "why"
    for state in ("downloadFailed", "downloadFailedPending", "importFailed", "ignored"):
        assert queue_entry(record(state)).state == "failed"  # type: ignore[union-attr]


def test_lidarr_payloads() -> None:
    notice = parse(
        b'{"eventType":"Download","album":{"id":3,"mBId":"ABC"},"trackFiles":[{"path":"/m/a.flac"}],'
        b'"downloadId":"X1"}'
    )
    assert notice.album_ids == (3,) and notice.album_mbids == ("abc",)
    assert notice.paths == ("/m/a.flac",) and notice.download_id == "X1"
    grab = parse(b'{"eventType":"Grab","albums":[{"id":1,"mbId":"m1"},{"id":2,"mbId":"m2"}]}')
    assert grab.album_ids == (1, 2) and grab.album_mbids == ("m1", "m2")
    failure = parse(b'{"eventType":"DownloadFailure","downloadId":"X1","releaseTitle":"R"}')
    assert failure.album_ids == () and failure.release_title == "R"
    for bad in (b"", b"[1]", b'{"eventType": 3}', b'{"eventType":"Grab","downloadId":[1]}'):
        with pytest.raises(PayloadError):
            parse(bad)
