"""@jellyfin/sdk (the official TypeScript SDK) runs a music client's calls against each version.

The SDK is installed from npm into .pytest_cache/jellyfin-sdk (git-ignored, kept between runs);
without node/npm or the registry the test skips and says why.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from companion.testing.jellyfin import SUPPORTED_VERSIONS

from .conftest import VersionedFake
from .spec import REPO, response_problems

SDK_VERSION = "1.0.0"
CACHE = REPO / ".pytest_cache" / "jellyfin-sdk"
SCRIPT = Path(__file__).with_name("sdk_client.mjs")


@pytest.fixture(scope="session")
def sdk_dir() -> Path:
    """A folder where `@jellyfin/sdk` resolves (installed once, bounded in time)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are needed to run @jellyfin/sdk")
    installed = CACHE / "node_modules" / "@jellyfin" / "sdk" / "package.json"
    if not installed.exists() or json.loads(installed.read_text())["version"] != SDK_VERSION:
        CACHE.mkdir(parents=True, exist_ok=True)
        (CACHE / "package.json").write_text('{"private": true}\n')
        try:
            subprocess.run(
                [npm, "install", "--no-audit", "--no-fund", "--loglevel=error",
                 f"@jellyfin/sdk@{SDK_VERSION}", "axios"],
                cwd=CACHE, check=True, capture_output=True, timeout=180,
            )  # fmt: skip
        except (subprocess.SubprocessError, OSError) as err:
            pytest.skip(f"could not install @jellyfin/sdk from npm: {err}")
    # Bare imports resolve from the script's folder, so the script runs from beside the SDK.
    shutil.copy(SCRIPT, CACHE / SCRIPT.name)
    return CACHE


def _node_args() -> list[str]:
    out = subprocess.run(["node", "--version"], capture_output=True, text=True, check=True)
    major = int(out.stdout.strip().lstrip("v").split(".")[0])
    # The SDK's socket uses the global WebSocket, built in from Node 22 and flagged before.
    return ["node", "--experimental-websocket"] if major < 22 else ["node"]


async def run_sdk(folder: Path, url: str) -> dict[str, Any]:
    proc = await asyncio.create_subprocess_exec(
        *_node_args(),
        str(folder / SCRIPT.name),
        url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(60):
            out, err = await proc.communicate()
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    assert proc.returncode == 0, err.decode()[-3000:]
    result: dict[str, Any] = json.loads(out)
    return result


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
async def test_jellyfin_sdk(versioned_fake: VersionedFake, sdk_dir: Path, version: str) -> None:
    fake = await versioned_fake(version)
    out = await run_sdk(sdk_dir, fake.url)
    lib = fake.library
    assert out["publicInfo"]["Version"] == version and out["me"]["Name"] == "demo"
    assert {v["CollectionType"] for v in out["views"]["Items"]} >= {"music"}
    assert out["tracks"]["TotalRecordCount"] == len(lib.tracks)
    assert [a["Name"] for a in out["search"]["Items"]] == ["Björk"]
    track = out["tracks"]["Items"][0]
    assert out["item"]["Id"] == track["Id"] and len(out["similar"]["Items"]) == 5
    assert out["favorite"]["IsFavorite"] is True and out["played"]["Played"] is True
    assert out["socket"]["MessageType"] == "UserDataChanged"
    assert [i["Id"] for i in out["favorites"]["Items"]] == [track["Id"]]
    a, b, c = (i["Id"] for i in out["tracks"]["Items"][:3])
    assert [i["Id"] for i in out["playlist"]["Items"]] == [a, c, b]
    assert out["shares"] == []
    assert out["streamStatus"] == 200 and out["streamLength"] > 0
    assert out.get("imageStatus", 200) == 200
    assert response_problems(version, fake.state.responses) == []
