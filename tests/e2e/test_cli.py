"""The `companion` command line, run as a real process."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from companion.check import JELLYFIN_MISSING
from companion.db.database import migrations_dir
from companion.testing.jellyfin.server import FAKE_API_KEY
from tests.conftest import PG_URL, _reset_postgres
from tests.e2e.procs import companion_env, free_port, run_cli


def _fresh_database() -> str:
    """The dialect `companion check` reports; on PostgreSQL the test database is emptied first."""
    if PG_URL:
        asyncio.run(_reset_postgres(PG_URL))
        return "postgres"
    return "sqlite"


@pytest.fixture
def fake_jellyfin_url() -> Iterator[str]:
    """The fake Jellyfin as a process of its own (the CLI runs its own event loop)."""
    port = free_port()
    fake = subprocess.Popen(
        [sys.executable, "-m", "companion.testing.jellyfin", "--port", str(port), "--tracks", "20"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60  # only stops a hang
        while True:
            assert fake.poll() is None, "the fake Jellyfin exited"
            try:
                if httpx.get(f"{url}/System/Info/Public", timeout=30).status_code == 200:
                    break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "the fake Jellyfin did not start"
                time.sleep(0.05)
        yield url
    finally:
        fake.terminate()
        fake.wait(timeout=30)


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


def test_serve_on_a_port_in_use_says_so_in_one_line(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", free_port()))
        holder.listen()
        port = holder.getsockname()[1]
        out = run_cli(["serve", "--port", str(port)], companion_env(tmp_path / "data"))
    assert out.returncode == 1
    assert out.stdout == ""
    assert out.stderr.splitlines() == [
        f"companion: cannot start: port {port} on 127.0.0.1 is already in use; set "
        "COMPANION_PORT (or --port) to a free port, or stop the program using it"
    ]


def test_demo_on_a_port_in_use_says_so_in_one_line(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", free_port()))
        holder.listen()
        port = holder.getsockname()[1]
        env = companion_env(tmp_path / "data")
        taken = run_cli(["demo", "--port", str(port), "--jellyfin-port", str(free_port())], env)
        fake_taken = run_cli(
            ["demo", "--port", str(free_port()), "--jellyfin-port", str(port)], env
        )
    assert taken.returncode == 1 and taken.stdout == ""
    assert taken.stderr.splitlines() == [
        f"companion: cannot start: port {port} on 127.0.0.1 is already in use; set "
        "COMPANION_PORT (or --port) to a free port, or stop the program using it"
    ]
    assert fake_taken.returncode == 1 and fake_taken.stdout == ""
    assert fake_taken.stderr.splitlines() == [
        f"companion: cannot start: port {port} on 127.0.0.1 (the fake Jellyfin's) is already "
        "in use; choose another with --jellyfin-port"
    ]


def test_migrate_then_check(tmp_path: Path, fake_jellyfin_url: str) -> None:
    dialect = _fresh_database()
    env = companion_env(tmp_path / "data")
    first = run_cli(["migrate"], env)
    assert first.returncode == 0, first.stderr
    shipped = sorted((migrations_dir() / "models").glob("[0-9]*_*.py"))
    assert f"Applied {len(shipped)} migration(s): 0_" in first.stdout
    assert shipped[-1].stem in first.stdout
    again = run_cli(["migrate"], env)
    assert again.returncode == 0, again.stderr
    assert "Applied 0 migration(s); the database is up to date." in again.stdout
    env.update({"JELLYFIN_URL": fake_jellyfin_url, "JELLYFIN_API_KEY": FAKE_API_KEY})
    check = run_cli(["check"], env)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.splitlines()[:3] == [
        "OK   settings: valid",
        f"OK   data directory: {(tmp_path / 'data').resolve()} is writable",
        f"OK   database: {dialect} opened; schema up to date",
    ]
    assert "OK   integration Jellyfin (environment): connection OK" in check.stdout.splitlines()


def test_check_fails_without_jellyfin(tmp_path: Path) -> None:
    _fresh_database()
    env = companion_env(tmp_path / "data")
    assert run_cli(["migrate"], env).returncode == 0
    check = run_cli(["check"], env)
    assert check.returncode == 1, check.stdout + check.stderr
    assert f"FAIL integration Jellyfin: {JELLYFIN_MISSING}" in check.stdout.splitlines()
    assert "JELLYFIN_URL" in JELLYFIN_MISSING


def test_check_fails_on_a_wrong_jellyfin_key(tmp_path: Path, fake_jellyfin_url: str) -> None:
    _fresh_database()
    env = companion_env(tmp_path / "data")
    assert run_cli(["migrate"], env).returncode == 0
    env.update({"JELLYFIN_URL": fake_jellyfin_url, "JELLYFIN_API_KEY": "0" * 32})
    check = run_cli(["check"], env)
    assert check.returncode == 1, check.stdout + check.stderr
    assert any(
        line.startswith("FAIL integration Jellyfin (environment): ")
        for line in check.stdout.splitlines()
    ), check.stdout


def test_check_reports_pending_migrations(tmp_path: Path) -> None:
    _fresh_database()
    check = run_cli(["check"], companion_env(tmp_path / "data"))
    assert "migration(s) pending" in check.stdout
    # Before any migration nothing is stored, so no Jellyfin is configured either.
    assert f"FAIL integration Jellyfin: {JELLYFIN_MISSING}" in check.stdout.splitlines()
    assert check.returncode == 1
    configured = run_cli(
        ["check"], companion_env(tmp_path / "data", {"JELLYFIN_URL": "http://127.0.0.1:1"})
    )
    assert "migration(s) pending" in configured.stdout
    assert "FAIL" not in configured.stdout and configured.returncode == 0, configured.stdout
