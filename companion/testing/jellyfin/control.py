"""The /__fake__ control plane (no auth): simulate other apps, faults and inspection.

Mounted as a sub-application under /__fake__ so none of its paths can shadow a Jellyfin route.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .library import Track
from .playback import report_playback
from .routes_userdata import set_favorite
from .services import Services, services
from .state import Faults, Session, User, WebhookConfig
from .wire import TICKS_PER_SECOND, json_response, md5_id, no_content, norm_id

routes = web.RouteTableDef()


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        data = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="invalid JSON") from None
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(text="expected a JSON object")
    return data


def _user(svc: Services, name: str) -> User:
    u = svc.state.user_by_name(name)
    if u is None:
        raise web.HTTPNotFound(text=f"no user {name!r}")
    return u


def _item_id(raw: str) -> str:
    iid = norm_id(raw)
    if iid is None:
        raise web.HTTPNotFound(text="bad item id")
    return iid


@routes.route("*", "/users/{username}/favorites/{item_id}")
async def favorite(request: web.Request) -> web.Response:
    """Toggle a favorite as if from another Jellyfin app (POST set, DELETE clear)."""
    svc = services(request)
    user = _user(svc, request.match_info["username"])
    iid = _item_id(request.match_info["item_id"])
    obj = svc.state.library.get(iid) or svc.state.playlists.get(iid)
    if obj is None:
        raise web.HTTPNotFound(text="no such item")
    if request.method not in ("POST", "DELETE"):
        raise web.HTTPMethodNotAllowed(request.method, ["POST", "DELETE"])
    return json_response(set_favorite(svc, user, obj, request.method == "POST"))


@routes.post("/users/{username}/playback")
async def playback(request: web.Request) -> web.Response:
    """Simulate a device session of the user reporting playback."""
    svc = services(request)
    st = svc.state
    user = _user(svc, request.match_info["username"])
    body = await _body(request)
    item = st.library.get(_item_id(str(body.get("item_id", ""))))
    if item is None:
        raise web.HTTPNotFound(text="no such item")
    event = str(body.get("event", "start"))
    if event not in ("start", "progress", "stop"):
        raise web.HTTPBadRequest(text="event must be start|progress|stop")
    device = str(body.get("device") or "Simulated Device")
    client = str(body.get("client") or "Simulated Client")
    device_id = md5_id("device", user.id, device)
    sid = md5_id(client, device_id)
    session = st.sessions.get(sid)
    created = session is None
    if session is None:
        session = Session(sid, user.id, client, device, device_id, "1.0.0")
        session.supports_remote_control = True
        st.sessions[sid] = session
    pos = body.get("position_ticks")
    if pos is None and "position_s" in body:
        pos = int(float(body["position_s"]) * TICKS_PER_SECOND)
    report_playback(
        svc,
        session,
        event,
        item,
        int(pos) if pos is not None else (None if event == "stop" else 0),
        bool(body.get("paused", False)),
    )
    if created:
        svc.events.sessions_changed()
    return json_response({"session_id": sid})


@routes.post("/library/tracks")
async def add_track(request: web.Request) -> web.Response:
    """Add a track (artist/album created as needed); LibraryChanged + delayed ItemAdded."""
    svc = services(request)
    body = await _body(request)
    for key in ("artist", "album", "title"):
        if not body.get(key):
            raise web.HTTPBadRequest(text=f"{key} is required")
    track, new_ids = svc.state.library.add_track(body)
    svc.events.items_added(new_ids)
    return json_response({"id": track.id, "new_ids": new_ids})


@routes.patch("/library/tracks/{item_id}")
async def update_track(request: web.Request) -> web.Response:
    """Change a track's title/genre/year; LibraryChanged ItemsUpdated, a new Etag."""
    svc = services(request)
    item = svc.state.library.get(_item_id(request.match_info["item_id"]))
    if not isinstance(item, Track):
        raise web.HTTPNotFound(text="no such track")
    svc.state.library.update_track(item, await _body(request))
    svc.events.library_changed(updated=[item.id])
    return no_content()


@routes.delete("/library/tracks/{item_id}")
async def delete_track(request: web.Request) -> web.Response:
    """Remove a track; LibraryChanged ItemsRemoved + ItemDeleted."""
    svc = services(request)
    item = svc.state.library.get(_item_id(request.match_info["item_id"]))
    if not isinstance(item, Track):
        raise web.HTTPNotFound(text="no such track")
    svc.events.delete_track(item)
    return no_content()


