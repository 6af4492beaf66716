"""The Caddy and nginx examples of docs/reverse-proxy.md, run for real in front of a companion.

Each example is taken from the document as written (only the host names, ports and TLS lines
are swapped for local ones), so the document cannot drift from a configuration that works:
the sub-path, the redirect to it, prefixed redirects and cookies, X-Forwarded-* from a trusted
proxy, and the websocket upgrade of /api/ws. Debian's `nginx-light` and `caddy` run them
(`.ci/run` installs both); without them these tests skip, saying which is missing.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import websockets

from tests.e2e.procs import ServerProcess, free_port

DOC = (Path(__file__).resolve().parents[2] / "docs" / "reverse-proxy.md").read_text()
PREFIX = "/companion"


def _block(language: str) -> str:
    match = re.search(rf"```{language}\n(.*?)```", DOC, re.S)
    assert match, f"docs/reverse-proxy.md has no {language} example"
    return match.group(1)


def _local(config: str, companion: int) -> str:
    """The example with the compose service names pointed at local ports."""
    return config.replace("companion:8097", f"127.0.0.1:{companion}").replace(
        "jellyfin:8096", f"127.0.0.1:{free_port()}"
    )


def _caddy(tmp: Path, port: int, companion: int) -> list[str]:
    site = _local(_block("caddyfile"), companion).replace(
        "music.example.org {", f"http://127.0.0.1:{port} {{", 1
    )
    # Local only: no admin endpoint (parallel runs), no certificates.
    (tmp / "Caddyfile").write_text("{\n\tadmin off\n\tauto_https off\n}\n\n" + site)
    return ["caddy", "run", "--adapter", "caddyfile", "--config", str(tmp / "Caddyfile")]


def _nginx(tmp: Path, port: int, companion: int) -> list[str]:
    conf = _local(_block("nginx"), companion)
    conf = conf.replace("listen 443 ssl;", f"listen 127.0.0.1:{port};")
    temp = "".join(
        f"    {kind}_temp_path {tmp / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (tmp / "nginx.conf").write_text(
        f"daemon off;\nuser root;\npid {tmp / 'nginx.pid'};\nerror_log stderr;\n"
        f"events {{}}\nhttp {{\n    access_log off;\n{temp}{conf}\n}}\n"
    )
    return ["nginx", "-e", "stderr", "-p", str(tmp), "-c", str(tmp / "nginx.conf")]


PROXIES: dict[str, Callable[[Path, int, int], list[str]]] = {"caddy": _caddy, "nginx": _nginx}


@pytest.fixture(scope="module")
def companion(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A fresh companion (no Jellyfin) that trusts a proxy on 127.0.0.1, under /companion."""
    tmp = tmp_path_factory.mktemp("proxied")
    server = ServerProcess(
        tmp / "data",
        extra_env={"COMPANION_BASE_PATH": PREFIX, "COMPANION_TRUSTED_PROXIES": "127.0.0.1"},
    )
    server.env.pop("COMPANION_DATABASE_URL", None)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=sorted(PROXIES))
def proxy(
    request: pytest.FixtureRequest, companion: ServerProcess, tmp_path: Path
) -> Iterator[str]:
    """The example of one proxy, running; yields its base URL (with the prefix)."""
    name: str = request.param
    if shutil.which(name) is None:
        pytest.skip(f"{name} is not installed (apt-get install -y nginx-light caddy; .ci/run does)")
    port = free_port()
    log = (tmp_path / f"{name}.log").open("wb")
    command = PROXIES[name](tmp_path, port, companion.port)
    proc = subprocess.Popen(
        command,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/usr/sbin:/bin"},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                pytest.fail(f"{name} exited:\n{(tmp_path / f'{name}.log').read_text()}")
            try:
                httpx.get(base + PREFIX + "/healthz", timeout=0.5)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    pytest.fail(f"{name} did not start:\n{(tmp_path / f'{name}.log').read_text()}")
                time.sleep(0.05)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_the_documented_proxy_serves_the_companion_under_its_prefix(
    proxy: str, companion: ServerProcess
) -> None:
    with httpx.Client(base_url=proxy, timeout=30) as http:
        resp = http.get(PREFIX)
        assert resp.status_code in (301, 302, 308), resp.status_code
        assert resp.headers["Location"].endswith(PREFIX + "/")
        # A fresh install sends people to setup, under the prefix.
        resp = http.get(PREFIX + "/")
        assert resp.status_code == 302 and resp.headers["Location"] == PREFIX + "/setup"
        page = http.get(PREFIX + "/setup")
        assert page.status_code == 200 and f'data-base-path="{PREFIX}"' in page.text
        assert http.get(PREFIX + "/static/app.js").status_code == 200
        resp = http.post(PREFIX + "/api/setup/login", json={"token": companion.setup_token()})
        assert resp.status_code == 200, resp.text
        cookies = resp.headers.get_list("set-cookie")
        assert cookies and all(f"Path={PREFIX}" in c for c in cookies), cookies
        csrf = resp.cookies["companion_csrf"]
        # The URL the companion shows is built from what the trusted proxy forwarded.
        info = http.get(PREFIX + "/api/settings/webhooks/jellyfin", headers={"X-CSRF-Token": csrf})
        assert info.status_code == 200, info.text
        assert info.json()["url"] == f"{proxy}{PREFIX}/webhooks/jellyfin"

    async def handshake() -> dict[str, str]:
        url = proxy.replace("http", "ws", 1) + PREFIX + "/api/ws"
        async with websockets.connect(url, open_timeout=30) as ws:
            greeting: dict[str, str] = json.loads(await asyncio.wait_for(ws.recv(), 30))
            return greeting

    # The websocket upgrade goes through.
    assert asyncio.run(handshake())["type"] == "auth_required"
