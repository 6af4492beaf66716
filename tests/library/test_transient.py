"""Items of a temporary folder (a weekly flow's links) are never a match for a wanted track."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from companion.imports.matching import TrackQuery, match_tracks
from companion.library.index_rows import to_row
from companion.library.transient import declare_transient_folder, transient_folders
from companion.media import IndexTrack

FLOW_ITEM = "0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f"
LINKS = "/music/companion-flows"


async def test_a_flow_link_is_no_candidate_until_withdrawn(client: TestClient[Any, Any]) -> None:
    track = IndexTrack(
        item_id=FLOW_ITEM,
        title="Hyperballad",
        artists=("Björk",),
        album="Post",
        duration_s=321.0,
        path=f"{LINKS}/alice/Discover/Björk/Post/05 - Hyperballad.flac",
    )
    await to_row(track).save()
    wanted = TrackQuery("Hyperballad", ("Bjork",), "Post", 321.0)

    # Before any folder is declared the item matches (the index alone cannot tell).
    assert (await match_tracks([wanted]))[0].item_id == FLOW_ITEM

    await declare_transient_folder("flows", LINKS)
    assert await transient_folders() == (f"{LINKS}/",)
    (result,) = await match_tracks([wanted])
    assert result.state == "unmatched" and result.item_id is None

    # A folder is matched by whole path segments: a sibling with the same prefix still counts.
    await declare_transient_folder("flows", "/music/companion")
    assert (await match_tracks([wanted]))[0].item_id == FLOW_ITEM

    await declare_transient_folder("flows", None)
    assert await transient_folders() == ()
    assert (await match_tracks([wanted]))[0].item_id == FLOW_ITEM
