"""Errors raised by the ListenBrainz client."""

from __future__ import annotations


class ListenBrainzError(Exception):
    """Base of every ListenBrainz client error."""


class ListenBrainzConnectionError(ListenBrainzError):
    """ListenBrainz could not be reached."""


class ListenBrainzTimeoutError(ListenBrainzConnectionError):
    """ListenBrainz did not answer in time."""


class ListenBrainzAuthenticationError(ListenBrainzError):
    """The user token was refused (401)."""


class ListenBrainzRateLimitError(ListenBrainzError):
    """429: too many requests; retry after `retry_after` seconds."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ListenBrainzResponseError(ListenBrainzError):
    """An error status or an unexpected body."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class ListenBrainzNotFoundError(ListenBrainzResponseError):
    """404: no such user."""


class ListenBrainzBadRequestError(ListenBrainzResponseError):
    """400: the request was refused as invalid (e.g. a listen failed validation)."""
