"""Errors raised by the Spotify client."""

from __future__ import annotations


class SpotifyError(Exception):
    """Base of every Spotify client error."""


class SpotifyConnectionError(SpotifyError):
    """Spotify could not be reached or timed out."""


class SpotifyNotFoundError(SpotifyError):
    """No public playlist at that id (private, removed, or wrong)."""


class SpotifyResponseError(SpotifyError):
    """Spotify answered something the client cannot read (a changed page)."""


class SpotifyAuthenticationError(SpotifyError):
    """Spotify refused the token or the authorisation code (401, or 400 invalid_grant)."""


class SpotifyForbiddenError(SpotifyError):
    """Spotify refused the request (403): the playlist is not the user's own."""
