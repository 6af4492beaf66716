"""Home automation: automation webhooks, outgoing webhook targets and their delivery outbox."""

from __future__ import annotations
