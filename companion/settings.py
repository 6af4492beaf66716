"""Settings: one frozen object read from the environment and an optional TOML file."""

from __future__ import annotations

import contextlib
import ipaddress
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from companion import const

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class SettingsError(ValueError):
    """A setting has a bad value; the message names the variable and what was expected."""


@dataclass(frozen=True)
class Settings:
    """Validated configuration of one companion process."""

    host: str = const.DEFAULT_HOST
    port: int = const.DEFAULT_PORT
    data_dir: Path = Path(const.DEFAULT_DATA_DIR)
    database_url: str | None = None
    secret_key: str | None = field(default=None, repr=False)
    log_level: str = "INFO"
    trusted_proxies: tuple[IPNetwork, ...] = ()
    auto_migrate: bool = True
    public_url: str | None = None
    # The URL prefix a reverse proxy serves the companion under ("" or e.g. "/companion").
    base_path: str = ""
    internal_url: str | None = None
    cookie_secure: str = "auto"
    frame_ancestors: tuple[str, ...] = ("'self'",)
    # An IANA zone name; None means the system's zone ("today" and midnight are local).
    timezone: str | None = None
    # "off" (one process, the default) or "postgres" (N replicas on one PostgreSQL database).
    replica_mode: str = "off"
    # This replica's name in logs and the event log; default host name and process id.
    replica_id: str | None = None
    # When set, /metrics answers only requests bearing it (Prometheus' `authorization`).
    metrics_token: str | None = field(default=None, repr=False)
    # The raw environment, kept so integrations read their overrides from the same snapshot.
    environ: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def resolved_database_url(self) -> str:
        """Return the database URL, defaulting to an SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite://{(self.data_dir / const.DATABASE_FILENAME).resolve()}"

    @property
    def is_sqlite(self) -> bool:
        """Tell whether the database is SQLite."""
        return self.resolved_database_url.startswith("sqlite://")

    @property
    def zone(self) -> tzinfo:
        """The install's time zone: COMPANION_TIMEZONE, else the system's, else UTC."""
        return ZoneInfo(self.timezone) if self.timezone else system_zone()

    def with_overrides(self, **changes: Any) -> Settings:
        """Return a copy with the given fields replaced (used by CLI flags)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def _parse_port(name: str, raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name}: expected a port number 1-65535, got {raw!r}") from None
    if not 1 <= value <= 65535:
        raise SettingsError(f"{name}: expected a port number 1-65535, got {raw!r}")
    return value


