"""The fake AudioMuse's endpoints (paths, parameters, bodies and errors of v3.4.0)."""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

from aiohttp import web

from companion.testing.audiomuse.catalogue import Song, cosine, text_vector
from companion.testing.audiomuse.core import (
    FAKE,
    SERVER_ID,
    SERVER_NAME,
    AudioMuseBackend,
    index_error,
)
from companion.testing.audiomuse.search import (
    MAX_SONGS_PER_ARTIST,
    alchemy,
    cap_per_artist,
    distance,
    neighbours,
    radius_walk,
    song_path,
)

routes = web.RouteTableDef()
SIMILAR_CACHE_SECONDS = 300.0
SIMILAR_404 = "Target track not found in index or no similar tracks found."


def _fake(request: web.Request) -> AudioMuseBackend:
    return request.app[FAKE]


def _flag(request: web.Request, name: str, default: bool) -> bool:
    # Only the lower-cased 'true' is true; an omitted flag keeps the default.
    raw = request.query.get(name)
    return default if raw is None else raw.lower() == "true"


def _int(request: web.Request, name: str, default: int) -> int:
    # args.get(type=int): junk silently becomes the default.
    try:
        return int(request.query.get(name, default))
    except ValueError:
        return default


def _row(song: Song, **extra: Any) -> dict[str, Any]:
    return {
        "item_id": song.item_id,
        "title": song.title,
        "author": song.author,
        "album": song.album,
        "album_artist": song.album_artist,
        **extra,
    }


def _features(song: Song) -> dict[str, Any]:
    return {
        "mood_vector": song.mood_vector,
        "other_features": song.other_features,
        "top_genre": song.genre.lower(),
        "top_mood": song.top_mood,
    }


async def _json_body(request: web.Request) -> dict[str, Any] | None:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


@routes.get("/api/health")
async def health(request: web.Request) -> web.Response:
    """Always open."""
    return web.json_response({"status": "ok"})


@routes.get("/login")
async def login(request: web.Request) -> web.Response:
    """The login page unauthenticated browsers are sent to."""
    return web.Response(
        text="<html><body>AudioMuse-AI login</body></html>", content_type="text/html"
    )


@routes.get("/api/config")
async def config(request: web.Request) -> web.Response:
    """A flat object of settings, no secrets (third parties use it as a health probe)."""
    return web.json_response(
        {
            "app_version": "v3.4.0",
            "max_songs_per_artist": MAX_SONGS_PER_ARTIST,
            "top_n_moods": 5,
            "path_distance_metric": "angular",
            "alchemy_default_n_results": 100,
            "alchemy_max_n_results": 200,
            "alchemy_temperature": 1.0,
            "alchemy_subtract_distance_angular": 0.2,
            "alchemy_subtract_distance_euclid": 5.0,
        }
    )


@routes.get("/api/servers")
async def servers(request: web.Request) -> web.Response:
    """The configured media servers (one Jellyfin)."""

    return web.json_response(
        {
            "servers": [
                {
                    "server_id": SERVER_ID,
                    "name": SERVER_NAME,
                    "server_type": "jellyfin",
                    "music_libraries": "",
                    "is_default": True,
                }
            ],
            "default_id": SERVER_ID,
            "multi_server_enabled": False,
            "sweep_task": None,
        }
    )


