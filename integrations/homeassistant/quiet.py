"""Silence one known race of aiomqtt's socket callbacks while the bridge reconnects.

aiomqtt asks the loop to watch paho's socket with a callback scheduled from paho's thread-safe
hook; when the broker has meanwhile closed the connection (after SIGSTOP/SIGCONT, or a network
pause longer than the keepalive), the socket is gone by the time the callback runs and asyncio
logs an `OSError: [Errno 9] Bad file descriptor` traceback. The bridge already reconnects;
this handler turns exactly that case into a debug line and passes everything else on.
"""

from __future__ import annotations

import asyncio
import errno
import logging
from collections.abc import Callable
from typing import Any

_LOGGER = logging.getLogger(__name__)
_WATCHERS = frozenset({"add_reader", "add_writer"})


def _stale_socket(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> bool:
    err = context.get("exception")
    bad_fd = (isinstance(err, OSError) and err.errno == errno.EBADF) or (
        isinstance(err, ValueError) and "file descriptor" in str(err)
    )
    callback = getattr(context.get("handle"), "_callback", None)
    return (
        bad_fd
        and getattr(callback, "__self__", None) is loop
        and getattr(callback, "__name__", "") in _WATCHERS
    )


def install(loop: asyncio.AbstractEventLoop) -> Callable[[], None]:
    """Install the filter on the loop; return a function that takes it away again."""
    previous = loop.get_exception_handler()

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if _stale_socket(loop, context):
            _LOGGER.debug("MQTT socket closed before the loop watched it: %s", context["message"])
        elif previous is not None:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handler)

    def restore() -> None:
        if loop.get_exception_handler() is handler:
            loop.set_exception_handler(previous)

    return restore
