"""The browser tests' fixtures (a demo and Chromium per module, a signed-in page)."""

from __future__ import annotations

from tests.e2e.browser.conftest import (  # noqa: F401  (fixtures)
    _fresh_postgres,
    browser,
    context,
    page,
    stack,
)
