"""Accounts: users, browser sessions, API tokens, Jellyfin sign-in and per-user preferences.

May import the core (errors, events, crypto, settings, media, providers, db) and nothing above it.
"""