@routes.get("/api/similar_tracks")
async def similar_tracks(request: web.Request) -> web.Response:
    """Similar songs to an item_id (or title + artist), seed excluded."""
    fake = _fake(request)
    q = request.query
    if not fake.state.index_loaded:
        return _index_503("The similarity search service is currently unavailable.")
    seed: Song | None
    if q.get("item_id"):
        seed = fake.song(q["item_id"])
        if seed is None:
            return web.json_response({"error": SIMILAR_404}, status=404)
    elif q.get("title") and q.get("artist"):
        title, artist = q["title"].lower(), q["artist"].lower()
        seed = next(
            (
                s
                for s in fake.state.songs.values()
                if s.title.lower() == title and s.author.lower() == artist
            ),
            None,
        )
        if seed is None:
            msg = f"Track '{q['title']}' by '{q['artist']}' not found in the database."
            return web.json_response({"error": msg}, status=404)
    else:
        return web.json_response(
            {
                "error": "Request must include either 'item_id' or both 'title' and 'artist', "
                "or 'mood' and 'centroid_index'."
            },
            status=400,
        )
    n = max(1, _int(request, "n", 10))
    eliminate = _flag(request, "eliminate_duplicates", True)
    radius = _flag(request, "radius_similarity", True)
    # Identical queries are answered from a 300 s cache, as the real server does.
    key = (seed.item_id, n, eliminate, radius)
    cached = fake.state.similar_cache.get(key)
    if cached is not None and cached[0] > time.monotonic():
        return web.json_response(cached[1])
    ranked = neighbours(seed, list(fake.state.songs.values()), cap=eliminate)
    rows = radius_walk(seed, ranked[: max(n * 2, n + 10)], n) if radius else ranked[:n]
    if not rows:
        return web.json_response({"error": SIMILAR_404}, status=404)
    body = [_row(s, distance=round(distance(seed, s), 6), **_features(s)) for s in rows]
    fake.state.similar_cache[key] = (time.monotonic() + SIMILAR_CACHE_SECONDS, body)
    return web.json_response(body)


def _index_503(message: str) -> web.Response:

    return index_error(message)


@routes.get("/api/search_tracks")
async def search_tracks(request: web.Request) -> web.Response:
    """Every whitespace token must appear in title, author or album."""
    fake = _fake(request)
    q = request.query
    query = q.get("search_query") or " ".join(p for p in (q.get("artist"), q.get("title")) if p)
    start = max(0, _int(request, "start", 0))
    end = min(_int(request, "end", start + 20), start + 500)
    tokens = query.lower().split()
    if not tokens or end <= start:
        return web.json_response([])

    def score(s: Song) -> int:
        return sum(
            3 * (t in s.title.lower()) + 2 * (t in s.author.lower()) + (t in s.album.lower())
            for t in tokens
        )

    hits = [
        s
        for s in fake.state.songs.values()
        if all(t in f"{s.title} {s.author} {s.album}".lower() for t in tokens)
    ]
    hits.sort(key=lambda s: (-score(s), s.title, s.author, s.album))
    return web.json_response([_row(s) for s in hits[start:end]])


@routes.get("/api/track")
async def track(request: web.Request) -> web.Response:
    """One analysed track."""
    item_id = request.query.get("item_id")
    if not item_id:
        return web.json_response({"error": "Missing 'item_id' parameter."}, status=400)
    song = _fake(request).song(item_id)
    if song is None:
        return web.json_response({"error": f"Item '{item_id}' not found."}, status=404)
    return web.json_response(_row(song))


@routes.post("/api/clap/search")
async def clap_search(request: web.Request) -> web.Response:
    """Text search: similarity descending, per-artist cap 3."""
    fake = _fake(request)
    body = await _json_body(request)
    if body is None or "query" not in body:
        return web.json_response(
            {"error": 'Missing "query" in request body', "results": []}, status=400
        )
    query = body["query"]
    if not isinstance(query, str) or not query.strip():
        return web.json_response({"error": "Query cannot be empty", "results": []}, status=400)
    try:
        limit = max(1, min(500, int(body.get("limit", 100))))
    except (TypeError, ValueError):
        return web.json_response(
            {"error": "Invalid or missing request parameter.", "results": []}, status=400
        )
    if not fake.state.index_loaded:
        return web.json_response(
            {"error": "CLAP cache not loaded. Please run song analysis first.", "results": []},
            status=503,
        )
    target = text_vector(query)
    ranked = sorted(fake.state.songs.values(), key=lambda s: (-cosine(s.vector, target), s.item_id))
    rows = cap_per_artist(ranked)[:limit]
    results = [
        {**_row(s), "similarity": round(cosine(s.vector, target), 6), **_features(s)} for s in rows
    ]
    for r in results:
        r.pop("album_artist")
    return web.json_response({"query": query, "results": results, "count": len(results)})


