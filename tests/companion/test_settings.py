"""Settings from the environment and a TOML file, each bad value named clearly."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from companion.integration.registry import discover
from companion.settings import ENV_VARS, SettingsError, load_settings


def test_defaults() -> None:
    s = load_settings({})
    assert (s.host, s.port, s.log_level, s.auto_migrate) == ("127.0.0.1", 8097, "INFO", True)
    assert s.data_dir == Path("data")
    assert s.resolved_database_url.startswith("sqlite://") and s.resolved_database_url.endswith(
        "companion.sqlite3"
    )


def test_environment_values() -> None:
    key = Fernet.generate_key().decode()
    s = load_settings(
        {
            "COMPANION_HOST": "0.0.0.0",
            "COMPANION_PORT": "9000",
            "COMPANION_DATA_DIR": "/tmp/x",
            "COMPANION_DATABASE_URL": "postgresql://u:p@db/companion",
            "COMPANION_SECRET_KEY": key,
            "COMPANION_LOG_LEVEL": "debug",
            "COMPANION_TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.1",
            "COMPANION_AUTO_MIGRATE": "0",
        }
    )
    assert s.port == 9000 and s.host == "0.0.0.0" and s.log_level == "DEBUG"
    assert s.database_url == "postgres://u:p@db/companion"
    assert not s.is_sqlite and not s.auto_migrate
    assert [str(n) for n in s.trusted_proxies] == ["10.0.0.0/8", "192.168.1.1/32"]
    assert key not in repr(s)


@pytest.mark.parametrize(
    ("var", "value", "expected"),
    [
        ("COMPANION_PORT", "http", "COMPANION_PORT: expected a port number 1-65535, got 'http'"),
        ("COMPANION_PORT", "70000", "COMPANION_PORT: expected a port number"),
        ("COMPANION_LOG_LEVEL", "loud", "COMPANION_LOG_LEVEL: expected one of DEBUG, INFO"),
        (
            "COMPANION_TRUSTED_PROXIES",
            "10.0.0.0/8,nope",
            "COMPANION_TRUSTED_PROXIES: expected a comma-separated",
        ),
        ("COMPANION_AUTO_MIGRATE", "maybe", "COMPANION_AUTO_MIGRATE: expected 1/0"),
        (
            "COMPANION_DATABASE_URL",
            "mysql://root:pw@h/db",
            "COMPANION_DATABASE_URL: expected a sqlite:///path",
        ),
        ("COMPANION_SECRET_KEY", "short", "COMPANION_SECRET_KEY: expected a Fernet key"),
        ("COMPANION_HOST", "a b", "COMPANION_HOST: expected a host name"),
    ],
)
def test_bad_values_name_the_variable(var: str, value: str, expected: str) -> None:
    with pytest.raises(SettingsError) as info:
        load_settings({var: value})
    assert str(info.value).startswith(expected)
    if var in ("COMPANION_SECRET_KEY", "COMPANION_DATABASE_URL"):
        assert "pw" not in str(info.value) and "short" not in str(info.value)


def test_toml_file_and_environment_precedence(tmp_path: Path) -> None:
    config = tmp_path / "companion.toml"
    config.write_text(
        '[companion]\nport = 9100\nlog_level = "warning"\ntrusted_proxies = ["10.1.0.0/16"]\n'
    )
    s = load_settings({"COMPANION_CONFIG": str(config), "COMPANION_LOG_LEVEL": "ERROR"})
    assert s.port == 9100 and s.log_level == "ERROR"
    assert str(s.trusted_proxies[0]) == "10.1.0.0/16"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("port = \n", "COMPANION_CONFIG: expected a valid TOML file"),
        ("colour = 'red'\n", "COMPANION_CONFIG: unknown setting 'colour'"),
        ("port = 'x'\n", "COMPANION_PORT: expected a port number"),
    ],
)
def test_bad_toml(tmp_path: Path, content: str, expected: str) -> None:
    config = tmp_path / "c.toml"
    config.write_text(content)
    with pytest.raises(SettingsError, match=expected):
        load_settings({"COMPANION_CONFIG": str(config)})


def test_missing_toml(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="does not exist"):
        load_settings({"COMPANION_CONFIG": str(tmp_path / "none.toml")})


def test_every_variable_is_documented_in_the_readme() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    integration_vars = [var for i in discover().values() for var in i.manifest.env.values()]
    assert "JELLYFIN_API_KEY" in integration_vars
    for var in (*ENV_VARS, "COMPANION_CONFIG", "COMPANION_TEST_DATABASE_URL", *integration_vars):
        assert f"`{var}`" in readme, var


def test_replica_mode_is_off_by_default_and_needs_postgres() -> None:
    assert load_settings({}).replica_mode == "off"
    pg = "postgres://companion@db:5432/companion"
    on = load_settings(
        {
            "COMPANION_REPLICA_MODE": "Postgres",
            "COMPANION_DATABASE_URL": pg,
            "COMPANION_REPLICA_ID": "a-1",
        }
    )
    assert (on.replica_mode, on.replica_id) == ("postgres", "a-1")
    with pytest.raises(SettingsError, match="COMPANION_REPLICA_MODE: postgres needs"):
        load_settings({"COMPANION_REPLICA_MODE": "postgres"})
    with pytest.raises(SettingsError, match="COMPANION_REPLICA_MODE: expected one of off"):
        load_settings({"COMPANION_REPLICA_MODE": "redis"})
    with pytest.raises(SettingsError, match="COMPANION_REPLICA_ID"):
        load_settings({"COMPANION_REPLICA_ID": "a b"})
