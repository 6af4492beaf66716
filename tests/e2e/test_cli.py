"""The `companion` command line, run as a real process."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from companion.db.database import migrations_dir
from tests.e2e.procs import companion_env, free_port, run_cli


def test_help_lists_commands() -> None:
    out = run_cli(["--help"], companion_env(Path("/nonexistent")))
    assert out.returncode == 0
    for command in ("serve", "migrate", "check"):
        assert command in out.stdout
        sub = run_cli([command, "--help"], companion_env(Path("/nonexistent")))
        assert sub.returncode == 0 and "--data-dir" in sub.stdout


@pytest.mark.parametrize(
    ("var", "value", "expected"),
    [
        (
            "COMPANION_PORT",
            "eighty",
            "COMPANION_PORT: expected a port number 1-65535, got 'eighty'",
        ),
        ("COMPANION_LOG_LEVEL", "chatty", "COMPANION_LOG_LEVEL: expected one of"),
        ("COMPANION_SECRET_KEY", "not-a-key", "COMPANION_SECRET_KEY: expected a Fernet key"),
    ],
)
def test_bad_setting_stops_with_one_line(
    tmp_path: Path, var: str, value: str, expected: str
) -> None:
    out = run_cli(["serve"], companion_env(tmp_path / "data", {var: value}))
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0]
    assert not (tmp_path / "data").exists()


def test_corrupt_secret_key_file_is_not_touched(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "secret.key").write_text("corrupt")
    env = companion_env(data)
    env.pop("COMPANION_DATABASE_URL", None)
    out = run_cli(["serve", "--port", str(free_port())], env)
    assert out.returncode == 1
    assert "secret key file" in out.stderr and "corrupt" in out.stderr
    assert out.stderr.strip().count("\n") == 0
    assert (data / "secret.key").read_text() == "corrupt"


def test_unwritable_data_dir(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    out = run_cli(["serve", "--port", str(free_port())], companion_env(blocker / "data"))
    assert out.returncode == 1
    assert "COMPANION_DATA_DIR" in out.stderr and out.stderr.strip().count("\n") == 0


def test_unreachable_database(tmp_path: Path) -> None:
    url = f"postgres://user:hunter2@127.0.0.1:{free_port()}/db"
    out = run_cli(
        ["serve", "--port", str(free_port())],
        companion_env(tmp_path / "d", {"COMPANION_DATABASE_URL": url}),
    )
    assert out.returncode == 1
    assert "COMPANION_DATABASE_URL: cannot open postgres://127.0.0.1" in out.stderr
    assert "hunter2" not in out.stderr
    assert out.stderr.strip().count("\n") == 0


def test_migrate_then_check(tmp_path: Path) -> None:
    env = companion_env(tmp_path / "data")
    if os.environ.get("COMPANION_TEST_DATABASE_URL"):
        pytest.skip("uses a private SQLite file")
    first = run_cli(["migrate"], env)
    assert first.returncode == 0, first.stderr
    shipped = sorted((migrations_dir() / "models").glob("[0-9]*_*.py"))
    assert f"Applied {len(shipped)} migration(s): 0_" in first.stdout
    assert shipped[-1].stem in first.stdout
    again = run_cli(["migrate"], env)
    assert "up to date" in again.stdout
    check = run_cli(["check"], env)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.splitlines()[:3] == [
        "OK   settings: valid",
        f"OK   data directory: {(tmp_path / 'data').resolve()} is writable",
        "OK   database: sqlite opened; schema up to date",
    ]


def test_check_reports_pending_migrations(tmp_path: Path) -> None:
    if os.environ.get("COMPANION_TEST_DATABASE_URL"):
        pytest.skip("uses a private SQLite file")
    check = run_cli(["check"], companion_env(tmp_path / "data"))
    assert "migration(s) pending" in check.stdout
