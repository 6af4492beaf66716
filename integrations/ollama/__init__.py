"""Ollama integration: a local LLM server (used later for natural-language features)."""

from integrations.ollama.setup import async_setup_entry, async_unload_entry

__all__ = ["async_setup_entry", "async_unload_entry"]
