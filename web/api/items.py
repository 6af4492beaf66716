"""Batch resolution of refs and cover art."""

from __future__ import annotations

from aiohttp import web

from companion.errors import InvalidInput
from companion.library.streams import MAX_IMAGE_SIZE, MIN_IMAGE_SIZE
from companion.media import MediaItem, parse_ref
from web.api.music_support import credential, music, path_ref
from web.json import dumps_bytes, raw_json_response, read_json
from web.routing import ApiRouter
from web.schemas import IMAGE, OBJ, items, null

router = ApiRouter("items")

MAX_REFS = 1000
# Encoded JSON per item, reused while the resolver hands out the very same (immutable) item
# object: a warm 1,000-ref answer is then a join of cached bytes instead of 1,000 encodings.
_FRAGMENTS: dict[str, tuple[MediaItem, bytes]] = {}
_MAX_FRAGMENTS = 50_000
_RESOLVE_BODY = {
    "type": "object",
    "properties": {
        "refs": {
            "type": "array",
            "items": {"type": "string", "pattern": "^(jellyfin|navidrome):[0-9a-fA-F]{32}$"},
            "maxItems": MAX_REFS,
        }
    },
    "required": ["refs"],
}


@router.post(
    "/api/items/resolve",
    summary="Resolve refs to tracks, albums and artists in one call",
    body=_RESOLVE_BODY,
    responses={
        "200": "{items: [...]} in the requested order; null for refs Jellyfin no longer has",
        "400": "A malformed ref (named in the message) or more than 1000 refs",
        "503": "Jellyfin is slow or unreachable",
    },
    returns=items(null(OBJ)),
)
async def resolve(request: web.Request) -> web.Response:
    """Resolve up to 1000 refs; duplicates are fetched once."""
    body = await read_json(request)
    refs = body.get("refs")
    if not isinstance(refs, list):
        raise InvalidInput("'refs' must be a list of refs.", details={"field": "refs"})
    if len(refs) > MAX_REFS:
        raise InvalidInput(
            f"At most {MAX_REFS} refs per call ({len(refs)} sent).", details={"field": "refs"}
        )
    ids: list[str] = []
    for index, ref in enumerate(refs):
        iid = parse_ref(ref)
        if iid is None:
            shown = ref[:80] if isinstance(ref, str) else ref
            raise InvalidInput(
                f"refs[{index}] is not a valid ref: {shown!r} (expected jellyfin:<32 hex>).",
                details={"field": "refs", "index": index, "ref": str(shown)[:80]},
            )
        ids.append(iid)
    items = await music(request).resolver.resolve(await credential(request), ids)
    parts = [_fragment(iid, item) for iid, item in zip(ids, items, strict=True)]
    return raw_json_response(b'{"items":[' + b",".join(parts) + b"]}")


def _fragment(item_id: str, item: MediaItem | None) -> bytes:
    if item is None:
        return b"null"
    hit = _FRAGMENTS.get(item_id)
    if hit is not None and hit[0] is item:
        return hit[1]
    if len(_FRAGMENTS) >= _MAX_FRAGMENTS:
        _FRAGMENTS.clear()
    encoded = dumps_bytes(item.as_dict())
    _FRAGMENTS[item_id] = (item, encoded)
    return encoded


@router.get(
    "/api/items/{ref}/image",
    summary="Cover art (a track's is its album's; an SVG placeholder when there is none)",
    query=(
        ("size", "integer", f"Fit within size x size pixels ({MIN_IMAGE_SIZE}-{MAX_IMAGE_SIZE})."),
        ("tag", "string", "The art's version, as in the item's image_url."),
    ),
    responses={
        "200": "The image, with ETag and Cache-Control",
        "304": "Not modified",
        "404": "No such item",
    },
    returns=IMAGE,
)
async def image(request: web.Request) -> web.Response:
    """Proxy an item's art with ETag, long-lived caching and 304s."""
    item_id = path_ref(request)
    raw_size = request.query.get("size")
    size: int | None = None
    if raw_size:
        if not raw_size.isdigit() or not MIN_IMAGE_SIZE <= int(raw_size) <= MAX_IMAGE_SIZE:
            raise InvalidInput(
                f"'size' must be between {MIN_IMAGE_SIZE} and {MAX_IMAGE_SIZE}.",
                details={"field": "size"},
            )
        size = int(raw_size)
    answer = await music(request).streams.image(
        await credential(request),
        item_id,
        size=size,
        tag=request.query.get("tag"),
        if_none_match=request.headers.get("If-None-Match"),
    )
    headers = {"ETag": answer.etag, "Cache-Control": answer.cache_control}
    if answer.status == 304:
        return web.Response(status=304, headers=headers)
    headers["Content-Type"] = answer.content_type
    return web.Response(body=answer.body, headers=headers)
