"""PlaylistManager.MoveItemAsync per version, misplacements and exceptions included.

Entries are (PlaylistItemId, item id) pairs. The functions mutate the list or raise
`MoveError(status)` with the status ExceptionMiddleware gives the exception the real code throws
(ArgumentException and its subclasses 400, anything else 500).
"""

from __future__ import annotations

Entry = tuple[str, str]


class MoveError(Exception):
    """The move threw on the real server; `status` is what the client sees."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def _first(entries: list[Entry], item_id: str) -> int:
    return next((n for n, (_, i) in enumerate(entries) if i == item_id), -1)


def _insert(entries: list[Entry], index: int, entry: Entry) -> None:
    # List<T>.Insert throws ArgumentOutOfRangeException (an ArgumentException) outside 0..Count.
    if not 0 <= index <= len(entries):
        raise MoveError(400)
    entries.insert(index, entry)


def move_10_9(entries: list[Entry], entry_id: str, new_index: int) -> None:
    """10.9: finds the entry by its own (random) id; a correct remove-then-insert."""
    old = next((n for n, (e, _) in enumerate(entries) if e.lower() == entry_id.lower()), -1)
    if old == new_index:
        return
    if old < 0:
        raise MoveError(400)  # LinkedChildren[-1]: ArgumentOutOfRangeException
    entry = entries.pop(old)
    if new_index >= len(entries):
        entries.append(entry)
    else:
        _insert(entries, new_index, entry)


def move_10_10(entries: list[Entry], entry_id: str, new_index: int) -> None:
    """10.10: forward moves land one slot too far and index 0 is unreachable (jellyfin#13651)."""
    key = entry_id.lower()
    old = _first(entries, key)
    if old == new_index:
        return
    prior = new_index if new_index > old else max(new_index - 1, 0)
    if not 0 <= prior < len(entries):
        raise MoveError(500)  # accessibleChildren[prior]: IndexOutOfRangeException
    adjusted = _first(entries, entries[prior][1]) + 1
    if old < 0:
        raise MoveError(500)  # the warning dereferences the null entry
    entry = entries.pop(old)
    if new_index >= len(entries):
        entries.append(entry)
    else:
        _insert(entries, adjusted, entry)


def _adjusted_index(prior_all: int, new_index: int) -> int:
    """PlaylistManager.DetermineAdjustedIndex (10.11.0 onwards)."""
    if new_index == 0:
        return prior_all - 1 if prior_all > 0 else 0
    return prior_all + 1


def move_10_11(entries: list[Entry], entry_id: str, new_index: int) -> None:
    """10.11 and 12.0: correct, but an index past the end is a 500 (jellyfin#17066)."""
    key = entry_id.lower()
    old = _first(entries, key)
    if old == new_index:
        return
    prior = max(new_index - 1, 0)
    if prior >= len(entries):
        raise MoveError(500)  # accessibleChildren[prior]: IndexOutOfRangeException
    adjusted = _adjusted_index(_first(entries, entries[prior][1]), new_index)
    if old < 0:
        return  # logged and ignored: 204
    entry = entries.pop(old)
    if new_index >= len(entries):
        entries.append(entry)
    else:
        _insert(entries, adjusted, entry)


def move(version: tuple[int, ...], entries: list[Entry], entry_id: str, new_index: int) -> None:
    """Apply the version's MoveItemAsync."""
    if version < (10, 10):
        move_10_9(entries, entry_id, new_index)
    elif version < (10, 11):
        move_10_10(entries, entry_id, new_index)
    else:
        move_10_11(entries, entry_id, new_index)
