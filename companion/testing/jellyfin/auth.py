"""Authorization header parsing and token resolution per reference section 1."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote

from aiohttp import web

from .state import Session, State, Token, User
from .wire import Query, bare, error_text, norm_id


@dataclass(slots=True)
class AuthContext:
    """Who is calling: a user token or an API key (admin without a user)."""

    token: Token
    user: User | None
    # The request's own Authorization fields: they win over the token's device record, and only
    # missing ones come from it (AuthorizationContext.GetAuthorizationInfoFromDictionary).
    header: dict[str, str] = field(default_factory=dict)

    def _field(self, key: str, stored: str) -> str:
        value = self.header.get(key, "").strip()
        return value or stored

    @property
    def client(self) -> str:
        """The calling client's name."""
        return self._field("Client", self.token.client)

    @property
    def device(self) -> str:
        """The calling device's name."""
        return self._field("Device", self.token.device)

    @property
    def device_id(self) -> str:
        """The calling device's id (sessions are keyed on Client + DeviceId)."""
        return self._field("DeviceId", self.token.device_id)

    @property
    def version(self) -> str:
        """The calling client's version."""
        return self._field("Version", self.token.version)

    @property
    def is_api_key(self) -> bool:
        """Whether this is an API key."""
        return self.token.is_api_key

    @property
    def user_id(self) -> str | None:
        """The caller's user id (None for an API key)."""
        return self.user.id if self.user is not None else None

    @property
    def is_admin(self) -> bool:
        """API keys count as administrators."""
        return self.token.is_api_key or bool(self.user and self.user.is_admin)


# A plain string key: aiohttp < 3.14 (pinned for aioresponses) has no typed RequestKey.
AUTH_KEY = "fake_jellyfin_auth"


def parse_header(value: str, legacy: bool) -> dict[str, str] | None:
    """Parse `MediaBrowser Key="v", ...`; keys are case-sensitive, values url-decoded."""
    value = value.strip()
    scheme, _, rest = value.partition(" ")
    allowed = ("mediabrowser", "emby") if legacy else ("mediabrowser",)
    if scheme.lower() not in allowed:
        return None
    out: dict[str, str] = {}
    for part in rest.split(","):
        key, sep, val = part.strip().partition("=")
        if not sep:
            continue
        val = val.strip()
        if len(val) >= 2 and val[0] == '"' and val[-1] == '"':
            val = val[1:-1]
        out[key.strip()] = unquote(val)
    return out


def header_fields(request: web.Request, state: State) -> dict[str, str]:
    """Return the parsed authorization header fields honouring the version's sources."""
    legacy = state.legacy_auth
    sources = ["Authorization"]
    if legacy:
        # 10.10 reads X-Emby-Authorization first; 10.11 reads Authorization first.
        sources = (
            ["X-Emby-Authorization", "Authorization"]
            if state.vt < (10, 11)
            else ["Authorization", "X-Emby-Authorization"]
        )
    for name in sources:
        raw = request.headers.get(name)
        if raw:
            parsed = parse_header(raw, legacy)
            if parsed is not None:
                return parsed
    return {}


def find_token(request: web.Request, state: State) -> str | None:
    """Return the presented token string following the version's precedence."""
    fields = header_fields(request, state)
    q = Query(request)
    candidates = [fields.get("Token")]
    if state.legacy_auth:
        candidates += [
            request.headers.get("X-Emby-Token"),
            request.headers.get("X-MediaBrowser-Token"),
        ]
    candidates.append(q.get("ApiKey"))
    if state.legacy_auth:
        candidates.append(q.get("api_key"))
    for c in candidates:
        if c:
            return c.strip()
    return None


def resolve(request: web.Request, state: State) -> tuple[AuthContext | None, bool]:
    """Return (context, presented) where presented says a token was sent at all."""
    raw = find_token(request, state)
    if not raw:
        return None, False
    tok = state.tokens.get(raw) or state.tokens.get(raw.lower())
    if tok is None:
        return None, True
    user = None
    if tok.user_id is not None:
        user = state.users.get(tok.user_id)
        if user is None:
            return None, True
    return AuthContext(tok, user, header_fields(request, state)), True


def require(request: web.Request, admin: bool = False) -> AuthContext:
    """Return the caller or raise 401 (no/bad token) / 403 (disabled, or not admin)."""
    ctx = request.get(AUTH_KEY)
    if not isinstance(ctx, AuthContext):
        raise bare(401)
    if ctx.user is not None and ctx.user.disabled:
        raise bare(403)
    if admin and not ctx.is_admin:
        raise bare(403)
    return ctx


def user_from_query(
    request: web.Request, ctx: AuthContext, state: State, required: bool = False
) -> User | None:
    """Resolve the effective user: ?userId= (admin may name anyone) else the caller."""
    q = Query(request)
    uid = q.ident("userId")
    return user_for(uid, ctx, state, required)


def user_for(
    uid: str | None, ctx: AuthContext, state: State, required: bool = False
) -> User | None:
    """Resolve a named user id against the caller's rights."""
    if uid is None:
        if ctx.user is None and required:
            raise error_text(404)
        return ctx.user
    if ctx.user is not None and ctx.user.id != uid and not ctx.is_admin:
        raise bare(403)
    user = state.users.get(uid)
    if user is None:
        raise error_text(404)
    return user


def path_id(request: web.Request, name: str = "id") -> str:
    """Return a path GUID normalised (hyphens accepted) or 404."""
    v = norm_id(request.match_info.get(name))
    if v is None:
        raise error_text(404)
    return v


def session_of(state: State, ctx: AuthContext, remote: str | None) -> Session:
    """The session of the calling client and device (keyed on the header's Client+DeviceId)."""
    return state.session_for(
        ctx.token,
        remote or "127.0.0.1",
        client=ctx.client,
        device=ctx.device,
        device_id=ctx.device_id,
        version=ctx.version,
    )
