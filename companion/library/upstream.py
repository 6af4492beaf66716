"""Reaching the media provider from services, with its failures mapped to API errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from companion.errors import ServiceUnavailable, Unauthorized
from companion.media import MediaServer
from companion.providers import CredentialsRejected, Providers, ProviderUnavailable


def media_of(providers: Providers) -> MediaServer:
    """The configured media server; 503 jellyfin_unreachable while there is none."""
    media = providers.media
    if media is None:
        raise ServiceUnavailable(code="jellyfin_unreachable")
    return media


@contextmanager
def upstream_errors() -> Iterator[None]:
    """Map provider failures: down or slow → 503, a rejected user token → 401."""
    try:
        yield
    except ProviderUnavailable:
        raise ServiceUnavailable(code="jellyfin_unreachable") from None
    except CredentialsRejected as err:
        raise Unauthorized(str(err), code="jellyfin_signed_out") from None
