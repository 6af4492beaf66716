"""Exceptions raised by the Jellyfin client; none of their messages carry a token."""

from __future__ import annotations


class JellyfinError(Exception):
    """Base of every Jellyfin error."""


class JellyfinConnectionError(JellyfinError):
    """Jellyfin could not be reached (refused, DNS, reset, TLS)."""


class JellyfinTimeoutError(JellyfinConnectionError):
    """Jellyfin did not answer in time."""


class JellyfinTLSError(JellyfinConnectionError):
    """The TLS handshake with Jellyfin failed (certificate or protocol)."""


class JellyfinAuthenticationError(JellyfinError):
    """Jellyfin rejected the credentials (401)."""

    status = 401


class JellyfinForbiddenError(JellyfinAuthenticationError):
    """The credentials are valid but lack the right (403: not an admin, disabled, device denied).

    It derives from JellyfinAuthenticationError because, to the companion, both mean "these
    credentials cannot do this"; catch this class first to tell them apart.
    """

    status = 403


class JellyfinNotFoundError(JellyfinError):
    """The item, user, playlist or route does not exist (404)."""


class JellyfinResponseError(JellyfinError):
    """Jellyfin answered with an error status or a body the client cannot read."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class JellyfinUnsupportedVersionError(JellyfinError):
    """The server is older than the companion supports."""
