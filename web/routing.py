"""Route tables that carry their auth level and OpenAPI description with them."""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import web

from companion.db.ids import MAX_ID
from companion.errors import NotFound

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
AuthLevel = Literal["public", "user", "admin"]

# `{name}` or `{name:regex}`, where the regex may hold `{n}` / `{n,m}` quantifiers.
_PATH_PARAM = re.compile(r"{([^{}:]+)(?::((?:[^{}]|{\d+(?:,\d*)?})+))?}")

# A larger id in a path is a 404 (no such row) before any query runs.
DIGITS = r"\d+"
HEX32 = "[0-9a-f]{32}"
REF_PATTERN = "^jellyfin:[0-9a-f]{32}$"
# Route parameters written without a pattern get the one of their name, so every route that
# takes a hook id (say) refuses the same malformed values the same way.
PARAM_PATTERNS = {
    "token_id": DIGITS,
    "target_id": DIGITS,
    "hook_id": HEX32,
    "entry_id": HEX32,
    "queue_id": HEX32,
}


def _with_patterns(path: str) -> str:
    def fill(match: re.Match[str]) -> str:
        name, pattern = match.group(1), match.group(2) or PARAM_PATTERNS.get(match.group(1))
        return f"{{{name}:{pattern}}}" if pattern else match.group(0)

    return _PATH_PARAM.sub(fill, path)


def _param_schema(name: str, pattern: str | None) -> dict[str, Any]:
    if pattern == DIGITS:
        return {"type": "integer", "minimum": 0, "maximum": MAX_ID}
    if pattern is not None:
        return {"type": "string", "pattern": f"^(?:{pattern})$"}
    if name == "ref":
        return {"type": "string", "pattern": REF_PATTERN}
    return {"type": "string", "minLength": 1}


def _query_schema(name: str, kind: str) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": kind}
    if name == "ref":
        schema["pattern"] = REF_PATTERN
    elif kind == "integer" and name in ("offset", "limit"):
        schema["minimum"] = 0
    return schema


def _id_checked(handler: Handler, names: list[str]) -> Handler:
    """Answer 404 for a numeric path id no table can hold, before the handler queries."""

    @functools.wraps(handler)
    async def checked(request: web.Request) -> web.StreamResponse:
        for name in names:
            raw = request.match_info[name]
            if len(raw) > len(str(MAX_ID)) or int(raw) > MAX_ID:
                raise NotFound()
        return await handler(request)

    return checked


# `returns=` left out: the route does not say what it answers (a test insists every /api
# route does).
NOT_DECLARED: Any = object()


@dataclass(frozen=True)
class RouteMeta:
    """What a route needs and how it is documented."""

    method: str
    path: str
    summary: str
    auth: AuthLevel = "user"
    tags: tuple[str, ...] = ()
    body: dict[str, Any] | None = None
    query: tuple[tuple[str, str, str], ...] = ()
    responses: dict[str, str] = field(default_factory=dict)
    # The success answer: a JSON Schema (application/json), a media type for other bodies, or
    # None when there is no body (204, redirects).
    returns: Any = NOT_DECLARED


def route_meta(handler: Any) -> RouteMeta | None:
    """Return the RouteMeta attached to a handler, if any."""
    meta = getattr(handler, "__route_meta__", None)
    return meta if isinstance(meta, RouteMeta) else None


class ApiRouter:
    """Collects routes with their metadata; registers them and describes them."""

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.routes: list[tuple[RouteMeta, Handler]] = []

    def route(
        self,
        method: str,
        path: str,
        *,
        summary: str,
        auth: AuthLevel = "user",
        body: dict[str, Any] | None = None,
        query: tuple[tuple[str, str, str], ...] = (),
        responses: dict[str, str] | None = None,
        returns: Any = NOT_DECLARED,
    ) -> Callable[[Handler], Handler]:
        """Decorate a handler: `query` items are (name, JSON type, description).

        `returns` describes the success answer: a JSON Schema, a media type such as
        "image/*", or None for no body.
        """

        def decorate(handler: Handler) -> Handler:
            meta = RouteMeta(
                method,
                _with_patterns(path),
                summary,
                auth,
                (self.tag,),
                body,
                query,
                responses or {},
                returns,
            )
            handler.__route_meta__ = meta  # type: ignore[attr-defined]
            self.routes.append((meta, handler))
            return handler

        return decorate

    def get(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        """Register a GET route."""
        return self.route("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        """Register a POST route."""
        return self.route("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        """Register a PUT route."""
        return self.route("PUT", path, **kw)

    def patch(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        """Register a PATCH route."""
        return self.route("PATCH", path, **kw)

    def delete(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        """Register a DELETE route."""
        return self.route("DELETE", path, **kw)

    def register(self, app: web.Application) -> None:
        """Add every route to the app's router."""
        for meta, handler in self.routes:
            ids = [name for name, pattern in _PATH_PARAM.findall(meta.path) if pattern == DIGITS]
            app.router.add_route(
                meta.method, meta.path, _id_checked(handler, ids) if ids else handler
            )


def _content(returns: Any) -> dict[str, Any]:
    if returns is None:
        return {}
    if isinstance(returns, str):
        return {"content": {returns: {"schema": {}}}}
    return {"content": {"application/json": {"schema": returns}}}


_ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
            "required": ["code", "message"],
        }
    },
}


def openapi_document(routers: list[ApiRouter], version: str) -> dict[str, Any]:
    """Build an OpenAPI 3.1 document of every /api route."""
    paths: dict[str, dict[str, Any]] = {}
    for router in routers:
        for meta, handler in router.routes:
            if not meta.path.startswith("/api"):
                continue
            path = _PATH_PARAM.sub(r"{\1}", meta.path)
            params: list[dict[str, Any]] = [
                {
                    "name": name,
                    "in": "path",
                    "required": True,
                    "schema": _param_schema(name, pattern or None),
                }
                for name, pattern in _PATH_PARAM.findall(meta.path)
            ]
            params += [
                {
                    "name": name,
                    "in": "query",
                    "required": False,
                    "schema": _query_schema(name, kind),
                    "description": desc,
                }
                for name, kind, desc in meta.query
            ]
            responses: dict[str, Any] = {
                code: {"description": text} for code, text in meta.responses.items()
            }
            if not any(code.startswith(("2", "3")) for code in responses):
                success = "204" if meta.returns is None else "200"
                responses[success] = {"description": "No content" if meta.returns is None else "OK"}
            for code, response in responses.items():
                if code.startswith("2") and code != "204" and meta.returns is not NOT_DECLARED:
                    response.update(_content(meta.returns))
            responses["default"] = {
                "description": "Error",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }
            operation: dict[str, Any] = {
                "operationId": handler.__name__,
                "summary": meta.summary,
                "tags": list(meta.tags),
                "parameters": params,
                "responses": responses,
            }
            if meta.auth == "public":
                operation["security"] = []
            elif meta.auth == "admin":
                operation["description"] = "Administrators only."
            if meta.body is not None:
                operation["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": meta.body}},
                }
            paths.setdefault(path, {})[meta.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "Jellyfin Companion API", "version": version},
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": {"Error": _ERROR_SCHEMA},
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "cookie": {"type": "apiKey", "in": "cookie", "name": "companion_session"},
            },
        },
        "security": [{"bearer": []}, {"cookie": []}],
    }
