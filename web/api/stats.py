"""Listening statistics and the year in review, with its "Top of <year>" playlist."""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web

from companion import keys
from companion.accounts.auth import Principal
from companion.errors import CompanionError, Forbidden, InvalidInput
from companion.history import stats
from companion.listening.review import DEFAULT_SIZE, MAX_SIZE, top_of_year
from companion.media import Album
from companion.providers import CredentialsRejected, ProviderUnavailable
from web.json import json_response, read_json
from web.middlewares import principal_of
from web.routing import ApiRouter
from web.schemas import INT, OBJ, PLAYLIST, STR, arr, obj

router = ApiRouter("stats")


def _user(principal: Principal) -> str:
    if principal.jellyfin_id is None:
        raise Forbidden(
            "Sign in with Jellyfin to have a history.", code="jellyfin_sign_in_required"
        )
    return principal.jellyfin_id


def genres_of(request: web.Request, principal: Principal) -> stats.GenresOf:
    """Album genres as Jellyfin knows them, through the batch resolver (None while it is down)."""
    music = request.app[keys.MUSIC]

    async def lookup(album_ids: list[str]) -> dict[str, list[str]] | None:
        try:
            items = await music.resolver.resolve(await music.credential(principal), album_ids)
        except (CompanionError, ProviderUnavailable, CredentialsRejected):
            return None
        return {
            item.ref.partition(":")[2]: list(item.genres)
            for item in items
            if isinstance(item, Album)
        }

    return lookup


def _limit(request: web.Request, default: int = 10, high: int = 100) -> int:
    raw = request.query.get("limit")
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput("'limit' must be a whole number.", details={"field": "limit"}) from None
    if not 1 <= value <= high:
        raise InvalidInput(f"'limit' must be between 1 and {high}.", details={"field": "limit"})
    return value


def parse_year(raw: str) -> int:
    """A calendar year from 2002 (the first scrobbles) to next year."""
    try:
        year = int(raw)
    except ValueError:
        raise InvalidInput(
            "The year must be a number such as 2025.", details={"field": "year"}
        ) from None
    if not 2000 <= year <= datetime.now(UTC).year + 1:
        raise InvalidInput("No such year to review.", details={"field": "year"})
    return year


@router.get(
    "/api/stats",
    summary="Your listening statistics for a week, month, year or all time",
    query=(
        ("period", "string", "week, month, year (rolling) or all (default month)"),
        ("limit", "integer", "Rows per top list (1-100, default 10)"),
    ),
    returns=obj(period=STR, plays=INT, top_tracks=arr(OBJ), top_artists=arr(OBJ)),
)
async def overview(request: web.Request) -> web.Response:
    """Top tracks, artists, albums and genres, listening time, streaks, new artists."""
    principal = principal_of(request)
    period = request.query.get("period", "month")
    if period not in stats.STATS_PERIODS:
        raise InvalidInput(
            "'period' must be week, month, year or all.", details={"field": "period"}
        )
    window = stats.Window.rolling(period)
    body = await stats.overview(
        _user(principal),
        window,
        _limit(request),
        genres_of(request, principal),
        request.app[keys.SETTINGS].zone,
    )
    return json_response(body)


@router.get(
    "/api/stats/years",
    summary="Years that have counted plays, newest first",
    returns=obj(years=arr(INT)),
)
async def years(request: web.Request) -> web.Response:
    """The years a review can be made of."""
    zone = request.app[keys.SETTINGS].zone
    return json_response({"years": await stats.years(_user(principal_of(request)), zone)})


@router.get(
    "/api/stats/review/{year:\\d+}",
    summary="The year in review: totals, months, hours, tops, streaks, new artists",
    query=(("limit", "integer", "Rows per top list (1-100, default 10)"),),
    returns=OBJ,
)
async def review(request: web.Request) -> web.Response:
    """One calendar year (UTC)."""
    principal = principal_of(request)
    year = parse_year(request.match_info["year"])
    body = await stats.review(
        _user(principal),
        year,
        _limit(request),
        genres_of(request, principal),
        request.app[keys.SETTINGS].zone,
    )
    return json_response(body)


@router.post(
    "/api/stats/review/{year:\\d+}/playlist",
    summary='Make (or refresh) your "Top of <year>" playlist and push it to Jellyfin',
    body={"type": "object", "properties": {"size": {"type": "integer", "minimum": 1}}},
    responses={
        "200": "The playlist (its sync state says whether Jellyfin has it yet)",
        "409": "No counted plays that year",
    },
    returns=PLAYLIST,
)
async def review_playlist(request: web.Request) -> web.Response:
    """The year's most played tracks as a companion playlist."""
    principal = principal_of(request)
    year = parse_year(request.match_info["year"])
    body = await read_json(request) if request.can_read_body else {}
    size = body.get("size", DEFAULT_SIZE)
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_SIZE:
        raise InvalidInput(
            f"'size' must be a whole number from 1 to {MAX_SIZE}.", details={"field": "size"}
        )
    _user(principal)
    playlist = await top_of_year(
        request.app[keys.PLAYLISTS], principal, year, size, request.app[keys.SETTINGS].zone
    )
    return json_response(playlist)
