"""Pages given a NUL in their parameters answer normally (PostgreSQL refuses NUL in text)."""

from __future__ import annotations

from typing import Any

from tests.web.conftest import sign_in


async def test_search_page_with_nul_in_the_query(jellyfin_app_client: Any) -> None:
    await sign_in(jellyfin_app_client)
    resp = await jellyfin_app_client.get("/search?q=BJ%00ORK")
    assert resp.status == 200, await resp.text()
    # The NUL is dropped, not the search: the artist is still found.
    assert "Björk" in await resp.text()
