"""Types shared by the integration framework and the integrations themselves."""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import aiohttp

    from companion.crypto import SecretBox
    from companion.events import EventBus
    from companion.integration.health import EntryHealth
    from companion.settings import Settings

from companion.providers import Providers

FieldType = Literal["string", "url", "password", "integer", "boolean", "select"]
ErrorKey = Literal["cannot_connect", "invalid_auth", "unknown"]


@dataclass(frozen=True)
class Field:
    """One input of a config flow's schema."""

    name: str
    label: str
    type: FieldType = "string"
    required: bool = True
    default: Any = None
    secret: bool = False
    help: str | None = None
    options: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    # Set by the flow itself (e.g. a token obtained from a password), never asked of users.
    hidden: bool = False

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON description used to render a form."""
        out: dict[str, Any] = {
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "required": self.required,
            "secret": self.secret or self.type == "password",
        }
        if self.default is not None:
            out["default"] = self.default
        if self.help:
            out["help"] = self.help
        if self.options:
            out["options"] = list(self.options)
        if self.minimum is not None:
            out["minimum"] = self.minimum
        if self.maximum is not None:
            out["maximum"] = self.maximum
        return out

    @property
    def is_secret(self) -> bool:
        """Tell whether the value must be encrypted and never shown."""
        return self.secret or self.type == "password"


class FlowError(Exception):
    """Raised by test_connection; carries one of the error keys and a human message."""

    key: ErrorKey = "unknown"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CannotConnect(FlowError):
    """The service could not be reached (or did not answer like the expected service)."""

    key = "cannot_connect"


class InvalidAuth(FlowError):
    """The service rejected the credentials."""

    key = "invalid_auth"


class ConfigEntryNotReady(Exception):
    """Raised by async_setup_entry when the service is down; the entry is retried later."""


class ConfigEntryAuthFailed(Exception):
    """Raised by async_setup_entry when credentials are rejected; no automatic retry."""


@dataclass(frozen=True)
class FlowResult:
    """The outcome of testing a connection."""

    ok: bool
    title: str | None = None
    error: ErrorKey | None = None
    message: str | None = None
    warnings: tuple[str, ...] = ()
    data_updates: dict[str, Any] = field(default_factory=dict)
    # Gives back what the test obtained for `data_updates` (a sign-in's token) when they are
    # not kept: only adding an entry keeps them; a test of settings or of a running entry
    # must leave nothing behind and invalidate nothing.
    release: Callable[[], Awaitable[None]] | None = field(default=None, repr=False, compare=False)

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON shape of a test result."""
        out: dict[str, Any] = {"ok": self.ok, "warnings": list(self.warnings)}
        if self.title:
            out["title"] = self.title
        if self.error:
            out["error"] = {"code": self.error, "message": self.message}
        return out


class EntryState(enum.StrEnum):
    """Where a config entry is in its lifecycle (Home Assistant's names)."""

    NOT_LOADED = "not_loaded"
    SETUP_IN_PROGRESS = "setup_in_progress"
    LOADED = "loaded"
    # Loaded, but its recent calls failed (the service is down); back to loaded on success.
    UNAVAILABLE = "unavailable"
    SETUP_RETRY = "setup_retry"
    SETUP_ERROR = "setup_error"
    FAILED_UNLOAD = "failed_unload"


@dataclass
class ConfigEntry:
    """A configured integration instance at runtime (effective, decrypted data)."""

    entry_id: str
    domain: str
    title: str
    data: dict[str, Any]
    options: dict[str, Any]
    source: str
    env_fields: frozenset[str] = frozenset()
    state: EntryState = EntryState.NOT_LOADED
    reason: str | None = None
    retry_count: int = 0
    next_retry_at: datetime | None = None
    runtime_data: Any = None
    created_at: datetime | None = None
    # Set by the framework before setup: the integration reports each call's outcome to it.
    health: EntryHealth | None = None


@dataclass(frozen=True)
class IntegrationContext:
    """What the framework hands to integrations: shared session, bus, settings, secrets."""

    settings: Settings
    session: aiohttp.ClientSession
    bus: EventBus
    secret_box: SecretBox
    providers: Providers = field(default_factory=Providers)
