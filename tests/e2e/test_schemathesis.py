"""schemathesis against a running demo, as an administrator and as a plain user.

Every /api operation of the OpenAPI document is called with generated (valid and invalid)
input; the run fails on any 5xx and on any answer the document does not describe (status,
content type, body schema, headers). Bounded by examples per operation, never by time.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.procs import companion_env, free_port

CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_schema_conformance,response_headers_conformance"
)
MAX_EXAMPLES = 8
# Operations that would end the run itself: revoking the run's own token, signing out, and
# removing or re-testing the Jellyfin entry every other operation relies on.
EXCLUDED = (
    ("--exclude-path", "/api/tokens/{token_id}"),
    ("--exclude-path", "/api/auth/logout"),
    ("--exclude-path-regex", r"^/api/integrations/\{entry_id\}(/test)?$"),
)

schemathesis_cli = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
pytestmark = pytest.mark.skipif(
    schemathesis_cli is None, reason="schemathesis is not installed (pip install -e '.[test]')"
)


class Demo:
    """`companion demo` in a subprocess."""

    def __init__(self, tmp_path: Path) -> None:
        self.port, self.jf_port = free_port(), free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = tmp_path / "demo.log"
        env = companion_env(tmp_path / "unused")
        env.pop("COMPANION_DATA_DIR")
        env.pop("COMPANION_DATABASE_URL", None)
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "companion.cli",
                "demo",
                "--port",
                str(self.port),
                "--jellyfin-port",
                str(self.jf_port),
                "--tracks",
                "60",
            ],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self) -> None:
        """Wait for the banner (printed once the webhook is pointed at the companion)."""
        deadline = time.monotonic() + 120  # only to stop a hang
        while "Press Ctrl-C" not in self.log_path.read_text():
            assert self.proc.poll() is None, self.log_path.read_text()[-3000:]
            assert time.monotonic() < deadline, self.log_path.read_text()[-3000:]
            time.sleep(0.1)

    def token(self, username: str) -> str:
        """Sign in as a demo user and take an API token."""
        with httpx.Client(base_url=self.base, timeout=60) as http:
            resp = http.post("/api/auth/login", json={"username": username, "password": username})
            assert resp.status_code == 200, resp.text
            csrf = http.cookies["companion_csrf"]
            resp = http.post(
                "/api/tokens", json={"name": "schemathesis"}, headers={"X-CSRF-Token": csrf}
            )
            assert resp.status_code == 201, resp.text
            token: str = resp.json()["token"]
            return token

    def stop(self) -> None:
        """Interrupt the demo and wait for it."""
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._log.close()


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    """A running demo (fake Jellyfin, fake AudioMuse, the companion)."""
    running = Demo(tmp_path)
    try:
        running.wait_ready()
        yield running
    finally:
        running.stop()


def _run(demo: Demo, token: str, workdir: Path) -> subprocess.CompletedProcess[str]:
    assert schemathesis_cli is not None
    excluded = [arg for pair in EXCLUDED for arg in pair]
    return subprocess.run(
        [
            schemathesis_cli,
            "run",
            f"{demo.base}/api/openapi.json",
            "--header",
            f"Authorization: Bearer {token}",
            "--checks",
            CHECKS,
            "--max-examples",
            str(MAX_EXAMPLES),
            # Parallel workers crashed schemathesis; one is also kind to a busy machine.
            "--workers",
            "1",
            # Hypothesis' "too slow" health checks would fail the run on a loaded machine.
            "--suppress-health-check",
            "all",
            "--request-timeout",
            "60",
            "--seed",
            "14",
            "--no-color",
            *excluded,
        ],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=1800,  # only to stop a hang
        check=False,
    )


@pytest.mark.timeout(3600)
@pytest.mark.parametrize("username", ["demo", "guest"], ids=["admin", "user"])
def test_api_conforms_to_its_openapi_document(demo: Demo, tmp_path: Path, username: str) -> None:
    result = _run(demo, demo.token(username), tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 0, (
        output[-12000:] + "\n--- demo log ---\n" + (demo.log_path.read_text()[-4000:])
    )
    assert "Unhandled error" not in demo.log_path.read_text()
    # The run did call the operations (not, say, a schema it could not load).
    assert "Tested:" in output or "generated" in output, output[-3000:]
