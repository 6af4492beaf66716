"""The player over HTTP: one queue per user, who plays it, and its playback reports."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from companion import keys
from companion.errors import InvalidInput
from companion.media import parse_ref
from companion.player import queue as q
from companion.player.playback import PlayerClient
from companion.player.runtime import PlayerServices
from companion.player.service import SOURCE_KINDS
from companion.playlists.items import parse_refs
from web.json import get_str, json_response, read_json
from web.middlewares import principal_of
from web.routing import ApiRouter
from web.schemas import PLAYER, PLAYLIST, STR, obj

router = ApiRouter("player")

_CLIENT = {
    "player": {"type": "string", "description": "The tab's id (8-64 of A-Z a-z 0-9 - _)"},
    "device": {"type": "string", "description": "The browser's id (same pattern)"},
    "name": {"type": "string", "description": "The browser's name, shown in Jellyfin"},
}
_ITEMS = {
    "refs": {"type": "array", "items": {"type": "string"}, "description": "Track refs"},
    "source": {
        "type": "object",
        "description": "Instead of refs: {kind: album|artist|playlist|favorites, ref?}",
    },
}
_STATE = {"200": "The player state {version, entries, current, next, shuffle, repeat, active…}"}
_ERRORS = {"400": "Bad input, named", "404": "No such entry", "503": "Jellyfin unreachable"}


def _services(request: web.Request) -> PlayerServices:
    return request.app[keys.PLAYER]


async def _answer(request: web.Request, row: Any = None) -> web.Response:
    services = _services(request)
    return json_response(await services.queues.state(principal_of(request), row))


def _client(body: dict[str, Any]) -> PlayerClient:
    return PlayerClient.parse(body.get("player"), body.get("device"), body.get("name"))


async def _claim(request: web.Request, body: dict[str, Any]) -> None:
    # The tab that pressed play becomes the one that plays (the one before stops in Jellyfin);
    # edits alone do not move playback.
    if body.get("player") is not None:
        await _services(request).playback.claim(principal_of(request), _client(body))


async def _items(request: web.Request, body: dict[str, Any]) -> list[str]:
    source = body.get("source")
    if source is not None:
        if not isinstance(source, dict) or source.get("kind") not in SOURCE_KINDS:
            raise InvalidInput(
                "'source.kind' must be album, artist, playlist or favorites.",
                details={"field": "source"},
            )
        ref = source.get("ref")
        ids = await _services(request).queues.source_items(
            principal_of(request), str(source["kind"]), str(ref) if ref is not None else None
        )
    else:
        ids = parse_refs(body.get("refs"))
    if not ids:
        raise InvalidInput("Nothing to play.", code="nothing_to_play")
    return ids


def _bool(body: dict[str, Any], key: str) -> bool | None:
    value = body.get(key)
    if value is not None and not isinstance(value, bool):
        raise InvalidInput(f"'{key}' must be true or false.", details={"field": key})
    return value


def _int(body: dict[str, Any], key: str, default: int = 0) -> int:
    value = body.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(f"'{key}' must be a whole number ≥ 0.", details={"field": key})
    return value


@router.get(
    "/api/player", summary="Your play queue and who plays it", responses=_STATE, returns=PLAYER
)
async def state(request: web.Request) -> web.Response:
    """The queue with resolved tracks."""
    return await _answer(request)


@router.put(
    "/api/player/queue",
    summary="Play now: replace the queue with tracks (or an album, artist, playlist, favorites)",
    body={
        "type": "object",
        "properties": {
            **_ITEMS,
            **_CLIENT,
            "start": {"type": "integer", "description": "Index to start at (default 0)"},
            "shuffle": {"type": "boolean", "description": "Shuffle (default: keep the mode)"},
        },
    },
    responses={**_STATE, **_ERRORS},
    returns=PLAYER,
)
async def play_now(request: web.Request) -> web.Response:
    """Replace the queue and start it."""
    body = await read_json(request)
    ids = await _items(request, body)
    start, shuffle = _int(body, "start"), _bool(body, "shuffle")
    await _claim(request, body)
    row = await _services(request).queues.play(
        principal_of(request), ids, start=start, shuffle=shuffle
    )
    return await _answer(request, row)


@router.post(
    "/api/player/queue",
    summary="Add tracks: after the current one (play next) or at the end",
    body={
        "type": "object",
        "properties": {**_ITEMS, "at": {"enum": ["next", "end"], "default": "end"}},
    },
    responses={**_STATE, **_ERRORS},
    returns=PLAYER,
)
async def enqueue(request: web.Request) -> web.Response:
    """Play next or add to the queue."""
    body = await read_json(request)
    at = body.get("at", "end")
    if at not in ("next", "end"):
        raise InvalidInput("'at' must be next or end.", details={"field": "at"})
    ids = await _items(request, body)
    change = (lambda old: q.play_next(old, ids)) if at == "next" else (lambda old: q.add(old, ids))
    row = await _services(request).queues.edit(principal_of(request), change, f"add_{at}")
    return await _answer(request, row)


@router.delete("/api/player/queue", summary="Clear the queue", responses=_STATE, returns=PLAYER)
async def clear(request: web.Request) -> web.Response:
    """Empty the queue."""
    row = await _services(request).queues.edit(principal_of(request), q.clear, "clear")
    return await _answer(request, row)


@router.delete(
    "/api/player/queue/{entry}",
    summary="Remove one entry from the queue",
    responses={**_STATE, **_ERRORS},
    returns=PLAYER,
)
async def remove(request: web.Request) -> web.Response:
    """Remove an entry by its id."""
    entry = request.match_info["entry"]
    row = await _services(request).queues.edit(
        principal_of(request), lambda old: q.remove(old, entry), "remove"
    )
    return await _answer(request, row)


@router.post(
    "/api/player/queue/{entry}/move",
    summary="Move one entry to a 0-based position",
    body={"type": "object", "required": ["to"], "properties": {"to": {"type": "integer"}}},
    responses={**_STATE, **_ERRORS},
    returns=PLAYER,
)
async def move(request: web.Request) -> web.Response:
    """Reorder the queue."""
    body = await read_json(request)
    to = _int(body, "to")
    entry = request.match_info["entry"]
    row = await _services(request).queues.edit(
        principal_of(request), lambda old: q.move(old, entry, to), "move"
    )
    return await _answer(request, row)


@router.post(
    "/api/player/jump",
    summary="Play one entry of the queue (next, previous, or any)",
    body={
        "type": "object",
        "properties": {
            **_CLIENT,
            "entry": {"type": "string", "description": "An entry id"},
            "to": {"enum": ["next", "previous"], "description": "Instead of entry"},
            "ended": {"type": "boolean", "description": "With next: the track finished"},
        },
    },
    responses={**_STATE, **_ERRORS},
    returns=PLAYER,
)
async def jump(request: web.Request) -> web.Response:
    """Move the current entry; the calling tab plays it."""
    body = await read_json(request)
    entry, to = body.get("entry"), body.get("to")
    ended = bool(_bool(body, "ended"))

    def change(old: q.Queue) -> q.Queue:
        if isinstance(entry, str):
            return q.jump(old, entry)
        if to == "next":
            target = old.following(ended=ended)
        elif to == "previous":
            target = old.preceding()
        else:
            raise InvalidInput("Give 'entry', or 'to': next or previous.", details={"field": "to"})
        # The end of a queue that does not repeat: nothing is current any more.
        return q.jump(old, target) if target else old

    await _claim(request, body)
    row = await _services(request).queues.edit(principal_of(request), change, "jump")
    return await _answer(request, row)


@router.put(
    "/api/player/mode",
    summary="Shuffle on or off, repeat off, all or one",
    body={
        "type": "object",
        "properties": {"shuffle": {"type": "boolean"}, "repeat": {"enum": list(q.REPEAT_MODES)}},
    },
    responses={**_STATE, "400": "Bad value"},
    returns=PLAYER,
)
async def mode(request: web.Request) -> web.Response:
    """Change the modes."""
    body = await read_json(request)
    shuffle = _bool(body, "shuffle")
    repeat = body.get("repeat")
    chosen = next((m for m in q.REPEAT_MODES if m == repeat), None)
    if repeat is not None and chosen is None:
        raise InvalidInput("'repeat' must be off, all or one.", details={"field": "repeat"})
    services = _services(request)
    rng = services.queues.shuffle_rng()

    def change(old: q.Queue) -> q.Queue:
        new = q.set_shuffle(old, shuffle, rng) if shuffle is not None else old
        return q.set_repeat(new, chosen) if chosen is not None else new

    row = await services.queues.edit(principal_of(request), change, "mode")
    return await _answer(request, row)


@router.post(
    "/api/player/save",
    summary="Save the queue as a playlist",
    body={"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}},
    responses={"201": "The playlist (as POST /api/playlists answers)", "400": "Bad name or empty"},
    returns=PLAYLIST,
)
async def save(request: web.Request) -> web.Response:
    """Make the queue a playlist."""
    body = await read_json(request)
    name = get_str(body, "name", max_len=255)
    playlist = await _services(request).queues.save_as_playlist(principal_of(request), name)
    return json_response(playlist, status=201)


@router.post(
    "/api/player/claim",
    summary="Play here: this tab becomes the one that plays (the other one stops)",
    body={"type": "object", "required": ["player", "device"], "properties": _CLIENT},
    responses={**_STATE, "400": "Bad ids"},
    returns=PLAYER,
)
async def claim(request: web.Request) -> web.Response:
    """Take over playback."""
    body = await read_json(request)
    row = await _services(request).playback.claim(principal_of(request), _client(body))
    return await _answer(request, row)


@router.post(
    "/api/player/report",
    summary="Report playback (start, progress, stop); sent on to Jellyfin as this browser",
    body={
        "type": "object",
        "required": ["player", "device", "kind", "entry"],
        "properties": {
            **_CLIENT,
            "kind": {"enum": ["start", "progress", "stop"]},
            "entry": {"type": "string"},
            "position": {"type": "number", "description": "Seconds"},
            "paused": {"type": "boolean"},
            "failed": {"type": "boolean"},
        },
    },
    responses={
        "204": "Reported",
        "400": "Bad input",
        "404": "No such entry",
        "409": "Another tab plays (not_active)",
        "503": "Jellyfin unreachable",
    },
    returns=None,
)
async def report(request: web.Request) -> web.Response:
    """Forward a playback report."""
    body = await read_json(request)
    kind = body.get("kind")
    if kind not in ("start", "progress", "stop"):
        raise InvalidInput("'kind' must be start, progress or stop.", details={"field": "kind"})
    position = body.get("position", 0)
    if isinstance(position, bool) or not isinstance(position, int | float) or position < 0:
        raise InvalidInput("'position' must be a number ≥ 0.", details={"field": "position"})
    await _services(request).playback.report(
        principal_of(request),
        _client(body),
        kind,
        str(get_str(body, "entry", max_len=32)),
        float(position),
        bool(_bool(body, "paused")),
        failed=bool(_bool(body, "failed")),
    )
    return web.Response(status=204)


@router.get(
    "/api/player/check",
    summary="After a stream failed: does Jellyfin answer, and does it still have the track?",
    query=(("ref", "string", "The track ref that failed"),),
    responses={"200": "{status: ok | gone}", "400": "Bad ref", "503": "Jellyfin unreachable"},
    returns=obj(status=STR),
)
async def check(request: web.Request) -> web.Response:
    """Tell an outage (503: pause) from a broken track (skip)."""
    item_id = parse_ref(request.query.get("ref"))
    if item_id is None:
        raise InvalidInput("'ref' must be jellyfin:<32 hex>.", details={"field": "ref"})
    status = await _services(request).playback.check(principal_of(request), item_id)
    return json_response({"status": status})
