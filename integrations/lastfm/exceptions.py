"""Errors raised by the Last.fm client."""

from __future__ import annotations


class LastFmError(Exception):
    """Base of every Last.fm client error; `code` is Last.fm's error code when it sent one."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class LastFmConnectionError(LastFmError):
    """Last.fm could not be reached, or says it is offline (codes 8, 11, 16)."""


class LastFmTimeoutError(LastFmConnectionError):
    """Last.fm did not answer in time."""


class LastFmAuthenticationError(LastFmError):
    """The user's session or password was refused (codes 4, 9, 14, 15)."""


class LastFmApiKeyError(LastFmError):
    """The install's API key or shared secret was refused (codes 10, 13, 26)."""


class LastFmRateLimitError(LastFmError):
    """Code 29: too many calls; wait before the next."""


class LastFmInvalidParametersError(LastFmError):
    """Code 6: a parameter is missing or wrong (e.g. no such user)."""


class LastFmResponseError(LastFmError):
    """Any other error, or a body that is not what Last.fm sends."""
