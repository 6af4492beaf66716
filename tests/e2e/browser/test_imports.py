"""Browser: import a pasted CSV (with the column-mapping step), review rows, make the playlist."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.browser.harness import DemoStack, wait_live


def test_paste_map_columns_review_and_commit(page: Page, stack: DemoStack) -> None:
    tracks = page.request.get(f"{stack.url}/api/library/tracks?limit=40&sort=name").json()["items"]
    seen: set[str] = set()
    chosen = []
    for t in tracks:
        if t["name"] in seen or "(" in t["name"]:
            continue
        seen.add(t["name"])
        chosen.append(t)
        if len(chosen) == 2:
            break
    lines = ["Song;Who"] + [f"{t['name']};{t['artists'][0]['name']}" for t in chosen]
    lines.append("Not In This Library;Nobody At All")
    page.goto(f"{stack.url}/imports")
    wait_live(page)
    page.get_by_label("Or paste it").fill("\n".join(lines) + "\n")
    page.get_by_label("Format").select_option("csv")
    page.get_by_role("button", name="Import text").click()
    # The headers are unknown: the page asks which columns hold what.
    mapping = page.locator("#import-mapping")
    expect(mapping).to_be_visible()
    mapping.locator("select[name=title]").select_option("Song")
    mapping.locator("select[name=artist]").select_option("Who")
    mapping.get_by_role("button", name="Import with these columns").click()
    rows = page.locator("[data-import-rows] tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(2)).to_have_attribute("data-state", "unmatched")
    # The library's own tracks are found (a namesake in the demo library may need a choice).
    for n in (0, 1):
        assert rows.nth(n).get_attribute("data-state") in ("matched", "ambiguous")
    expect(page.locator("[data-import-counts]")).to_contain_text("not in the library")
    page.get_by_label("Playlist name").fill("From a paste")
    page.get_by_role("button", name="Make playlist").click()
    link = page.locator("[data-import-playlist] a")
    expect(link).to_be_visible()
    expect(page.locator("[data-import-playlist]")).to_contain_text("wait for your library")
    link.click()
    expect(page.locator("h1")).to_contain_text("From a paste")
