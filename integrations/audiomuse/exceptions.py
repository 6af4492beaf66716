"""Errors raised by the AudioMuse-AI client."""

from __future__ import annotations


class AudioMuseError(Exception):
    """Base of every AudioMuse client error."""


class AudioMuseConnectionError(AudioMuseError):
    """AudioMuse could not be reached."""


class AudioMuseTimeoutError(AudioMuseConnectionError):
    """AudioMuse did not answer in time."""


class AudioMuseAuthenticationError(AudioMuseError):
    """AudioMuse rejected the API token (401, or a redirect to its login page)."""


class AudioMuseSetupRequiredError(AudioMuseError):
    """AudioMuse answered 403 "Setup required": its setup wizard was never finished."""


class AudioMuseResponseError(AudioMuseError):
    """AudioMuse answered with an error status or an unexpected body."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class AudioMuseNotFoundError(AudioMuseResponseError):
    """404: the track is unknown or not analysed yet, or no result was found."""


class AudioMuseIndexError(AudioMuseResponseError):
    """503: no index is loaded yet (error code 3002, or the CLAP cache is not loaded)."""
