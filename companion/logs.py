"""Logging setup, with a filter that masks anything that looks like a secret."""

from __future__ import annotations

import logging
import re
import sys

# Matches key=value / "key": "value" pairs whose key names a secret, and bearer tokens.
_SECRET_PATTERNS = (
    re.compile(
        r"(?i)((?:api[_-]?key|apikey|token|password|passwd|secret|pw)\"?\s*[=:]\s*\"?)([^\s\"&,;}]+)"
    ),
    re.compile(r"(?i)(bearer\s+)([A-Za-z0-9._~+/=-]+)"),
    re.compile(r"(?i)(://[^:/@\s]+:)([^@\s]+)(@)"),
)


def redact_text(text: str) -> str:
    """Replace values of secret-looking keys, bearer tokens and URL passwords with ***."""
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(r"\1***\3" if pattern.groups == 3 else r"\1***", text)
    return text


class RedactingFilter(logging.Filter):
    """Masks secrets in every record before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message with secrets masked."""
        if getattr(record, "show_secret", False):
            # Only the setup token is logged this way, deliberately, for the operator to read.
            return True
        try:
            message = record.getMessage()
        except Exception:
            return True
        try:
            redacted = redact_text(message)
        except Exception:
            return True
        if redacted != message:
            record.msg = redacted
            record.args = None
        return True


def setup_logging(level: str) -> None:
    """Configure root logging once: one line per record on stderr, secrets masked."""
    root = logging.getLogger()
    root.setLevel(level)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root.handlers[:] = [handler]
    # aiohttp's access log is noisy at INFO; keep it at WARNING unless debugging.
    if level != "DEBUG":
        logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
        logging.getLogger("tortoise").setLevel(logging.WARNING)
