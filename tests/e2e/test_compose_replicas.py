"""compose.replicas.yaml: two replicas in replica mode on PostgreSQL behind Caddy, and only
settings the companion knows (no Docker engine here: the file is parsed and checked)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from companion.settings import ENV_VARS

ROOT = Path(__file__).resolve().parents[2]
TEXT = (ROOT / "compose.replicas.yaml").read_text()
COMPOSE: dict[str, Any] = yaml.safe_load(TEXT)
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
README = (ROOT / "README.md").read_text()


def test_two_replicas_in_replica_mode_on_the_postgres_service() -> None:
    companion = SERVICES["companion"]
    assert companion["deploy"]["replicas"] == 2
    env = companion["environment"]
    assert env["COMPANION_REPLICA_MODE"] == "postgres"
    assert "@postgres:5432/companion" in env["COMPANION_DATABASE_URL"]
    # One key for all: secrets in the shared database are encrypted with it.
    assert env["COMPANION_SECRET_KEY"].startswith("${COMPANION_SECRET_KEY:?")
    assert companion["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "ports" not in companion  # reached through the balancer only


def test_caddy_balances_over_every_replica_with_websockets() -> None:
    caddy = SERVICES["caddy"]
    assert caddy["image"].startswith("caddy:2")
    assert caddy["ports"] == ["${BIND_ADDRESS:-0.0.0.0}:8097:8097"]
    conf = COMPOSE["configs"]["caddyfile"]["content"]
    # Every container of the service, found in DNS; a failed one is skipped and retried.
    assert re.search(r"dynamic a \{\s*name companion\s*port 8097", conf)
    assert "lb_try_duration" in conf and "fail_duration" in conf
    assert [c["source"] for c in caddy["configs"]] == ["caddyfile"]


def test_exec_form_healthchecks_and_known_settings() -> None:
    for name, svc in SERVICES.items():
        assert svc["healthcheck"]["test"][0] == "CMD", name
    named = set(re.findall(r"\bCOMPANION_[A-Z_]+", TEXT))
    assert not named - set(ENV_VARS), named - set(ENV_VARS)
    for name in set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", TEXT)):
        assert f"`{name}`" in README, f"{name} not explained in README.md"
