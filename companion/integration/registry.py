"""Discovery of integrations by their manifest.json, and typed access to their modules."""

from __future__ import annotations

import importlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, cast

from companion.integration.types import ConfigEntry, Field, FlowResult, IntegrationContext

_LOGGER = logging.getLogger(__name__)

SetupFn = Callable[[IntegrationContext, ConfigEntry], Awaitable[Any]]
UnloadFn = Callable[[IntegrationContext, ConfigEntry], Awaitable[None]]
TestFn = Callable[[IntegrationContext, dict[str, Any]], Awaitable[FlowResult]]
DefaultFn = Callable[[IntegrationContext], Awaitable[None]]
DiagnosticsFn = Callable[[IntegrationContext, ConfigEntry], Awaitable[dict[str, Any]]]

_REQUIRED_KEYS = ("domain", "name", "version", "iot_class")


class ManifestError(ValueError):
    """A manifest.json is missing or invalid."""


@dataclass(frozen=True)
class Manifest:
    """What an integration's manifest.json declares."""

    domain: str
    name: str
    version: str
    iot_class: str
    requirements: tuple[str, ...] = ()
    documentation: str | None = None
    single_config_entry: bool = False
    # Started with its defaults (async_setup_default, no config entry) while nothing configures
    # it: a keyless public API such as Deezer's.
    zero_config: bool = False
    # A media server (Jellyfin, Navidrome): an install talks to exactly one of them.
    media_server: bool = False
    # Config field name -> environment variable that overrides the stored value.
    env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Manifest:
        """Read and validate a manifest file."""
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as err:
            raise ManifestError(f"{path}: {err}") from err
        missing = [k for k in _REQUIRED_KEYS if not isinstance(raw.get(k), str)]
        if missing:
            raise ManifestError(f"{path}: missing {', '.join(missing)}")
        if raw["domain"] != path.parent.name:
            raise ManifestError(f"{path}: domain must equal the folder name")
        return cls(
            domain=raw["domain"],
            name=raw["name"],
            version=raw["version"],
            iot_class=raw["iot_class"],
            requirements=tuple(raw.get("requirements", ())),
            documentation=raw.get("documentation"),
            single_config_entry=bool(raw.get("single_config_entry", False)),
            zero_config=bool(raw.get("zero_config", False)),
            media_server=bool(raw.get("media_server", False)),
            env=dict(raw.get("env", {})),
        )


class Integration:
    """One discovered integration; its modules are imported on first use."""

    def __init__(self, manifest: Manifest, package: str) -> None:
        self.manifest = manifest
        self.package = package
        self._modules: dict[str, ModuleType] = {}

    @property
    def domain(self) -> str:
        """The integration's domain."""
        return self.manifest.domain

    def _module(self, sub: str | None = None) -> ModuleType:
        name = self.package if sub is None else f"{self.package}.{sub}"
        if name not in self._modules:
            self._modules[name] = importlib.import_module(name)
        return self._modules[name]

    @property
    def schema(self) -> tuple[Field, ...]:
        """The config flow's fields."""
        return cast(tuple[Field, ...], self._module("config_flow").SCHEMA)

    @property
    def test_connection(self) -> TestFn:
        """The config flow's connection test."""
        return cast(TestFn, self._module("config_flow").test_connection)

    @property
    def setup_entry(self) -> SetupFn:
        """The integration's async_setup_entry."""
        return cast(SetupFn, self._module().async_setup_entry)

    @property
    def unload_entry(self) -> UnloadFn:
        """The integration's async_unload_entry."""
        return cast(UnloadFn, self._module().async_unload_entry)

    @property
    def remove_entry(self) -> UnloadFn | None:
        """The integration's async_remove_entry (clean-up after deletion), if it has one."""
        return cast(UnloadFn | None, getattr(self._module(), "async_remove_entry", None))

    @property
    def setup_default(self) -> DefaultFn | None:
        """The integration's async_setup_default (zero-config integrations), if it has one."""
        return cast(DefaultFn | None, getattr(self._module(), "async_setup_default", None))

    @property
    def diagnostics(self) -> DiagnosticsFn | None:
        """The integration's diagnostics function, if it has one."""
        try:
            module = self._module("diagnostics")
        except ModuleNotFoundError:
            return None
        return cast(DiagnosticsFn, module.async_get_diagnostics)

    def describe(self) -> dict[str, Any]:
        """Return the JSON description for `/api/integrations/available`."""
        m = self.manifest
        return {
            "domain": m.domain,
            "name": m.name,
            "version": m.version,
            "iot_class": m.iot_class,
            "documentation": m.documentation,
            "single_config_entry": m.single_config_entry,
            "media_server": m.media_server,
            "env": dict(m.env),
            "schema": [f.as_dict() for f in self.schema if not f.hidden],
        }


def discover(package: str = "integrations") -> dict[str, Integration]:
    """Find every integration package that has a valid manifest.json."""
    root_module = importlib.import_module(package)
    found: dict[str, Integration] = {}
    for root in getattr(root_module, "__path__", []):
        for manifest_path in sorted(Path(root).glob("*/manifest.json")):
            try:
                manifest = Manifest.load(manifest_path)
            except ManifestError as err:
                _LOGGER.error("Skipping integration: %s", err)
                continue
            found[manifest.domain] = Integration(manifest, f"{package}.{manifest.domain}")
    return found
