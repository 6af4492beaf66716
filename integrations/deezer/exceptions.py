"""Errors raised by the Deezer client."""

from __future__ import annotations


class DeezerError(Exception):
    """Base of every Deezer client error."""


class DeezerConnectionError(DeezerError):
    """Deezer could not be reached."""


class DeezerTimeoutError(DeezerConnectionError):
    """Deezer did not answer in time."""


class DeezerResponseError(DeezerError):
    """Deezer answered with an error (an HTTP status, or an HTTP-200 error object)."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class DeezerQuotaError(DeezerResponseError):
    """Too many requests (error code 4) or service busy (700), still so after retries."""


class DeezerNotFoundError(DeezerResponseError):
    """No such item (DataException 800: a removed playlist or a wrong id)."""


class DeezerPermissionError(DeezerResponseError):
    """The item is private (OAuthException 200)."""
