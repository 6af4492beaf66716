"""Errors raised by the slskd client."""

from __future__ import annotations


class SlskdError(Exception):
    """Base of every slskd client error."""


class SlskdConnectionError(SlskdError):
    """slskd could not be reached."""


class SlskdTimeoutError(SlskdConnectionError):
    """slskd did not answer in time."""


class SlskdAuthenticationError(SlskdError):
    """slskd rejected the API key (401) or its role (403)."""


class SlskdResponseError(SlskdError):
    """slskd answered with an error status or a body the client cannot read."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class SlskdNotFoundError(SlskdResponseError):
    """404: no such search, transfer or route."""


class SlskdBusyError(SlskdResponseError):
    """429: slskd is handling another search or download request right now."""


class SlskdNotConnectedError(SlskdResponseError):
    """409 on a search: slskd is not connected (or not logged in) to the Soulseek network."""
