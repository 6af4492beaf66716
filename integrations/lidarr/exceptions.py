"""Errors raised by the Lidarr client."""

from __future__ import annotations


class LidarrError(Exception):
    """Base of every Lidarr client error."""


class LidarrConnectionError(LidarrError):
    """Lidarr could not be reached."""


class LidarrTimeoutError(LidarrConnectionError):
    """Lidarr did not answer in time."""


class LidarrAuthenticationError(LidarrError):
    """Lidarr rejected the API key (401)."""


class LidarrResponseError(LidarrError):
    """Lidarr answered with an error status or a body the client cannot read."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class LidarrNotFoundError(LidarrResponseError):
    """404: no such artist, album, command or route (not Lidarr at all, maybe)."""


class LidarrValidationError(LidarrResponseError):
    """400 with Lidarr's list of validation failures (FluentValidation)."""

    def __init__(self, messages: list[str], status: int = 400) -> None:
        super().__init__("; ".join(messages) or "Lidarr refused the request", status)
        self.messages = messages
