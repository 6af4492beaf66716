"""Errors raised by the YouTube Music client."""

from __future__ import annotations


class YTMusicError(Exception):
    """Base of every YouTube Music client error."""


class YTMusicConnectionError(YTMusicError):
    """YouTube Music could not be reached or timed out."""


class YTMusicNotFoundError(YTMusicError):
    """The playlist is not visible without an account (private) or does not exist."""
