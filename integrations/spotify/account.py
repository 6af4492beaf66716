"""Spotify as an account source: a user signs in (PKCE, their own app) to import their playlists."""

from __future__ import annotations

from typing import Any

from companion.providers import ProviderUnavailable
from companion.providers.sources import (
    AccountPlaylist,
    AccountRejected,
    AccountTokens,
    Progress,
    SourcePlaylist,
    SourcePlaylistMissing,
    SourcePlaylistPrivate,
    SourceTrack,
)
from integrations.spotify.exceptions import (
    SpotifyAuthenticationError,
    SpotifyError,
    SpotifyForbiddenError,
    SpotifyNotFoundError,
)
from integrations.spotify.web_api import SpotifyWebClient


def _track(entry: dict[str, Any]) -> SourceTrack | None:
    # Renamed from `track` to `item` in 2026; accept both. Local files and gone tracks are null.
    item = entry.get("item") or entry.get("track")
    if not isinstance(item, dict) or item.get("type", "track") != "track":
        return None
    raw_album, raw_ids = item.get("album"), item.get("external_ids")
    album: dict[str, Any] = raw_album if isinstance(raw_album, dict) else {}
    ids: dict[str, Any] = raw_ids if isinstance(raw_ids, dict) else {}
    millis = item.get("duration_ms")
    return SourceTrack(
        title=str(item.get("name") or ""),
        artists=tuple(
            str(a["name"])
            for a in item.get("artists") or ()
            if isinstance(a, dict) and a.get("name")
        ),
        album=str(album.get("name")) if album.get("name") else None,
        duration_s=millis / 1000 if isinstance(millis, int | float) and millis > 0 else None,
        isrc=str(ids["isrc"]) if ids.get("isrc") else None,
        source_id=item.get("uri") if isinstance(item.get("uri"), str) else None,
    )


class SpotifyAccountSource:
    """A user's own and collaborative Spotify playlists, with albums and ISRCs."""

    name = "spotify"
    label = "Spotify"

    def __init__(self, client: SpotifyWebClient) -> None:
        self.client = client

    def authorize_url(self, *, state: str, code_challenge: str, redirect_uri: str) -> str:
        """Spotify's authorisation page."""
        return self.client.authorize_url(
            state=state, code_challenge=code_challenge, redirect_uri=redirect_uri
        )

    async def exchange_code(
        self, code: str, code_verifier: str, redirect_uri: str
    ) -> AccountTokens:
        """Tokens for the code Spotify sent back."""
        try:
            access, refresh, expires = await self.client.exchange_code(
                code, code_verifier, redirect_uri
            )
        except SpotifyAuthenticationError as err:
            raise AccountRejected(f"Spotify refused the sign-in: {err}") from err
        except SpotifyError as err:
            raise ProviderUnavailable(f"Spotify did not answer: {err}") from err
        return AccountTokens(access, refresh, expires)

    async def refresh(self, tokens: AccountTokens) -> AccountTokens:
        """Fresh tokens."""
        if not tokens.refresh_token:
            raise AccountRejected("Spotify gave no refresh token: sign in again.")
        try:
            access, refresh, expires = await self.client.refresh(tokens.refresh_token)
        except SpotifyAuthenticationError as err:
            raise AccountRejected("Spotify access was revoked: sign in again.") from err
        except SpotifyError as err:
            raise ProviderUnavailable(f"Spotify did not answer: {err}") from err
        return AccountTokens(access, refresh, expires)

    async def playlists(self, tokens: AccountTokens) -> list[AccountPlaylist]:
        """The user's playlists (owned or followed; only owned/collaborative ones import)."""
        try:
            items = await self.client.my_playlists(tokens.access_token)
        except SpotifyAuthenticationError as err:
            raise AccountRejected("Spotify access expired: sign in again.") from err
        except SpotifyError as err:
            raise ProviderUnavailable(f"Spotify did not answer: {err}") from err
        out = []
        for p in items:
            counts = p.get("items") or p.get("tracks") or {}
            total = counts.get("total") if isinstance(counts, dict) else None
            out.append(
                AccountPlaylist(str(p.get("id") or ""), str(p.get("name") or ""), int(total or 0))
            )
        return out

    async def fetch(
        self, tokens: AccountTokens, playlist_id: str, progress: Progress | None = None
    ) -> SourcePlaylist:
        """Every track of one of the user's playlists."""
        token = tokens.access_token
        try:
            name = await self.client.playlist_name(token, playlist_id)
            entries = await self.client.playlist_items(token, playlist_id)
        except SpotifyAuthenticationError as err:
            raise AccountRejected("Spotify access expired: sign in again.") from err
        except SpotifyForbiddenError as err:
            raise SourcePlaylistPrivate(
                "Spotify lets apps read only playlists you own or collaborate on."
            ) from err
        except SpotifyNotFoundError as err:
            raise SourcePlaylistMissing("Spotify has no such playlist.") from err
        except SpotifyError as err:
            raise ProviderUnavailable(f"Spotify did not answer: {err}") from err
        tracks = tuple(t for t in map(_track, entries) if t is not None and t.title)
        if progress is not None:
            progress(len(tracks), len(tracks))
        return SourcePlaylist(
            name=name or "Spotify playlist",
            source="spotify",
            url=f"https://open.spotify.com/playlist/{playlist_id}",
            tracks=tracks,
        )
