"""The config entry lifecycle: store, set up, retry with backoff, reload, unload, remove."""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from companion.errors import CompanionError, Conflict, InvalidInput, NotFound
from companion.events import Event
from companion.integration import schema as schema_mod
from companion.integration.diagnostics import REDACTED, redact
from companion.integration.health import EntryHealth
from companion.integration.models import ConfigEntry as ConfigEntryRow
from companion.integration.registry import Integration
from companion.integration.types import (
    ConfigEntry,
    ConfigEntryAuthFailed,
    ConfigEntryNotReady,
    EntryState,
    FlowError,
    FlowResult,
    IntegrationContext,
)

_LOGGER = logging.getLogger(__name__)

RETRY_BASE_SECONDS = 5.0
RETRY_MAX_SECONDS = 300.0
SETUP_TIMEOUT_SECONDS = 60.0
TEST_TIMEOUT_SECONDS = 30.0


def retry_delay(attempt: int, base: float = RETRY_BASE_SECONDS) -> float:
    """Exponential backoff with jitter: base * 2^attempt, capped, +/- 20%."""
    delay = min(base * (2**attempt), RETRY_MAX_SECONDS)
    return float(delay * random.uniform(0.8, 1.2))


class ConfigEntries:
    """Owns every config entry of the install and drives their lifecycle."""

    def __init__(self, ctx: IntegrationContext, integrations: dict[str, Integration]) -> None:
        self._ctx = ctx
        self.integrations = integrations
        self._entries: dict[str, ConfigEntry] = {}
        self._retry_tasks: dict[str, asyncio.Task[None]] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self.retry_base = RETRY_BASE_SECONDS

    # -- reading -----------------------------------------------------------------------------

    def entries(self, domain: str | None = None) -> list[ConfigEntry]:
        """Return the entries, optionally of one domain."""
        return [e for e in self._entries.values() if domain is None or e.domain == domain]

    def get(self, entry_id: str) -> ConfigEntry:
        """Return one entry or raise NotFound."""
        entry = self._entries.get(entry_id)
        if entry is None:
            raise NotFound(code="entry_not_found")
        return entry

    def integration(self, domain: str) -> Integration:
        """Return an integration by domain or raise NotFound."""
        integration = self.integrations.get(domain)
        if integration is None:
            raise NotFound(code="integration_not_found")
        return integration

    def env_values(self, integration: Integration) -> dict[str, str]:
        """Values of this integration's fields that the environment sets."""
        env = self._ctx.settings.environ
        return {
            field: env[var]
            for field, var in integration.manifest.env.items()
            if env.get(var, "") != ""
        }

    def describe(self, entry: ConfigEntry) -> dict[str, Any]:
        """Return the API shape of an entry: secrets hidden, environment overrides named."""
        integration = self.integration(entry.domain)
        data: dict[str, Any] = {}
        for field in integration.schema:
            if field.hidden or entry.data.get(field.name) is None:
                continue
            data[field.name] = REDACTED if field.is_secret else entry.data[field.name]
        labels = {f.name: f.label for f in integration.schema}
        return {
            "entry_id": entry.entry_id,
            "domain": entry.domain,
            "name": integration.manifest.name,
            "title": entry.title,
            "state": entry.state.value,
            "reason": entry.reason,
            "source": entry.source,
            "data": data,
            "env_overrides": {
                name: f"Using {labels.get(name, name)} from environment"
                for name in sorted(entry.env_fields)
            },
            "next_retry_at": entry.next_retry_at.isoformat() if entry.next_retry_at else None,
            "created_at": entry.created_at.isoformat() if entry.created_at else None,
        }

    # -- storage -----------------------------------------------------------------------------

    def _split(
        self, integration: Integration, data: dict[str, Any]
    ) -> tuple[dict[str, Any], str | None]:
        secret_names = {f.name for f in integration.schema if f.is_secret}
        plain = {k: v for k, v in data.items() if k not in secret_names}
        secret = {k: v for k, v in data.items() if k in secret_names}
        return plain, (self._ctx.secret_box.encrypt_json(secret) if secret else None)

    def _effective(self, integration: Integration, row: ConfigEntryRow) -> ConfigEntry:
        data = dict(row.data)
        if row.secrets:
            try:
                data.update(self._ctx.secret_box.decrypt_json(row.secrets))
            except ValueError:
                _LOGGER.error(
                    "Secrets of %s entry %s cannot be decrypted: the secret key changed",
                    row.domain,
                    row.entry_id,
                )
        env = self.env_values(integration)
        data.update(env)
        return ConfigEntry(
            entry_id=row.entry_id,
            domain=row.domain,
            title=row.title,
            data=data,
            options=dict(row.options),
            source=row.source,
            env_fields=frozenset(env),
            created_at=row.created_at,
        )

    async def load(self) -> None:
        """Read stored entries, add environment-only ones, and start setting them up."""
        rows = await ConfigEntryRow.all().order_by("id")
        for row in rows:
            integration = self.integrations.get(row.domain)
            if integration is None:
                _LOGGER.warning(
                    "Config entry %s: integration %s is not installed", row.entry_id, row.domain
                )
                continue
            self._entries[row.entry_id] = self._effective(integration, row)
        for integration in self.integrations.values():
            await self._ensure_env_entry(integration)
        for entry in list(self._entries.values()):
            self._start_setup(entry)

    async def _ensure_env_entry(self, integration: Integration) -> None:
        # The environment alone may configure an integration, with nothing stored via the UI.
        env = self.env_values(integration)
        if self.entries(integration.domain):
            return
        if not env:
            if integration.manifest.zero_config:
                await self._setup_default(integration)
            return
        try:
            data = schema_mod.validate(integration.schema, env)
        except InvalidInput as err:
            if "required" in err.message:
                return
            _LOGGER.error("%s from the environment: %s", integration.manifest.name, err.message)
            return
        row = await ConfigEntryRow.create(
            entry_id=uuid.uuid4().hex,
            domain=integration.domain,
            title=integration.manifest.name,
            data={},
            source="environment",
        )
        entry = self._effective(integration, row)
        entry.data.update(data)
        self._entries[row.entry_id] = entry
        _LOGGER.info("Configured %s from the environment", integration.manifest.name)

    async def _setup_default(self, integration: Integration) -> None:
        """A keyless integration (manifest `zero_config`) offers its defaults without an entry."""
        setup = integration.setup_default
        if setup is None:
            return
        try:
            await setup(self._ctx)
        except Exception:
            _LOGGER.exception("%s could not start with its defaults", integration.manifest.name)

    # -- flows -------------------------------------------------------------------------------

    async def run_test(
        self, integration: Integration, data: dict[str, Any], *, keep: bool = False
    ) -> FlowResult:
        """Run the integration's connection test, mapping failures to error keys.

        Unless `keep` (adding an entry, which stores the result's data_updates), whatever the
        test obtained is released again before this returns.
        """
        result = await self._test(integration, data)
        if not keep:
            await self.release(integration, result)
        return result

    async def release(self, integration: Integration, result: FlowResult) -> None:
        """Give back what a test obtained and nobody keeps (logged, never raised)."""
        if result.release is None:
            return
        try:
            async with asyncio.timeout(TEST_TIMEOUT_SECONDS):
                await result.release()
        except Exception:
            _LOGGER.warning(
                "%s: could not release what a connection test obtained",
                integration.manifest.name,
                exc_info=True,
            )

    async def _test(self, integration: Integration, data: dict[str, Any]) -> FlowResult:
        try:
            async with asyncio.timeout(TEST_TIMEOUT_SECONDS):
                return await integration.test_connection(self._ctx, data)
        except FlowError as err:
            return FlowResult(ok=False, error=err.key, message=err.message)
        except TimeoutError:
            return FlowResult(
                ok=False,
                error="cannot_connect",
                message=f"{integration.manifest.name} did not answer within {TEST_TIMEOUT_SECONDS:.0f} s.",
            )
        except Exception:
            _LOGGER.exception("Unexpected error testing %s", integration.manifest.name)
            return FlowResult(
                ok=False,
                error="unknown",
                message=f"Unexpected error while testing {integration.manifest.name}. "
                "Check the companion log.",
            )

    async def create(self, domain: str, raw: dict[str, Any]) -> tuple[ConfigEntry, FlowResult]:
        """Validate, test, then store and set up a new entry; nothing is saved on failure."""
        integration = self.integration(domain)
        if integration.manifest.single_config_entry and self.entries(domain):
            raise Conflict(
                code="single_instance",
                message=f"{integration.manifest.name} is already configured.",
            )
        env = self.env_values(integration)
        data = schema_mod.validate(integration.schema, raw, present=env)
        result = await self.run_test(integration, {**data, **env}, keep=True)
        if not result.ok:
            raise CompanionError(result.message, code=result.error or "unknown", status=400)
        _apply_updates(data, result.data_updates)
        plain, secret = self._split(integration, data)
        try:
            row = await ConfigEntryRow.create(
                entry_id=uuid.uuid4().hex,
                domain=domain,
                title=result.title or integration.manifest.name,
                data=plain,
                secrets=secret,
            )
        except Exception:
            await self.release(integration, result)
            raise
        entry = self._effective(integration, row)
        self._entries[entry.entry_id] = entry
        self._start_setup(entry)
        return entry, result

    async def test_stored(self) -> list[tuple[str, FlowResult | None]]:
        """Test every stored entry without setting it up: (label, result or None if not installed)."""
        results: list[tuple[str, FlowResult | None]] = []
        for row in await ConfigEntryRow.all().order_by("id"):
            integration = self.integrations.get(row.domain)
            if integration is None:
                results.append((row.domain, None))
                continue
            entry = self._effective(integration, row)
            label = f"{integration.manifest.name} ({entry.title})"
            results.append((label, await self.run_test(integration, dict(entry.data))))
        return results

    async def test(self, entry_id: str) -> FlowResult:
        """Test a stored entry's connection; the running entry and its credentials stay as they are.

        A test never replaces stored credentials: a sign-in it makes uses a device of its own
        and is signed out again, so the token the running entry uses is never revoked.
        """
        entry = self.get(entry_id)
        integration = self.integration(entry.domain)
        return await self.run_test(integration, dict(entry.data))

    # -- lifecycle ---------------------------------------------------------------------------

    def _lock(self, entry_id: str) -> asyncio.Lock:
        return self._locks.setdefault(entry_id, asyncio.Lock())

    def _set_state(self, entry: ConfigEntry, state: EntryState, reason: str | None = None) -> None:
        if entry.state == state and entry.reason == reason:
            return
        previous = entry.state
        entry.state, entry.reason = state, reason
        name = self.integrations[entry.domain].manifest.name
        # Log a service going away once, and its recovery once.
        if state == EntryState.SETUP_RETRY and previous != EntryState.SETUP_RETRY:
            _LOGGER.warning("%s is unavailable (%s); retrying in the background", name, reason)
        elif state == EntryState.LOADED and previous in (
            EntryState.SETUP_RETRY,
            EntryState.UNAVAILABLE,
        ):
            _LOGGER.info("%s is available again", name)
        elif state == EntryState.UNAVAILABLE:
            _LOGGER.warning("%s is unavailable (%s)", name, reason)
        self._ctx.bus.publish(
            Event(
                "integration.state",
                {
                    "entry_id": entry.entry_id,
                    "domain": entry.domain,
                    "state": state.value,
                    "reason": reason,
                },
                source="integrations",
            )
        )

    def _start_setup(self, entry: ConfigEntry) -> None:
        self._cancel_retry(entry.entry_id)
        task = asyncio.get_running_loop().create_task(
            self._setup(entry), name=f"setup:{entry.domain}"
        )
        self._retry_tasks[entry.entry_id] = task

    def _cancel_retry(self, entry_id: str) -> None:
        task = self._retry_tasks.pop(entry_id, None)
        if task is not None and not task.done() and task is not asyncio.current_task():
            task.cancel()

    async def _setup(self, entry: ConfigEntry) -> None:
        integration = self.integrations[entry.domain]
        while True:
            async with self._lock(entry.entry_id):
                if entry.entry_id not in self._entries:
                    return
                self._set_state(entry, EntryState.SETUP_IN_PROGRESS, entry.reason)
                entry.health = self._health(entry)
                try:
                    async with asyncio.timeout(SETUP_TIMEOUT_SECONDS):
                        entry.runtime_data = await integration.setup_entry(self._ctx, entry)
                except (ConfigEntryNotReady, TimeoutError) as err:
                    reason = str(err) or f"{integration.manifest.name} is not ready"
                except ConfigEntryAuthFailed as err:
                    entry.next_retry_at = None
                    self._set_state(
                        entry, EntryState.SETUP_ERROR, str(err) or "Authentication failed"
                    )
                    return
                except Exception as err:
                    _LOGGER.exception("Setting up %s failed", integration.manifest.name)
                    entry.next_retry_at = None
                    self._set_state(
                        entry, EntryState.SETUP_ERROR, f"Unexpected error: {type(err).__name__}"
                    )
                    return
                else:
                    entry.retry_count, entry.next_retry_at = 0, None
                    self._set_state(entry, EntryState.LOADED, None)
                    return
                delay = retry_delay(entry.retry_count, self.retry_base)
                entry.retry_count += 1
                entry.next_retry_at = datetime.now(UTC) + timedelta(seconds=delay)
                self._set_state(entry, EntryState.SETUP_RETRY, reason)
            await asyncio.sleep(delay)

    def _health(self, entry: ConfigEntry) -> EntryHealth:
        def changed(available: bool, reason: str | None) -> None:
            # Only a loaded entry flips; one in setup or retry has its own states.
            if entry.state in (EntryState.LOADED, EntryState.UNAVAILABLE):
                state = EntryState.LOADED if available else EntryState.UNAVAILABLE
                self._set_state(entry, state, reason)

        return EntryHealth(changed)

    async def _unload(self, entry: ConfigEntry) -> None:
        self._cancel_retry(entry.entry_id)
        if entry.health is not None:
            await entry.health.close()
        async with self._lock(entry.entry_id):
            if entry.state in (EntryState.LOADED, EntryState.UNAVAILABLE):
                try:
                    await self.integrations[entry.domain].unload_entry(self._ctx, entry)
                except Exception:
                    _LOGGER.exception("Unloading %s failed", entry.domain)
                    self._set_state(entry, EntryState.FAILED_UNLOAD, "Unload failed")
                    return
            entry.runtime_data = None
            entry.retry_count, entry.next_retry_at = 0, None
            self._set_state(entry, EntryState.NOT_LOADED, None)

    async def reload(self, entry_id: str) -> ConfigEntry:
        """Unload and set up again (re-reading the environment)."""
        entry = self.get(entry_id)
        await self._unload(entry)
        row = await ConfigEntryRow.get_or_none(entry_id=entry_id)
        if row is not None:
            fresh = self._effective(self.integrations[entry.domain], row)
            if entry.source == "environment":
                fresh.data.update(self.env_values(self.integrations[entry.domain]))
            entry.data, entry.env_fields, entry.title = fresh.data, fresh.env_fields, fresh.title
        self._start_setup(entry)
        return entry

    async def remove(self, entry_id: str) -> None:
        """Unload the entry and delete it from storage."""
        entry = self.get(entry_id)
        await self._unload(entry)
        remove_hook = self.integrations[entry.domain].remove_entry
        if remove_hook is not None:
            # Like Home Assistant's async_remove_entry: clean up what lives outside (retained
            # MQTT discovery, for one). A failure there never blocks the deletion.
            try:
                await remove_hook(self._ctx, entry)
            except Exception:
                _LOGGER.exception("Cleaning up after removing %s failed", entry.domain)
        await ConfigEntryRow.filter(entry_id=entry_id).delete()
        self._entries.pop(entry_id, None)
        self._locks.pop(entry_id, None)

    async def wait_setup(self, entry_id: str, timeout: float = 10.0) -> ConfigEntry:
        """Wait until an entry leaves the in-progress state (tests and the CLI use this)."""
        entry = self.get(entry_id)
        async with asyncio.timeout(timeout):
            while entry.state in (EntryState.NOT_LOADED, EntryState.SETUP_IN_PROGRESS):  # noqa: ASYNC110 - polling a plain attribute for tests and the CLI
                await asyncio.sleep(0.01)
        return entry

    async def diagnostics(self, entry_id: str) -> dict[str, Any]:
        """Return the entry's diagnostics with every secret redacted."""
        entry = self.get(entry_id)
        integration = self.integration(entry.domain)
        secret_names = [f.name for f in integration.schema if f.is_secret]
        extra: dict[str, Any] = {}
        if integration.diagnostics is not None and entry.state in (
            EntryState.LOADED,
            EntryState.UNAVAILABLE,
        ):
            try:
                extra = await integration.diagnostics(self._ctx, entry)
            except Exception as err:
                _LOGGER.exception("Diagnostics of %s failed", entry.domain)
                extra = {"error": type(err).__name__}
        secret_values = [str(entry.data[n]) for n in secret_names if entry.data.get(n)]
        body = redact(
            {
                "entry": self.describe(entry),
                "manifest": integration.describe() | {"schema": None},
                "data": entry.data,
                "integration": extra,
            },
            secret_names,
        )
        scrubbed: dict[str, Any] = _scrub_values(body, secret_values)
        return scrubbed

    async def unload_all(self) -> None:
        """Unload every entry (at shutdown)."""
        for entry in list(self._entries.values()):
            await self._unload(entry)


def _apply_updates(data: dict[str, Any], updates: dict[str, Any]) -> None:
    # None means "drop this key" (e.g. a password used once to obtain a token).
    for key, value in updates.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value


def _scrub_values(value: Any, secrets: list[str]) -> Any:
    # Belt and braces: a secret value copied into free text by an integration is masked too.
    if not secrets:
        return value
    if isinstance(value, dict):
        return {k: _scrub_values(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub_values(v, secrets) for v in value]
    if isinstance(value, str):
        for secret in secrets:
            if secret and secret in value:
                value = value.replace(secret, REDACTED)
    return value
