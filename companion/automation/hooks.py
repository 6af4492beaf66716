"""Automation webhooks: created per user, token shown once and stored hashed, rate limited."""

from __future__ import annotations

import hmac
import time
import uuid
from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from companion.accounts.auth import Principal, principal_for
from companion.accounts.models import User
from companion.automation.actions import ACTIONS
from companion.automation.models import AutomationHook
from companion.crypto import hash_token, new_token
from companion.errors import CompanionError, InvalidInput, NotFound, Unauthorized
from companion.ratelimit import FailureLimiter

# Requests per hook per window: plenty for automations, a stop for a runaway loop.
HOOK_RATE = 30
HOOK_WINDOW_SECONDS = 60.0
MAX_HOOKS_PER_USER = 50


@dataclass(frozen=True)
class HookCall:
    """A verified call: the hook and who it acts for."""

    hook_id: str
    name: str
    actions: tuple[str, ...]
    principal: Principal


def describe(hook: AutomationHook) -> dict[str, Any]:
    """Return the API shape of a hook (never the token)."""
    return {
        "id": hook.hook_id,
        "name": hook.name,
        "prefix": hook.prefix,
        "actions": list(hook.actions) or list(ACTIONS),
        "url_path": f"/webhooks/automation/{hook.hook_id}",
        "created_at": hook.created_at.isoformat() if hook.created_at else None,
        "last_used_at": hook.last_used_at.isoformat() if hook.last_used_at else None,
        "use_count": hook.use_count,
    }


def validate_actions(value: Any) -> list[str]:
    """Check an `actions` list (empty or missing means every action)."""
    if value is None:
        return []
    if not isinstance(value, list) or any(a not in ACTIONS for a in value):
        raise InvalidInput(
            f"'actions' must be a list of: {', '.join(ACTIONS)}.", details={"field": "actions"}
        )
    return sorted(set(value))


class RateLimiter:
    """A sliding-window counter per key."""

    def __init__(self, limit: int = HOOK_RATE, window: float = HOOK_WINDOW_SECONDS) -> None:
        self.limit = limit
        self.window = window
        self._hits: dict[str, deque[float]] = defaultdict(deque)

    def hit(self, key: str) -> None:
        """Count one request; 429 with the seconds to wait once over the limit."""
        now = time.monotonic()
        hits = self._hits[key]
        while hits and now - hits[0] > self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            wait = max(1, int(self.window - (now - hits[0])) + 1)
            raise CompanionError(
                f"Too many calls of this hook: at most {self.limit} per "
                f"{int(self.window)} s. Try again in {wait} s.",
                code="rate_limited",
                status=429,
                details={"retry_after": wait},
            )
        hits.append(now)


class AutomationHooks:
    """Create, list, delete and verify automation hooks."""

    def __init__(self, limiter: RateLimiter | None = None) -> None:
        self.limiter = limiter or RateLimiter()
        # Wrong tokens or hook ids per client address before it is refused for a minute.
        self.failures = FailureLimiter(max_failures=20, window_seconds=60.0)

    async def create(
        self, user_id: int, name: str, actions: list[str]
    ) -> tuple[dict[str, Any], str]:
        """Create a hook; return it and its token (shown this once)."""
        if await AutomationHook.filter(user_id=user_id).count() >= MAX_HOOKS_PER_USER:
            raise InvalidInput(f"At most {MAX_HOOKS_PER_USER} hooks per user.", code="too_many")
        token = new_token()
        hook = await AutomationHook.create(
            hook_id=uuid.uuid4().hex,
            user_id=user_id,
            name=name,
            token_hash=hash_token(token),
            prefix=token[:8],
            actions=actions,
        )
        return describe(hook), token

    async def list_all(self, principal: Principal) -> list[dict[str, Any]]:
        """The caller's hooks."""
        hooks = await AutomationHook.filter(user_id=principal.user_id).order_by("id")
        return [describe(h) for h in hooks]

    async def _own(self, principal: Principal, hook_id: str) -> AutomationHook:
        hook = await AutomationHook.get_or_none(hook_id=hook_id, user_id=principal.user_id)
        if hook is None:
            raise NotFound("No such automation hook.", code="hook_not_found")
        return hook

    async def rotate(self, principal: Principal, hook_id: str) -> tuple[dict[str, Any], str]:
        """Issue a new token; the old one stops working at once."""
        hook = await self._own(principal, hook_id)
        token = new_token()
        hook.token_hash, hook.prefix = hash_token(token), token[:8]
        await hook.save(update_fields=["token_hash", "prefix"])
        return describe(hook), token

    async def delete(self, principal: Principal, hook_id: str) -> None:
        """Delete one of the caller's hooks."""
        hook = await self._own(principal, hook_id)
        await hook.delete()

    async def verify(self, hook_id: str, token: str | None) -> HookCall:
        """Check a call's token (constant time) and rate; 401/404/429 otherwise."""
        hook = await AutomationHook.get_or_none(hook_id=hook_id) if len(hook_id) == 32 else None
        if hook is None:
            raise NotFound("No such automation hook.", code="hook_not_found")
        if not token or not hmac.compare_digest(hook.token_hash, hash_token(token)):
            raise Unauthorized(
                "Missing or wrong hook token: send 'Authorization: Bearer <token>'.",
                code="invalid_hook_token",
            )
        self.limiter.hit(hook_id)
        user = await User.get(id=hook.user_id)
        if not user.is_active:
            raise Unauthorized("The hook's owner is signed out for good.", code="user_inactive")
        hook.last_used_at = datetime.now(UTC)
        hook.use_count += 1
        await hook.save(update_fields=["last_used_at", "use_count"])
        return HookCall(hook.hook_id, hook.name, tuple(hook.actions), principal_for(user))
