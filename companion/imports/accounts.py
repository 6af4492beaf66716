"""Signing in to a playlist service (OAuth 2 with PKCE) to import one's own playlists.

The user's own app client id is configured in the service's integration; the companion keeps
each user's tokens encrypted and refreshes them when they near expiry.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from typing import Any

from companion.accounts.auth import Principal
from companion.crypto import SecretBox
from companion.errors import CompanionError, Forbidden, InvalidInput, NotFound
from companion.imports.models import SourceAccount
from companion.providers import Providers, ProviderUnavailable
from companion.providers.sources import (
    AccountPlaylistSource,
    AccountRejected,
    AccountTokens,
    Progress,
    SourcePlaylist,
    SourcePlaylistPrivate,
)

# Tokens this close to expiry are refreshed first.
REFRESH_MARGIN_SECONDS = 60


def pkce_pair() -> tuple[str, str]:
    """A PKCE code verifier and its S256 challenge (RFC 7636)."""
    verifier = secrets.token_urlsafe(64)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class AccountLinks:
    """Per-user sign-ins at account sources, and imports of the user's own playlists."""

    def __init__(self, providers: Providers, box: SecretBox) -> None:
        self._providers = providers
        self._box = box

    @staticmethod
    def _owner(principal: Principal) -> int:
        if principal.user_id is None:
            raise Forbidden("Sign in to connect a playlist service.")
        return principal.user_id

    def _source(self, name: str) -> AccountPlaylistSource:
        source = self._providers.account_sources.get(name)
        if source is None:
            raise InvalidInput(
                f"Signing in to {name} is not set up: an administrator adds the Client ID of "
                "their Spotify app in Integrations → Spotify.",
                code="import_account_unavailable",
            )
        return source

    async def status(self, principal: Principal) -> list[dict[str, Any]]:
        """Which services can be signed in to, and whether this user is."""
        owner = self._owner(principal)
        linked = {
            a.source for a in await SourceAccount.filter(owner_id=owner, tokens__isnull=False)
        }
        return [
            {"source": name, "label": s.label, "connected": name in linked}
            for name, s in sorted(self._providers.account_sources.items())
        ]

    async def connect(self, principal: Principal, name: str, redirect_uri: str) -> dict[str, str]:
        """Start a sign-in: the service's authorisation URL for the user's browser."""
        source = self._source(name)
        verifier, challenge = pkce_pair()
        state = secrets.token_urlsafe(24)
        account, _ = await SourceAccount.get_or_create(owner_id=self._owner(principal), source=name)
        account.pending_state = state
        account.pending_verifier = self._box.encrypt(verifier)
        account.redirect_uri = redirect_uri
        await account.save()
        url = source.authorize_url(state=state, code_challenge=challenge, redirect_uri=redirect_uri)
        return {"url": url}

    async def callback(
        self,
        principal: Principal,
        name: str,
        code: str | None,
        state: str | None,
        error: str | None,
    ) -> None:
        """Finish a sign-in with the code the service sent back (the state must match)."""
        source = self._source(name)
        account = await SourceAccount.get_or_none(owner_id=self._owner(principal), source=name)
        if account is None or not account.pending_state or state != account.pending_state:
            raise InvalidInput(
                "This sign-in is unknown or expired; start again.", code="oauth_state"
            )
        verifier = self._box.decrypt(account.pending_verifier or "")
        account.pending_state = account.pending_verifier = None
        if error or not code:
            await account.save()
            raise CompanionError(
                f"{source.label} did not grant access ({error or 'no code'}).",
                code="oauth_denied",
                status=400,
            )
        try:
            tokens = await source.exchange_code(code, verifier, account.redirect_uri or "")
        except AccountRejected as err:
            await account.save()
            raise CompanionError(str(err), code="oauth_denied", status=400) from err
        account.tokens = self._seal(tokens)
        await account.save()

    async def disconnect(self, principal: Principal, name: str) -> None:
        """Forget the user's tokens for a service."""
        await SourceAccount.filter(owner_id=self._owner(principal), source=name).delete()

    def _seal(self, tokens: AccountTokens) -> str:
        data = {
            "access_token": tokens.access_token,
            "refresh_token": tokens.refresh_token,
            "expires_at": tokens.expires_at,
        }
        return self._box.encrypt(json.dumps(data))

    async def _tokens(
        self, principal: Principal, name: str
    ) -> tuple[AccountPlaylistSource, AccountTokens, SourceAccount] | None:
        source = self._providers.account_sources.get(name)
        if source is None:
            return None
        account = await SourceAccount.get_or_none(
            owner_id=self._owner(principal), source=name, tokens__isnull=False
        )
        if account is None or account.tokens is None:
            return None
        raw = json.loads(self._box.decrypt(account.tokens))
        tokens = AccountTokens(raw["access_token"], raw.get("refresh_token"), raw["expires_at"])
        if tokens.expires_at - REFRESH_MARGIN_SECONDS < time.time():
            try:
                tokens = await source.refresh(tokens)
            except AccountRejected:
                account.tokens = None
                await account.save()
                raise
            account.tokens = self._seal(tokens)
            await account.save()
        return source, tokens, account

    async def playlists(self, principal: Principal, name: str) -> list[dict[str, Any]]:
        """The user's own playlists at the service."""
        self._source(name)
        found = await self._tokens(principal, name)
        if found is None:
            raise NotFound(f"Connect your {name} account first.", code="import_account_missing")
        source, tokens, _ = found
        try:
            listed = await source.playlists(tokens)
        except AccountRejected as err:
            raise CompanionError(str(err), code="oauth_expired", status=401) from err
        except ProviderUnavailable as err:
            raise CompanionError(str(err), code="import_source_unreachable", status=503) from err
        return [{"id": p.id, "name": p.name, "item_count": p.item_count} for p in listed]

    async def try_fetch(
        self, principal: Principal, name: str, playlist_id: str, progress: Progress | None
    ) -> SourcePlaylist | None:
        """The playlist through the user's own sign-in; None when not signed in or not theirs."""
        found = await self._tokens(principal, name)
        if found is None:
            return None
        source, tokens, _ = found
        try:
            return await source.fetch(tokens, playlist_id, progress)
        except SourcePlaylistPrivate:
            # Not theirs: the service's public page may still show it.
            return None
