"""Integrations with outside systems, one package per system (found by manifest.json)."""
