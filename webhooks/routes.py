"""Route table of the inbound webhooks (each receiver authenticates on its own)."""

from __future__ import annotations

from web.routing import ApiRouter

router = ApiRouter("webhooks")
