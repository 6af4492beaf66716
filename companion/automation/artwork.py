"""Signed, expiring artwork URLs that Home Assistant can fetch without a session.

A URL names the item, the Jellyfin user whose access is used, an expiry and an HMAC under the
install key. The expiry is rounded up to the hour so a track keeps one URL while it plays (Home
Assistant's image entity refetches whenever the URL changes).
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from companion.accounts.auth import Principal, principal_for
from companion.accounts.models import User
from companion.crypto import SecretBox
from companion.media import make_ref

PATH = "/api/artwork/{ref}"
# Home Assistant fetches an image entity's URL lazily (when a dashboard shows it), so a URL must
# outlive the play: a day, rounded up to the next hour.
TTL_SECONDS = 24 * 3600
BUCKET_SECONDS = 3600
IMAGE_SIZE = 512


def _message(item_id: str, user_id: str, expires: int) -> str:
    return f"artwork|{item_id}|{user_id}|{expires}"


def signed_path(box: SecretBox, item_id: str, user_id: str, now: float | None = None) -> str:
    """The path and query of a signed artwork URL, valid for at least TTL_SECONDS."""
    at = time.time() if now is None else now
    expires = int(-(-(at + TTL_SECONDS) // BUCKET_SECONDS) * BUCKET_SECONDS)
    query = urlencode(
        {"u": user_id, "exp": expires, "sig": box.sign(_message(item_id, user_id, expires))}
    )
    return f"{PATH.format(ref=make_ref(item_id))}?{query}"


def check(
    box: SecretBox, item_id: str, user_id: str, expires: str, signature: str, now: float
) -> str | None:
    """None when the signature is good and unexpired, else the error code to answer."""
    if not expires.isdigit() or not box.verify(_message(item_id, user_id, int(expires)), signature):
        return "invalid_signature"
    if int(expires) < now:
        return "expired"
    return None


async def viewer(user_id: str) -> Principal | None:
    """The principal whose Jellyfin access fetches the art, or None once they signed out."""
    user = await User.get_or_none(jellyfin_id=user_id, is_active=True) if user_id else None
    return principal_for(user) if user is not None else None
