"""The row ids every table can hold, checked before a client's id reaches a query."""

from __future__ import annotations

from typing import TypeGuard

# Primary keys and integer columns are 32-bit on PostgreSQL (SQLite refuses past 2^63): a
# larger id names no row, and must not reach the database as an overflow.
MAX_ID = 2**31 - 1


def is_id(value: object) -> TypeGuard[int]:
    """Tell whether a JSON value can be a row id: an integer (not a bool) from 1 to MAX_ID."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID
