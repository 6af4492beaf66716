"""Sessions: listing, playback reporting and remote control (section 7)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp import web

from .auth import require, session_of
from .dto_users import session_dto
from .playback import report_playback
from .routes_users import read_json
from .services import services
from .wire import Query, error_text, json_response, no_content, norm_id, now_utc

routes = web.RouteTableDef()


async def _report(request: web.Request, event: str) -> web.Response:
    ctx = require(request)
    svc = services(request)
    body = await read_json(request)
    item = svc.state.library.get(norm_id(str(body.get("itemid") or "")))
    if item is None:
        raise error_text(404)
    session = session_of(svc.state, ctx, request.remote)
    pos = body.get("positionticks")
    report_playback(
        svc,
        session,
        event,
        item,
        int(pos) if pos is not None else (0 if event != "stop" else None),
        bool(body.get("ispaused")),
        norm_id(str(body.get("mediasourceid") or "")),
    )
    if body.get("playmethod"):
        session.play_method = str(body["playmethod"])
    return no_content()


@routes.post("/Sessions/Playing")
async def playing(request: web.Request) -> web.Response:
    """Playback started."""
    return await _report(request, "start")


@routes.post("/Sessions/Playing/Progress")
async def progress(request: web.Request) -> web.Response:
    """Playback progress."""
    return await _report(request, "progress")


@routes.post("/Sessions/Playing/Stopped")
async def stopped(request: web.Request) -> web.Response:
    """Playback stopped."""
    return await _report(request, "stop")


@routes.post("/Sessions/Playing/Ping")
async def ping(request: web.Request) -> web.Response:
    """Keep a transcode alive (nothing to do here)."""
    require(request)
    return no_content()


@routes.get("/Sessions")
async def sessions(request: web.Request) -> web.Response:
    """Admins and API keys see all sessions, users only their own."""
    ctx = require(request)
    st = services(request).state
    q = Query(request)
    out = []
    controllable = q.ident("controllableByUserId")
    device = q.get("deviceId")
    active = q.integer("activeWithinSeconds")
    cutoff = now_utc() - timedelta(seconds=active) if active is not None else None
    for s in st.sessions.values():
        # Non-admins see their own sessions and every session without a user.
        if not ctx.is_admin and s.user_id is not None and s.user_id != ctx.user_id:
            continue
        if controllable is not None and not s.supports_remote_control:
            continue
        if device is not None and s.device_id != device:
            continue
        if cutoff is not None and s.last_activity < cutoff:
            continue
        out.append(session_dto(st, s))
    return json_response(out)


@routes.post("/Sessions/Capabilities")
@routes.post("/Sessions/Capabilities/Full")
async def capabilities(request: web.Request) -> web.Response:
    """Record whether the caller's session can be remote-controlled."""
    ctx = require(request)
    svc = services(request)
    q = Query(request)
    body = await read_json(request) if request.path.endswith("Full") else {}
    smc = q.boolean("supportsMediaControl")
    if smc is None:
        smc = bool(body.get("supportsmediacontrol"))
    session_of(svc.state, ctx, request.remote).supports_remote_control = smc
    return no_content()


@routes.post("/Sessions/Logout")
async def logout(request: web.Request) -> web.Response:
    """Revoke the caller's token."""
    ctx = require(request)
    svc = services(request)
    svc.state.tokens.pop(ctx.token.token, None)
    svc.events.sessions_changed()
    return no_content()


async def _command(request: web.Request, kind: str, data: dict[str, Any]) -> web.Response:
    ctx = require(request)
    svc = services(request)
    sid = request.match_info["sessionId"].replace("-", "").lower()
    if sid not in svc.state.sessions:
        raise error_text(404)
    if ctx.user is not None:
        data["ControllingUserId"] = ctx.user.id
    svc.state.remote_commands.append({"SessionId": sid, "MessageType": kind, "Data": data})
    for c in list(svc.hub.conns):
        if c.session_id == sid:
            await svc.hub.send(c, kind, data)
    return no_content()


@routes.post("/Sessions/{sessionId}/Playing")
async def play(request: web.Request) -> web.Response:
    """Remote play command (PlayNow/PlayNext/PlayLast/...)."""
    q = Query(request)
    data: dict[str, Any] = {
        "ItemIds": q.ids("itemIds"),
        "PlayCommand": q.get("playCommand") or "PlayNow",
    }
    for name, key in (("startPositionTicks", "StartPositionTicks"), ("startIndex", "StartIndex")):
        v = q.integer(name)
        if v is not None:
            data[key] = v
    return await _command(request, "Play", data)


@routes.post("/Sessions/{sessionId}/Playing/{command}")
async def playstate(request: web.Request) -> web.Response:
    """Remote playstate command (Pause/Unpause/Stop/NextTrack/Seek...)."""
    q = Query(request)
    data: dict[str, Any] = {"Command": request.match_info["command"]}
    seek = q.integer("seekPositionTicks")
    if seek is not None:
        data["SeekPositionTicks"] = seek
    return await _command(request, "Playstate", data)


@routes.post("/Sessions/{sessionId}/Command")
async def general(request: web.Request) -> web.Response:
    """Remote general command (body GeneralCommand)."""
    body = await request.json() if request.body_exists else {}
    low = {str(k).lower(): v for k, v in (body or {}).items()}
    data = {"Name": low.get("name"), "Arguments": low.get("arguments") or {}}
    return await _command(request, "GeneralCommand", data)


@routes.post("/Sessions/{sessionId}/Command/{command}")
async def general_named(request: web.Request) -> web.Response:
    """Remote general command by name."""
    return await _command(
        request, "GeneralCommand", {"Name": request.match_info["command"], "Arguments": {}}
    )
