"""Constants of the Ollama integration."""

from __future__ import annotations

DOMAIN = "ollama"
DEFAULT_URL = "http://localhost:11434"
DEFAULT_TIMEOUT = 10.0
# Generation can be slow on small machines; only the generate call gets this budget.
GENERATE_TIMEOUT = 300.0
