"""Errors of the Navidrome client; messages are for users and never carry credentials."""

from __future__ import annotations


class NavidromeError(Exception):
    """Any failure talking to Navidrome."""


class NavidromeConnectionError(NavidromeError):
    """Navidrome did not answer (down, unreachable, too slow, or a 5xx from a proxy)."""


class NotSubsonicError(NavidromeError):
    """The URL answered, but not with a `subsonic-response` envelope."""


class NavidromeApiError(NavidromeError):
    """The envelope said `failed`, with a Subsonic error code."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"Navidrome error {code}: {message}")
        self.code = code


class NavidromeAuthError(NavidromeApiError):
    """Wrong username or password (code 40), or token auth refused (41)."""


class NavidromeNotAuthorized(NavidromeApiError):
    """The user may not do that (code 50), e.g. edit another user's playlist or scan."""


class NavidromeNotFound(NavidromeApiError):
    """No such item (code 70)."""


class NavidromeVersionError(NavidromeError):
    """The server is not Navidrome, or a Navidrome older than the integration supports."""