@routes.post("/api/alchemy")
async def song_alchemy(request: web.Request) -> web.Response:
    """ADD/SUBTRACT songs; temperature > 0 samples (random order), 0 is nearest first."""
    fake = _fake(request)
    body = await _json_body(request)
    items = body.get("items") if body else None
    if not isinstance(items, list):
        return web.json_response({"error": "Invalid request"}, status=400)
    add_ids: list[str] = []
    sub_ids: list[str] = []
    for item in items:
        if not isinstance(item, dict) or str(item.get("type", "song")).lower() != "song":
            continue
        op = str(item.get("op", "")).upper()
        (add_ids if op == "ADD" else sub_ids if op == "SUBTRACT" else []).append(
            str(item.get("id"))
        )
    if not add_ids:
        return web.json_response({"error": "Invalid request"}, status=400)
    try:
        n = max(1, min(200, int(body.get("n", 100))))  # type: ignore[union-attr]
        temperature = float(body.get("temperature", 1.0))  # type: ignore[union-attr]
        sub_distance = float(body.get("subtract_distance", 0.2))  # type: ignore[union-attr]
    except (TypeError, ValueError):
        return web.json_response({"error": "Invalid request"}, status=400)
    add = [s for s in (fake.song(i) for i in add_ids) if s is not None]
    sub = [s for s in (fake.song(i) for i in sub_ids) if s is not None]
    empty: dict[str, Any] = {
        "results": [],
        "filtered_out": [],
        "centroid_2d": None,
        "add_centroid_2d": None,
        "subtract_centroid_2d": None,
        "projection": "none",
    }
    if not add:
        return web.json_response(empty)
    results, filtered = alchemy(
        list(fake.state.songs.values()), add, sub, n, temperature, sub_distance, fake.rng
    )

    def full(song: Song, d: float) -> dict[str, Any]:
        return {
            **_row(song),
            "album": song.album or "Unknown",
            "tempo": 120.0,
            "key": "C",
            "scale": "major",
            "energy": 0.5,
            "year": None,
            "rating": None,
            "file_path": f"/music/{song.author}/{song.album}/{song.title}.flac",
            "distance": round(d, 6),
            "embedding_2d": None,
            **_features(song),
        }

    return web.json_response(
        {
            **empty,
            "results": [full(s, d) for s, d in results],
            "filtered_out": [full(s, d) for s, d in filtered],
            "centroid_2d": [0.0, 0.0],
        }
    )


@routes.get("/api/find_path")
async def find_path(request: web.Request) -> web.Response:
    """A path of at most max_steps songs, both endpoints included."""
    fake = _fake(request)
    q = request.query
    start_id, end_id = q.get("start_song_id"), q.get("end_song_id")
    if not start_id:
        return web.json_response(
            {"error": "Start endpoint must be a song, mood, or anchor."}, status=400
        )
    if not end_id:
        return web.json_response(
            {"error": "End endpoint must be a song, mood, or anchor."}, status=400
        )
    if start_id == end_id:
        return web.json_response({"error": "Start and end songs cannot be the same."}, status=400)
    max_steps = max(2, _int(request, "max_steps", 25))
    start, end = fake.song(start_id), fake.song(end_id)
    if start is None or end is None or not fake.state.index_loaded:
        msg = f"No path found between the selected songs within {max_steps} steps."
        return web.json_response({"error": msg}, status=404)
    fix = q.get("path_fix_size", "").lower() in ("1", "true", "yes", "y")
    path = song_path(list(fake.state.songs.values()), start, end, max_steps, fix)
    total = sum(distance(a, b) for a, b in itertools.pairwise(path))
    rows = [
        {**_row(s), "embedding_vector": list(s.vector), "top_genre": s.genre.lower()} for s in path
    ]
    return web.json_response({"path": rows, "total_distance": round(total, 6)})


@routes.get("/api/map")
async def song_map(request: web.Request) -> web.Response:
    """The 2-D map: its rows say `artist` (not `author`) and a single mood label."""
    songs = list(_fake(request).state.songs.values())
    if not songs:
        return web.json_response({"items": [], "projection": "none"})
    items = [
        {
            "artist": s.author,
            "embedding_2d": [round(s.vector[0], 3), round(s.vector[1], 3)],
            "item_id": s.item_id,
            "mood_vector": s.genre.lower(),
            "title": s.title,
        }
        for s in songs
    ]
    return web.json_response({"items": items, "projection": "umap", "count": len(items)})


