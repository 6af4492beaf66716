"""Providers: what integrations provide to the core, declared as protocols so the core never
imports an integration (identity, live sources and their facts, remote playlists, similarity
engines and mixes); the media-server protocol itself is in `companion.media`.

May import the core's plain modules (errors, media) only.
"""

from companion.providers.registry import (
    CredentialsRejected,
    ExternalIdentity,
    IdentityProvider,
    Providers,
    ProviderUnavailable,
)

__all__ = [
    "CredentialsRejected",
    "ExternalIdentity",
    "IdentityProvider",
    "ProviderUnavailable",
    "Providers",
]