def _parse_bool(name: str, raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise SettingsError(f"{name}: expected 1/0, true/false, yes/no or on/off, got {raw!r}")


def _parse_log_level(name: str, raw: str) -> str:
    level = raw.strip().upper()
    if level not in LOG_LEVELS:
        raise SettingsError(f"{name}: expected one of {', '.join(LOG_LEVELS)}, got {raw!r}")
    return level


def _parse_networks(name: str, raw: str) -> tuple[IPNetwork, ...]:
    networks: list[IPNetwork] = []
    for part in raw.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise SettingsError(
                f"{name}: expected a comma-separated list of IP addresses or CIDR networks, "
                f"got {part!r}"
            ) from None
    return tuple(networks)


def _parse_database_url(name: str, raw: str) -> str:
    url = raw.strip()
    for prefix in ("postgresql://", "postgresql+asyncpg://", "asyncpg://"):
        if url.startswith(prefix):
            url = "postgres://" + url[len(prefix) :]
    if not url.startswith(("sqlite://", "postgres://")):
        # Only the scheme is echoed: the URL may carry a password.
        scheme = url.split("://", 1)[0] if "://" in url else "(none)"
        raise SettingsError(
            f"{name}: expected a sqlite:///path or postgres://user@host/db URL, "
            f"got scheme {scheme!r}"
        )
    return url


def _parse_secret_key(name: str, raw: str) -> str:
    from cryptography.fernet import Fernet

    try:
        Fernet(raw.strip().encode())
    except (ValueError, TypeError):
        # Never echo the value: it is a secret.
        raise SettingsError(
            f"{name}: expected a Fernet key (32 url-safe base64-encoded bytes); "
            "generate one with: python -c "
            "'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
        ) from None
    return raw.strip()


def _parse_cookie_secure(name: str, raw: str) -> str:
    value = raw.strip().lower()
    if value == "auto":
        return value
    return "true" if _parse_bool(name, value) else "false"


def _parse_url(name: str, raw: str) -> str:
    value = raw.strip().rstrip("/")
    if not value.startswith(("http://", "https://")):
        raise SettingsError(f"{name}: expected an http:// or https:// URL, got {raw!r}")
    return value


_PATH_SEGMENT = re.compile(r"^[A-Za-z0-9._~!$&'()*+,;=:@-]+$")


def _parse_base_path(name: str, raw: str) -> str:
    value = raw.strip().rstrip("/")
    if not value:
        return ""
    segments = value.split("/")
    if not value.startswith("/") or any(
        s in ("", ".", "..") or not _PATH_SEGMENT.match(s) for s in segments[1:]
    ):
        raise SettingsError(
            f"{name}: expected a URL path such as /companion (no scheme, host or query), "
            f"got {raw!r}"
        )
    return value


def _parse_list(name: str, raw: str) -> tuple[str, ...]:
    return tuple(p for p in raw.replace(",", " ").split() if p)


def _parse_token(name: str, raw: str) -> str:
    value = raw.strip()
    if len(value) < 16 or not value.isascii() or not value.isprintable() or " " in value:
        raise SettingsError(
            f"{name}: expected at least 16 printable ASCII characters without spaces "
            "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )
    return value


def _parse_host(name: str, raw: str) -> str:
    value = raw.strip()
    if not value or " " in value:
        raise SettingsError(f"{name}: expected a host name or IP address, got {raw!r}")
    return value


def _parse_path(name: str, raw: str) -> Path:
    if not raw.strip():
        raise SettingsError(f"{name}: expected a directory path, got an empty value")
    return Path(raw.strip()).expanduser()


def _parse_timezone(name: str, raw: str) -> str:
    value = raw.strip()
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(
            f"{name}: expected an IANA time zone name such as Europe/Paris or UTC, got {raw!r}"
        ) from None
    return value


REPLICA_MODES = ("off", "postgres")


def _parse_replica_mode(name: str, raw: str) -> str:
    value = raw.strip().lower()
    if value not in REPLICA_MODES:
        raise SettingsError(f"{name}: expected one of {', '.join(REPLICA_MODES)}, got {raw!r}")
    return value


_REPLICA_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def _parse_replica_id(name: str, raw: str) -> str:
    value = raw.strip()
    if not _REPLICA_ID.match(value):
        raise SettingsError(
            f"{name}: expected 1-64 letters, digits, dots, dashes or underscores, got {raw!r}"
        )
    return value


def system_zone() -> tzinfo:
    """The zone of this machine (TZ, /etc/timezone, /etc/localtime), with its DST rules."""
    names = [os.environ.get("TZ", "").lstrip(":")]
    with contextlib.suppress(OSError):
        names.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    # /etc/localtime is usually a link into the zoneinfo tree, which names the zone.
    _, found, name = os.path.realpath("/etc/localtime").partition("/zoneinfo/")
    names.append(name if found else "")
    for candidate in names:
        if candidate:
            with contextlib.suppress(ZoneInfoNotFoundError, ValueError):
                return ZoneInfo(candidate)
    try:
        with open("/etc/localtime", "rb") as fh:
            return ZoneInfo.from_file(fh, key="localtime")
    except (OSError, ValueError):
        # A fixed offset is better than nothing (no zone rules on this machine).
        return datetime.now().astimezone().tzinfo or UTC


# (environment variable, Settings field, parser). The README documents each of these.
_SPEC: tuple[tuple[str, str, Callable[[str, str], Any]], ...] = (
    ("COMPANION_HOST", "host", _parse_host),
    ("COMPANION_PORT", "port", _parse_port),
    ("COMPANION_DATA_DIR", "data_dir", _parse_path),
    ("COMPANION_DATABASE_URL", "database_url", _parse_database_url),
    ("COMPANION_SECRET_KEY", "secret_key", _parse_secret_key),
    ("COMPANION_LOG_LEVEL", "log_level", _parse_log_level),
    ("COMPANION_TRUSTED_PROXIES", "trusted_proxies", _parse_networks),
    ("COMPANION_AUTO_MIGRATE", "auto_migrate", _parse_bool),
    ("COMPANION_PUBLIC_URL", "public_url", _parse_url),
    ("COMPANION_BASE_PATH", "base_path", _parse_base_path),
    ("COMPANION_INTERNAL_URL", "internal_url", _parse_url),
    ("COMPANION_COOKIE_SECURE", "cookie_secure", _parse_cookie_secure),
    ("COMPANION_FRAME_ANCESTORS", "frame_ancestors", _parse_list),
    ("COMPANION_TIMEZONE", "timezone", _parse_timezone),
    ("COMPANION_REPLICA_MODE", "replica_mode", _parse_replica_mode),
    ("COMPANION_REPLICA_ID", "replica_id", _parse_replica_id),
    ("COMPANION_METRICS_TOKEN", "metrics_token", _parse_token),
)
ENV_VARS = tuple(spec[0] for spec in _SPEC)


def _read_toml(path_raw: str) -> dict[str, str]:
    path = Path(path_raw).expanduser()
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise SettingsError(
            f"COMPANION_CONFIG: expected a readable TOML file, {path} does not exist"
        ) from None
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise SettingsError(
            f"COMPANION_CONFIG: expected a valid TOML file, {path}: {err}"
        ) from None
    section = data.get("companion", data)
    if not isinstance(section, dict):
        raise SettingsError("COMPANION_CONFIG: expected a [companion] table")
    values: dict[str, str] = {}
    known = {spec[1]: spec[0] for spec in _SPEC}
    for key, value in section.items():
        env_name = known.get(key.lower()) or (key.upper() if key.upper() in ENV_VARS else None)
        if env_name is None:
            raise SettingsError(f"COMPANION_CONFIG: unknown setting {key!r} in {path}")
        if isinstance(value, list):
            value = ",".join(str(v) for v in value)
        elif isinstance(value, bool):
            value = "true" if value else "false"
        values[env_name] = str(value)
    return values


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build Settings from the environment (which wins) over the optional TOML file."""
    env = dict(os.environ if environ is None else environ)
    raw: dict[str, str] = {}
    if env.get("COMPANION_CONFIG"):
        raw.update(_read_toml(env["COMPANION_CONFIG"]))
    raw.update({name: env[name] for name in ENV_VARS if env.get(name, "") != ""})
    values: dict[str, Any] = {}
    for name, attr, parser in _SPEC:
        if name in raw:
            values[attr] = parser(name, raw[name])
    values["base_path"] = _reconcile_base_path(values)
    if values.get("replica_mode", "off") == "postgres" and not str(
        values.get("database_url") or ""
    ).startswith("postgres://"):
        # Replicas share state through PostgreSQL: an SQLite file cannot be shared.
        raise SettingsError(
            "COMPANION_REPLICA_MODE: postgres needs COMPANION_DATABASE_URL=postgres://…"
        )
    return Settings(environ=env, **values)


def _reconcile_base_path(values: dict[str, Any]) -> str:
    """The base path defaults to the public URL's path; when both are given they must agree."""
    public = values.get("public_url")
    public_path = _parse_base_path("COMPANION_PUBLIC_URL", urlsplit(public).path if public else "")
    given = values.get("base_path")
    if given is None:
        return public_path
    if public and given != public_path:
        raise SettingsError(
            f"COMPANION_BASE_PATH: expected the path of COMPANION_PUBLIC_URL "
            f"({public_path or '/'}), got {given or '/'!r}"
        )
    return str(given)
