"""Errors raised by the Ollama client."""

from __future__ import annotations


class OllamaError(Exception):
    """Base of every Ollama client error."""


class OllamaConnectionError(OllamaError):
    """Ollama could not be reached."""


class OllamaTimeoutError(OllamaConnectionError):
    """Ollama did not answer in time."""


class OllamaAuthenticationError(OllamaError):
    """A proxy in front of Ollama rejected the API key (401/403)."""


class OllamaResponseError(OllamaError):
    """Ollama answered with an error status or an unexpected body."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class OllamaModelNotFoundError(OllamaResponseError):
    """The requested model is not pulled on this Ollama."""
