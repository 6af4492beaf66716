"""The Jellyfin music companion: core package (app, settings, events, storage, integrations)."""

__version__ = "0.1.0"
