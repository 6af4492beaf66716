"""Every query parameter and body field the companion's Jellyfin client sends is in the spec."""

from __future__ import annotations

import pytest

from companion.testing.jellyfin import SUPPORTED_VERSIONS

from .conftest import VersionedFake
from .drive_client import drive
from .requests import Mismatch, request_mismatches
from .spec import response_problems

# What the companion sends that a version's spec lacks. Each is one strict xfail below: when the
# companion stops sending it, the xfail passes and fails the run, so the entry must go.
KNOWN: dict[Mismatch, str] = {
    Mismatch("GET", "/Artists", "query", "recursive"): (
        "ArtistsController.GetArtists has no recursive parameter (ignored)"
    ),
    Mismatch("GET", "/Artists/AlbumArtists", "query", "recursive"): (
        "ArtistsController.GetAlbumArtists has no recursive parameter (ignored)"
    ),
    Mismatch("POST", "/Playlists/{playlistId}", "query", "userId"): (
        "UpdatePlaylist takes the editor from the token; there is no userId parameter"
    ),
}


async def _mismatches(versioned_fake: VersionedFake, version: str) -> set[Mismatch]:
    fake = await versioned_fake(version)
    await drive(fake)
    assert len(fake.state.requests) > 40
    # While here: every answer the companion got is one the real server can give.
    assert response_problems(version, fake.state.responses) == []
    return request_mismatches(version, fake.state.requests)


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
async def test_companion_sends_only_what_the_spec_has(
    versioned_fake: VersionedFake, version: str
) -> None:
    found = await _mismatches(versioned_fake, version)
    assert sorted(str(m) for m in found - KNOWN.keys()) == []


@pytest.mark.parametrize(
    ("version", "mismatch"),
    [
        pytest.param(v, m, id=f"{v}-{m}", marks=pytest.mark.xfail(strict=True, reason=why))
        for v in SUPPORTED_VERSIONS
        for m, why in KNOWN.items()
    ],
)
async def test_known_mismatch(
    versioned_fake: VersionedFake, version: str, mismatch: Mismatch
) -> None:
    assert mismatch not in await _mismatches(versioned_fake, version)