@routes.post("/api/analysis/start")
async def analysis_start(request: web.Request) -> web.Response:
    """202 with a task id; 409 (code 1201) while another analysis runs."""
    fake = _fake(request)
    now = time.monotonic()
    live = next(
        (t for t in fake.state.tasks.values() if t.state(now)[0] in ("NEW", "RUNNING")), None
    )
    if live is not None:
        state, _ = live.state(now)
        return web.json_response(
            {
                "error_code": 1201,
                "error_class": "Task In Progress",
                "error_message": "Another queue job is already running.",
                "error": "Another queue job is already running.",
                "task_id": live.task_id,
                "status": state,
            },
            status=409,
        )
    task = fake.new_task("main_analysis")
    return web.json_response(
        {"task_id": task.task_id, "task_type": task.task_type, "status": "NEW"}, status=202
    )


@routes.get("/api/status/{task_id}")
async def status(request: web.Request) -> web.Response:
    """A task's state, progress and log."""
    fake = _fake(request)
    task = fake.state.tasks.get(request.match_info["task_id"])
    if task is None:
        return web.json_response(
            {
                "task_id": request.match_info["task_id"],
                "state": "UNKNOWN",
                "status_message": "Task ID not found.",
            },
            status=404,
        )
    now = time.monotonic()
    state, progress = task.state(now)
    return web.json_response(
        {
            "task_id": task.task_id,
            "state": state,
            "status_message": f"Analysis {state.lower()}",
            "progress": progress,
            "running_time_seconds": round(now - task.started, 3),
            "details": {"log": [f"Task {state}"]},
            "task_type_from_db": task.task_type,
        }
    )


@routes.get("/api/active_tasks")
async def active_tasks(request: web.Request) -> web.Response:
    """`{}` when idle, else the newest live task."""
    now = time.monotonic()
    for task in reversed(list(_fake(request).state.tasks.values())):
        state, progress = task.state(now)
        if state in ("NEW", "RUNNING"):
            return web.json_response(
                {
                    "task_id": task.task_id,
                    "parent_task_id": None,
                    "task_type": task.task_type,
                    "sub_type_identifier": None,
                    "status": state,
                    "progress": progress,
                    "details": {},
                    "running_time_seconds": round(now - task.started, 3),
                }
            )
    return web.json_response({})


@routes.get("/api/last_task")
async def last_task(request: web.Request) -> web.Response:
    """The last main task, or NO_PREVIOUS_MAIN_TASK."""
    tasks = list(_fake(request).state.tasks.values())
    if not tasks:
        return web.json_response(
            {
                "task_id": None,
                "task_type": None,
                "status": "NO_PREVIOUS_MAIN_TASK",
                "details": {"log": ["No previous main task found."]},
            }
        )
    now = time.monotonic()
    task = tasks[-1]
    state, progress = task.state(now)
    return web.json_response(
        {
            "task_id": task.task_id,
            "task_type": task.task_type,
            "status": state,
            "progress": progress,
            "details": {},
            "running_time_seconds": round(now - task.started, 3),
        }
    )


@routes.get("/__fake__/requests")
async def fake_requests(request: web.Request) -> web.Response:
    """The request log (control plane, no auth)."""
    return web.json_response(_fake(request).state.requests)


@routes.delete("/__fake__/requests")
async def clear_requests(request: web.Request) -> web.Response:
    """Forget the request log."""
    _fake(request).state.requests.clear()
    return web.Response(status=204)


@routes.put("/__fake__/index")
async def rebuild_index(request: web.Request) -> web.Response:
    """Analyse the library now (instantly)."""
    return web.json_response({"songs": _fake(request).build_index()})


@routes.delete("/__fake__/index")
async def drop_index(request: web.Request) -> web.Response:
    """Forget the index (503/3002 from then on)."""
    _fake(request).drop_index()
    return web.Response(status=204)