@routes.put("/library/tracks/{item_id}/size")
async def set_size(request: web.Request) -> web.Response:
    """Set the served byte size of a track (e.g. 50 MB for streaming benchmarks)."""
    svc = services(request)
    item = svc.state.library.get(_item_id(request.match_info["item_id"]))
    if not isinstance(item, Track):
        raise web.HTTPNotFound(text="no such track")
    body = await _body(request)
    item.size_bytes = int(body["size_bytes"]) if body.get("size_bytes") else None
    return no_content()


@routes.put("/webhook")
async def put_webhook(request: web.Request) -> web.Response:
    """Configure the Generic webhook destination."""
    svc = services(request)
    body = await _body(request)
    if not body.get("url"):
        raise web.HTTPBadRequest(text="url is required")
    svc.state.webhook = WebhookConfig(
        url=str(body["url"]),
        headers={str(k): str(v) for k, v in (body.get("headers") or {}).items()},
        send_all_properties=bool(body.get("send_all_properties", True)),
        enable_songs=bool(body.get("enable_songs", True)),
        enable_albums=bool(body.get("enable_albums", True)),
        notification_types=body.get("notification_types"),
        server_url=str(body.get("server_url") or ""),
        out_of_order=bool(body.get("out_of_order", False)),
        split_body=bool(body.get("split_body", False)),
    )
    return no_content()


@routes.delete("/webhook")
async def delete_webhook(request: web.Request) -> web.Response:
    """Remove the webhook destination."""
    services(request).state.webhook = None
    return no_content()


@routes.put("/faults")
async def put_faults(request: web.Request) -> web.Response:
    """Inject latency/errors on REST and drop websockets."""
    svc = services(request)
    body = await _body(request)
    paths = body.get("paths")
    svc.state.faults = Faults(
        latency_ms=float(body.get("latency_ms") or 0),
        error_rate=float(body.get("error_rate") or 0),
        status=int(body.get("status") or 500),
        drop_sockets=bool(body.get("drop_sockets")),
        paths=[str(p) for p in paths] if paths else None,
    )
    if svc.state.faults.drop_sockets:
        await svc.hub.close_all()
    return no_content()


@routes.delete("/faults")
async def delete_faults(request: web.Request) -> web.Response:
    """Reset faults."""
    services(request).state.faults = Faults()
    return no_content()


@routes.get("/requests")
async def get_requests(request: web.Request) -> web.Response:
    """REST requests received (control plane excluded)."""
    return json_response(services(request).state.requests)


@routes.delete("/requests")
async def clear_requests(request: web.Request) -> web.Response:
    """Clear the request log."""
    services(request).state.requests.clear()
    return no_content()


@routes.get("/remote_commands")
async def remote_commands(request: web.Request) -> web.Response:
    """Remote-control commands sent to sessions."""
    return json_response(services(request).state.remote_commands)


@routes.post("/users")
async def add_user(request: web.Request) -> web.Response:
    """Create a user."""
    svc = services(request)
    body = await _body(request)
    name = str(body.get("name") or "")
    if not name or svc.state.user_by_name(name):
        raise web.HTTPBadRequest(text="name missing or taken")
    u = svc.state.add_user(name, str(body.get("password") or ""), bool(body.get("admin")))
    return json_response({"id": u.id})


@routes.delete("/users/{name}")
async def delete_user(request: web.Request) -> web.Response:
    """Delete a user; their tokens stop working."""
    svc = services(request)
    user = _user(svc, request.match_info["name"])
    svc.state.delete_user(user)
    await svc.hub.to_all("UserDeleted", user.id)
    for c in [c for c in svc.hub.conns if c.user_id == user.id]:
        await c.ws.close()
    return no_content()


@routes.post("/users/{name}/disable")
async def disable_user(request: web.Request) -> web.Response:
    """Disable a user (their requests now get 403)."""
    svc = services(request)
    _user(svc, request.match_info["name"]).disabled = True
    return no_content()


@routes.post("/restart")
async def restart(request: web.Request) -> web.Response:
    """Push ServerRestarting to all sockets and close them."""
    hub = services(request).hub
    await hub.to_all("ServerRestarting", "")
    await hub.close_all()
    return no_content()


@routes.get("/state")
async def summary(request: web.Request) -> web.Response:
    """A small summary for humans and demo mode."""
    st = services(request).state
    lib = st.library
    return json_response(
        {
            "version": st.version,
            "server_id": st.server_id,
            "tracks": len(lib.tracks),
            "albums": len(lib.albums),
            "artists": len(lib.artists),
            "users": {u.name: u.id for u in st.users.values()},
            "sessions": len(st.sessions),
            "sockets": len(services(request).hub.conns),
            "webhook": st.webhook.url if st.webhook else None,
            "webhooks_sent": len(st.webhook_log),
        }
    )
