"""Outgoing webhooks: targets API, HMAC-signed JSON, retry with backoff, durable outbox, log."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from companion import keys
from companion.app import create_app
from companion.automation.models import OutgoingDelivery, OutgoingTarget
from companion.automation.outgoing import verify
from companion.automation.outgoing_outbox import backoff
from companion.events import Event
from companion.settings import Settings
from tests.automation.conftest import Receiver, until

SECRET = "a-long-shared-secret-for-hmac"


async def _target(
    client: TestClient[Any, Any], headers: dict[str, str], url: str, **body: Any
) -> dict[str, Any]:
    payload = {"name": "Home Assistant", "url": url, "event_types": ["favorite.changed"], **body}
    resp = await client.post("/api/automation/targets", json=payload, headers=headers)
    assert resp.status == 201, await resp.text()
    data: dict[str, Any] = await resp.json()
    return data


def _favorite(user: str = "u" * 32) -> Event:
    return Event(
        "favorite.changed",
        {"item_id": "a" * 32, "ref": f"jellyfin:{'a' * 32}", "favorite": True},
        user_id=user,
        source="socket",
    )


async def _log(
    client: TestClient[Any, Any], headers: dict[str, str], target_id: int
) -> list[dict[str, Any]]:
    resp = await client.get(f"/api/automation/targets/{target_id}/deliveries", headers=headers)
    assert resp.status == 200
    items: list[dict[str, Any]] = (await resp.json())["items"]
    return items


async def test_chosen_events_arrive_signed_and_logged(
    client: TestClient[Any, Any], admin_headers: dict[str, str], receiver: Receiver
) -> None:
    target = await _target(client, admin_headers, receiver.url, secret=SECRET)
    assert target["secret"] == SECRET
    bus = client.app[keys.BUS]
    bus.publish(Event("playback.started", {"item_id": "b" * 32}))  # not chosen
    event = _favorite()
    bus.publish(event)
    await until(lambda: _async(len(receiver.received) == 1))
    headers, body = receiver.received[0]
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Companion-Event"] == "favorite.changed"
    assert verify(SECRET, headers["X-Companion-Timestamp"], body, headers["X-Companion-Signature"])
    assert not verify(
        "another-secret-entirely",
        headers["X-Companion-Timestamp"],
        body,
        headers["X-Companion-Signature"],
    )
    sent = json.loads(body)
    assert sent["type"] == "favorite.changed" and sent["id"] == event.id
    assert sent["data"]["ref"] == f"jellyfin:{'a' * 32}" and sent["user_id"] == "u" * 32
    await until(lambda: _delivered(target["id"]))
    (row,) = await _log(client, admin_headers, target["id"])
    assert row["status"] == "delivered" and row["attempts"] == 1 and row["last_status"] == 200
    assert row["event_id"] == event.id


async def _async(value: bool) -> bool:
    return value


async def _delivered(target_id: int, count: int = 1) -> bool:
    return await OutgoingDelivery.filter(target_id=target_id, status="delivered").count() >= count


async def test_failures_are_retried_with_backoff(
    client: TestClient[Any, Any], admin_headers: dict[str, str], receiver: Receiver
) -> None:
    outbox = client.app[keys.AUTOMATION].outbox
    outbox.retry_base = 0.05
    receiver.failures = [500, 503]
    target = await _target(client, admin_headers, receiver.url)
    client.app[keys.BUS].publish(_favorite())
    await until(lambda: _delivered(target["id"]))
    (row,) = await _log(client, admin_headers, target["id"])
    assert row["status"] == "delivered" and row["attempts"] == 3
    # The same delivery (same id) was sent each time.
    assert len({h["X-Companion-Delivery"] for h, _ in receiver.received}) == 1
    assert [backoff(n, 5.0) for n in (1, 2, 3, 20)] == [5.0, 10.0, 20.0, 3600.0]


async def test_gives_up_after_max_attempts(
    client: TestClient[Any, Any], admin_headers: dict[str, str], receiver: Receiver
) -> None:
    outbox = client.app[keys.AUTOMATION].outbox
    outbox.retry_base, outbox.max_attempts = 0.02, 3
    receiver.failures = [500] * 10
    target = await _target(client, admin_headers, receiver.url)
    client.app[keys.BUS].publish(_favorite())

    async def failed() -> bool:
        return await OutgoingDelivery.filter(status="failed").exists()

    await until(failed)
    (row,) = await _log(client, admin_headers, target["id"])
    assert row["attempts"] == 3 and row["last_status"] == 500 and row["last_error"] == "HTTP 500"


async def test_outbox_survives_a_restart(
    aiohttp_client: Callable[[web.Application], Awaitable[TestClient[Any, Any]]],
    settings: Settings,
    receiver: Receiver,
    make_user: Any,
    client: TestClient[Any, Any],
) -> None:
    # The first app stores the delivery while the receiver is down, then stops.
    _, headers = await make_user("admin", admin=True)
    down = receiver.url.replace(str(receiver.server.port), "1")  # type: ignore[union-attr]
    target = await _target(client, headers, down)
    client.app[keys.BUS].publish(_favorite())

    async def attempted() -> bool:
        return await OutgoingDelivery.filter(attempts__gte=1).exists()

    await until(attempted)
    await client.app[keys.AUTOMATION].outbox.stop()
    row = await OutgoingDelivery.get(target_id=target["id"])
    assert row.status == "pending" and row.last_error
    # The receiver comes back and the retry is due; only a fresh app (same database) is left
    # to send it.
    await OutgoingTarget.filter(id=target["id"]).update(url=receiver.url)
    await OutgoingDelivery.filter(id=row.id).update(next_attempt_at=row.created_at)
    await client.close()
    second = await aiohttp_client(create_app(replace(settings)))
    await until(lambda: _delivered(target["id"]))
    assert len(receiver.received) == 1
    await second.close()


async def test_send_test_and_targets_api(
    client: TestClient[Any, Any],
    admin_headers: dict[str, str],
    receiver: Receiver,
    make_user: Any,
) -> None:
    target = await _target(client, admin_headers, receiver.url, event_types=["*"])
    stored = await OutgoingTarget.get(id=target["id"])
    assert target["secret"] not in stored.secret  # encrypted at rest
    resp = await client.get("/api/automation/targets", headers=admin_headers)
    (listed,) = (await resp.json())["items"]
    assert "secret" not in listed and listed["event_types"] == ["*"]

    resp = await client.post(f"/api/automation/targets/{target['id']}/test", headers=admin_headers)
    row = await resp.json()
    assert (
        resp.status == 200
        and row["status"] == "delivered"
        and row["event_type"] == "companion.test"
    )
    headers, body = receiver.received[-1]
    assert verify(
        target["secret"], headers["X-Companion-Timestamp"], body, headers["X-Companion-Signature"]
    )

    receiver.failures = [502]
    resp = await client.post(f"/api/automation/targets/{target['id']}/test", headers=admin_headers)
    row = await resp.json()
    assert row["status"] == "pending" and row["last_status"] == 502

    resp = await client.patch(
        f"/api/automation/targets/{target['id']}",
        json={"enabled": False, "event_types": ["play.recorded"]},
        headers=admin_headers,
    )
    assert (await resp.json())["enabled"] is False
    resp = await client.post(
        f"/api/automation/targets/{target['id']}/rotate", headers=admin_headers
    )
    assert (await resp.json())["secret"] != target["secret"]

    bad = [
        ({"name": "x", "url": "ftp://host/x", "event_types": ["a.b"]}, "url"),
        ({"name": "x", "url": receiver.url, "event_types": []}, "event_types"),
        ({"name": "x", "url": receiver.url, "event_types": ["DROP TABLE"]}, "event_types"),
    ]
    for body_, field in bad:
        resp = await client.post("/api/automation/targets", json=body_, headers=admin_headers)
        assert resp.status == 400 and (await resp.json())["error"]["details"]["field"] == field
    resp = await client.post(
        "/api/automation/targets",
        json={"name": "x", "url": receiver.url, "event_types": ["a.b"], "secret": "short"},
        headers=admin_headers,
    )
    assert resp.status == 400
    resp = await client.get("/api/automation/targets/424242/deliveries", headers=admin_headers)
    assert resp.status == 404
    _, user_headers = await make_user("alice")
    resp = await client.get("/api/automation/targets", headers=user_headers)
    assert resp.status == 403
    resp = await client.delete(f"/api/automation/targets/{target['id']}", headers=admin_headers)
    assert resp.status == 204 and not await OutgoingDelivery.exists()
