"""Linking a user's scrobble accounts: check the credentials, keep the secret encrypted, the
per-user switch, backfill, retry and the delivery log."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from companion.accounts.models import User
from companion.crypto import SecretBox
from companion.errors import BadRequest, Conflict, InvalidInput, NotFound, ServiceUnavailable
from companion.events import Event, EventBus
from companion.listening.models import ScrobbleAccount, ScrobbleOutbox
from companion.listening.outbox import STATE_EVENT
from companion.listening.senders import NOT_SET_UP, SERVICE_NAMES
from companion.providers import CredentialsRejected, Providers, ProviderUnavailable

SERVICES = ("listenbrainz", "lastfm", "jellyfin")
MAX_FIELD = 1000


def parse_date(value: Any, field: str) -> datetime | None:
    """An ISO date or date-time (UTC when it has no zone); None for null."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(
            f"'{field}' must be an ISO date such as 2024-01-31.", details={"field": field}
        )
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(
            f"'{field}' must be an ISO date such as 2024-01-31.", details={"field": field}
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class ScrobbleAccounts:
    """The API's view of scrobble accounts; the outbox worker is woken on every change."""

    def __init__(self, providers: Providers, box: SecretBox, bus: EventBus, wake: Any) -> None:
        self._providers = providers
        self._box = box
        self._bus = bus
        self._wake = wake

    @staticmethod
    def _service(service: str) -> str:
        if service not in SERVICES:
            raise NotFound("No such scrobble service.", code="scrobble_service_not_found")
        return service

    async def _account(self, user: User, service: str) -> ScrobbleAccount:
        account = await ScrobbleAccount.get_or_none(user_id=user.id, service=self._service(service))
        if account is None:
            raise NotFound(f"{SERVICE_NAMES[service]} is not linked.", code="scrobble_not_linked")
        account.user = user
        return account

    async def describe(self, user: User, service: str) -> dict[str, Any]:
        """One service as the user sees it."""
        account = await ScrobbleAccount.get_or_none(user_id=user.id, service=service)
        target = self._providers.scrobblers.get(service)
        available = (
            self._providers.play_history is not None
            if service == "jellyfin"
            else target is not None
        )
        out: dict[str, Any] = {
            "service": service,
            "name": SERVICE_NAMES[service],
            "available": available,
            "link_fields": list(target.link_fields) if target is not None else [],
            "linked": account is not None,
        }
        if account is None:
            return {**out, "enabled": False}
        counts = Counter(
            str(s)
            for s in await ScrobbleOutbox.filter(account_id=account.id).values_list(
                "status", flat=True
            )
        )
        return {
            **out,
            "account_name": account.account_name or None,
            "enabled": account.enabled,
            "since": account.since.isoformat(),
            "status": account.status,
            "last_error": account.last_error,
            "retry_at": account.retry_at.isoformat() if account.retry_at else None,
            "last_sent_at": account.last_sent_at.isoformat() if account.last_sent_at else None,
            "counts": {k: counts.get(k, 0) for k in ("pending", "sent", "ignored", "failed")},
        }

    async def services(self, user: User) -> list[dict[str, Any]]:
        """Every service with the user's link state."""
        return [await self.describe(user, s) for s in SERVICES]

    async def link(self, user: User, service: str, body: dict[str, Any]) -> dict[str, Any]:
        """Link (or re-link) an account; nothing is stored when the service refuses."""
        self._service(service)
        if not user.jellyfin_id:
            raise BadRequest("Sign in with Jellyfin first.", code="jellyfin_sign_in_required")
        enabled = body.get("enabled", True)
        if not isinstance(enabled, bool):
            raise InvalidInput("'enabled' must be true or false.", details={"field": "enabled"})
        since = parse_date(body.get("backfill_from"), "backfill_from") or datetime.now(UTC)
        name, secret = "", None
        if service != "jellyfin":
            target = self._providers.scrobblers.get(service)
            if target is None:
                raise Conflict(
                    NOT_SET_UP.format(name=SERVICE_NAMES[service]), code="scrobble_service_missing"
                )
            credentials = {}
            for field in (*target.link_fields, "token"):
                value = body.get(field)
                if value is not None and (not isinstance(value, str) or len(value) > MAX_FIELD):
                    raise InvalidInput(f"'{field}' must be a string.", details={"field": field})
                if value:
                    credentials[field] = value
            try:
                linked = await target.link(credentials)
            except CredentialsRejected as err:
                raise BadRequest(str(err), code="scrobble_rejected") from None
            except ProviderUnavailable as err:
                raise ServiceUnavailable(str(err), code="scrobble_unreachable") from None
            name, secret = linked.name, self._box.encrypt(linked.secret)
        account = await ScrobbleAccount.get_or_none(user_id=user.id, service=service)
        if account is None:
            account = ScrobbleAccount(user=user, service=service)
        account.account_name, account.secret, account.enabled = name, secret, enabled
        account.since, account.scan_cursor = since, 0
        account.status, account.last_error, account.failures, account.retry_at = "ok", None, 0, None
        await account.save()
        account.user = user
        self._changed(account)
        return await self.describe(user, service)

    async def update(self, user: User, service: str, body: dict[str, Any]) -> dict[str, Any]:
        """The switch, and backfill: send plays from an earlier date too."""
        account = await self._account(user, service)
        if "enabled" in body:
            if not isinstance(body["enabled"], bool):
                raise InvalidInput("'enabled' must be true or false.", details={"field": "enabled"})
            account.enabled = body["enabled"]
        if "backfill_from" in body:
            since = parse_date(body["backfill_from"], "backfill_from")
            if since is None:
                raise InvalidInput(
                    "'backfill_from' must be a date.", details={"field": "backfill_from"}
                )
            account.since, account.scan_cursor = since, 0
        await account.save()
        self._changed(account)
        return await self.describe(user, service)

    async def unlink(self, user: User, service: str) -> None:
        """Forget the link, its secret and its outbox."""
        account = await self._account(user, service)
        await account.delete()

    async def retry(self, user: User, service: str) -> dict[str, Any]:
        """Send again now: failed rows go back to pending, the backoff is cleared."""
        account = await self._account(user, service)
        if account.status == "rejected":
            raise BadRequest(
                f"{SERVICE_NAMES[service]} rejected the link. Link the account again.",
                code="scrobble_rejected",
            )
        await ScrobbleOutbox.filter(account_id=account.id, status="failed").update(
            status="pending", last_error=None
        )
        account.status, account.failures, account.retry_at = "ok", 0, None
        await account.save()
        self._changed(account)
        return await self.describe(user, service)

    async def log(self, user: User, service: str, limit: int) -> list[dict[str, Any]]:
        """The latest outbox rows (the delivery log)."""
        account = await self._account(user, service)
        rows = (
            await ScrobbleOutbox.filter(account_id=account.id).order_by("-listened_at").limit(limit)
        )
        return [
            {
                "play_id": r.play_id,
                "listened_at": r.listened_at.isoformat(),
                "status": r.status,
                "attempts": r.attempts,
                "last_error": r.last_error,
                "sent_at": r.sent_at.isoformat() if r.sent_at else None,
            }
            for r in rows
        ]

    def _changed(self, account: ScrobbleAccount) -> None:
        self._bus.publish(
            Event(
                STATE_EVENT,
                {"service": account.service, "status": account.status, "enabled": account.enabled},
                user_id=account.user.jellyfin_id,
            )
        )
        self._wake()
