"""The Ollama client against the fake server, and its error mapping."""

from __future__ import annotations

import aiohttp
import pytest
from aioresponses import aioresponses

from companion.testing.ollama import FakeOllama
from integrations.ollama.client import OllamaClient
from integrations.ollama.exceptions import (
    OllamaAuthenticationError,
    OllamaConnectionError,
    OllamaModelNotFoundError,
    OllamaResponseError,
    OllamaTimeoutError,
)
from integrations.ollama.models import model_matches


async def test_round_trip_against_fake(fake_ollama: FakeOllama) -> None:
    async with OllamaClient(fake_ollama.url) as client:
        assert await client.version() == fake_ollama.version
        models = await client.models()
        assert [m.name for m in models] == ["llama3.2:latest"]
        assert models[0].family == "llama"
        gen = await client.generate("llama3.2", "hi")
        assert gen.response == "echo: hi"
        with pytest.raises(OllamaModelNotFoundError):
            await client.generate("nope", "hi")


async def test_bearer_key_is_sent(fake_ollama: FakeOllama) -> None:
    fake_ollama.api_key = "k1"
    async with aiohttp.ClientSession() as session:
        with pytest.raises(OllamaAuthenticationError):
            await OllamaClient(fake_ollama.url, session=session).version()
        assert await OllamaClient(fake_ollama.url, session=session, api_key="k1").version()
        assert not session.closed


async def test_connection_refused(unused_tcp_port: int) -> None:
    async with OllamaClient(f"http://127.0.0.1:{unused_tcp_port}") as client:
        with pytest.raises(OllamaConnectionError):
            await client.version()


async def test_error_mapping() -> None:
    url = "http://ollama.test"
    with aioresponses() as mocked:
        mocked.get(f"{url}/api/version", exception=TimeoutError())
        mocked.get(f"{url}/api/tags", status=500, payload={"error": "boom"})
        mocked.post(f"{url}/api/generate", status=200, body="<html>")
        async with OllamaClient(url) as client:
            with pytest.raises(OllamaTimeoutError):
                await client.version()
            with pytest.raises(OllamaResponseError) as info:
                await client.models()
            assert info.value.status == 500
            with pytest.raises(OllamaResponseError):
                await client.generate("m", "p")


def test_model_names() -> None:
    assert model_matches("llama3.2", "llama3.2:latest")
    assert not model_matches("llama3.2:1b", "llama3.2:latest")
