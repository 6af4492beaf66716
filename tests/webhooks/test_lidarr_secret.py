"""The Lidarr webhook's secret: compared in constant time on bytes, bad encodings are a 401."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from companion import keys

from .test_jellyfin_webhook_input import _raw


@pytest.mark.parametrize(
    "credential",
    [
        "header-not-utf8",
        "basic-not-utf8",
        "basic-not-ascii-base64",
        "basic-not-base64",
    ],
)
async def test_bad_encodings_are_a_401(client: TestClient[Any, Any], credential: str) -> None:
    secret = await client.app[keys.LIVE].secrets.get("lidarr")
    if credential == "header-not-utf8":
        line = secret.header.encode() + b": \xff\xfe" + secret.secret.encode()[2:]
    elif credential == "basic-not-utf8":
        line = b"Authorization: Basic " + base64.b64encode(b"lidarr:\xff" + secret.secret.encode())
    elif credential == "basic-not-ascii-base64":
        line = b"Authorization: Basic \xc3\xa9\xc3\xa9=="
    else:
        line = b"Authorization: Basic !!!"
    body = json.dumps({"eventType": "Test"}).encode()
    head = (
        b"POST /webhooks/lidarr HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        + line
        + b"\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
    )
    status, answer = await _raw(client, head, body)
    assert status == 401, answer
    assert json.loads(answer)["error"]["code"] == "invalid_webhook_secret"
    assert secret.secret.encode() not in answer
