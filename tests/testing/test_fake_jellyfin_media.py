"""Streaming (Range/HEAD/large lazily generated files) and images (ETag/304/404)."""

from __future__ import annotations

import io
import wave

import aiohttp

from companion.testing.jellyfin import FakeJellyfin

from .conftest import api_headers


async def test_stream_full_range_head(fake: FakeJellyfin, http: aiohttp.ClientSession) -> None:
    t = fake.library.tracks[0]
    async with http.get(f"{fake.url}/Audio/{t.id}/stream", params={"static": "true"}) as r:
        assert r.status == 200 and r.headers["Accept-Ranges"] == "bytes"
        full = await r.read()
        assert int(r.headers["Content-Length"]) == len(full)
    with wave.open(io.BytesIO(full)) as w:  # a valid WAV file
        assert w.getnframes() > 0
    async with http.get(
        f"{fake.url}/Audio/{t.id}/stream.flac", headers={"Range": "bytes=10-109"}
    ) as r:
        assert r.status == 206
        assert r.headers["Content-Range"] == f"bytes 10-109/{len(full)}"
        assert await r.read() == full[10:110]
    async with http.get(f"{fake.url}/Audio/{t.id}/stream", headers={"Range": "bytes=-16"}) as r:
        assert r.status == 206 and await r.read() == full[-16:]
    async with http.get(
        f"{fake.url}/Audio/{t.id}/stream", headers={"Range": f"bytes={len(full)}-"}
    ) as r:
        assert r.status == 416
    async with http.head(f"{fake.url}/Audio/{t.id}/stream") as r:
        assert r.status == 200 and int(r.headers["Content-Length"]) == len(full)
    async with http.get(f"{fake.url}/Audio/{'0' * 32}/stream") as r:
        assert r.status == 404
    async with http.get(f"{fake.url}/Audio/{t.id}/universal") as r:
        assert r.status == 401
    async with http.get(f"{fake.url}/Audio/{t.id}/universal", headers=api_headers()) as r:
        assert r.status == 200 and await r.read() == full


async def test_large_stream_is_generated_lazily(
    fake: FakeJellyfin, http: aiohttp.ClientSession
) -> None:
    t = fake.library.tracks[1]
    size = 50 * 1024 * 1024
    async with http.put(
        f"{fake.url}/__fake__/library/tracks/{t.id}/size", json={"size_bytes": size}
    ) as r:
        assert r.status == 204
    async with http.head(f"{fake.url}/Audio/{t.id}/stream") as r:
        assert int(r.headers["Content-Length"]) == size
    async with http.get(
        f"{fake.url}/Audio/{t.id}/stream", headers={"Range": f"bytes={size - 10}-"}
    ) as r:
        assert r.status == 206 and len(await r.read()) == 10
    total = 0
    async with http.get(f"{fake.url}/Audio/{t.id}/stream") as r:
        async for chunk in r.content.iter_chunked(1 << 20):
            total += len(chunk)
    assert total == size
    item = fake.state.library.by_id[t.id]
    assert item is t


async def test_images(fake: FakeJellyfin, http: aiohttp.ClientSession) -> None:
    album = next(a for a in fake.library.albums if a.image_tag)
    url = f"{fake.url}/Items/{album.id}/Images/Primary"
    async with http.get(url, params={"tag": album.image_tag, "maxWidth": "300"}) as r:
        assert r.status == 200 and r.content_type == "image/png"
        assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        etag = r.headers["ETag"]
        assert (await r.read()).startswith(b"\x89PNG")
    async with http.get(url, params={"tag": album.image_tag}, headers={"If-None-Match": etag}) as r:
        assert r.status == 304
    async with http.head(f"{url}/0") as r:
        assert r.status == 200
    track = fake.library.tracks[0]
    async with http.get(f"{fake.url}/Items/{track.id}/Images/Primary") as r:
        assert r.status == 404
    no_img = [a for a in fake.library.albums if not a.image_tag]
    if no_img:
        async with http.get(f"{fake.url}/Items/{no_img[0].id}/Images/Primary") as r:
            assert r.status == 404
