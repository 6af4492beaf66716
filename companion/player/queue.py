"""The play queue as plain data, and every edit of it as a pure function (no I/O)."""

from __future__ import annotations

import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

Repeat = Literal["off", "all", "one"]
REPEAT_MODES: tuple[Repeat, ...] = ("off", "all", "one")
# A queue longer than this is cut (an artist's whole catalogue still fits).
MAX_ENTRIES = 2000


@dataclass(frozen=True, slots=True)
class Entry:
    """One place in the queue: an id of its own (the same track may be queued twice)."""

    id: str
    item_id: str


@dataclass(frozen=True, slots=True)
class Queue:
    """The queue in play order, the current entry, and the modes."""

    entries: tuple[Entry, ...] = ()
    current: str | None = None
    shuffle: bool = False
    repeat: Repeat = "off"
    # Entry ids in the order they had before shuffle was turned on (restored when it is off).
    unshuffled: tuple[str, ...] = field(default=())

    def index(self, entry_id: str | None) -> int | None:
        """Position of an entry, or None."""
        if entry_id is None:
            return None
        return next((i for i, e in enumerate(self.entries) if e.id == entry_id), None)

    @property
    def current_index(self) -> int | None:
        """Position of the current entry, or None."""
        return self.index(self.current)

    def entry(self, entry_id: str | None) -> Entry | None:
        """The entry with that id, or None."""
        i = self.index(entry_id)
        return self.entries[i] if i is not None else None

    def following(self, *, ended: bool = True) -> str | None:
        """The entry that plays after the current one (None: the queue stops).

        `ended` says the track finished by itself; repeat-one replays it then, while a press of
        Next moves on as repeat-all would.
        """
        i = self.current_index
        if i is None:
            return self.entries[0].id if self.entries else None
        if self.repeat == "one" and ended:
            return self.entries[i].id
        if i + 1 < len(self.entries):
            return self.entries[i + 1].id
        return self.entries[0].id if self.repeat != "off" and self.entries else None

    def preceding(self) -> str | None:
        """The entry Previous goes to (the first one stays first unless repeating)."""
        i = self.current_index
        if i is None:
            return None
        if i > 0:
            return self.entries[i - 1].id
        return self.entries[-1].id if self.repeat != "off" else self.entries[0].id


def new_entries(item_ids: Sequence[str]) -> tuple[Entry, ...]:
    """Entries for items, each with a fresh id."""
    return tuple(Entry(secrets.token_hex(6), i) for i in item_ids)


def _shuffled(entries: Sequence[Entry], first: str | None, rng: random.Random) -> tuple[Entry, ...]:
    # The entry that plays now stays first; everything else comes after it in random order.
    head = [e for e in entries if e.id == first]
    rest = [e for e in entries if e.id != first]
    rng.shuffle(rest)
    return tuple(head + rest)


def _cap(entries: tuple[Entry, ...]) -> tuple[Entry, ...]:
    return entries[:MAX_ENTRIES]


def play(
    queue: Queue,
    item_ids: Sequence[str],
    start: int = 0,
    *,
    shuffle: bool | None = None,
    rng: random.Random | None = None,
) -> Queue:
    """Replace the queue with items and make item `start` current (shuffled: a random one)."""
    entries = _cap(new_entries(item_ids))
    if not entries:
        return replace(queue, entries=(), current=None, unshuffled=())
    shuffle = queue.shuffle if shuffle is None else shuffle
    rng = rng or random.Random()
    if shuffle:
        first = rng.choice(entries).id if start == 0 else entries[min(start, len(entries) - 1)].id
        return replace(
            queue,
            entries=_shuffled(entries, first, rng),
            current=first,
            shuffle=True,
            unshuffled=tuple(e.id for e in entries),
        )
    current = entries[min(max(start, 0), len(entries) - 1)].id
    return replace(queue, entries=entries, current=current, shuffle=False, unshuffled=())


def play_next(queue: Queue, item_ids: Sequence[str]) -> Queue:
    """Insert items right after the current entry (at the front when nothing plays)."""
    added = new_entries(item_ids)
    i = queue.current_index
    at = 0 if i is None else i + 1
    entries = _cap(queue.entries[:at] + added + queue.entries[at:])
    return _with_entries(queue, entries, added)


def add(queue: Queue, item_ids: Sequence[str]) -> Queue:
    """Append items to the end of the queue."""
    added = new_entries(item_ids)
    return _with_entries(queue, _cap(queue.entries + added), added)


def _with_entries(queue: Queue, entries: tuple[Entry, ...], added: tuple[Entry, ...]) -> Queue:
    current = queue.current if queue.current is not None else (entries[0].id if entries else None)
    unshuffled = queue.unshuffled + tuple(e.id for e in added) if queue.shuffle else ()
    return replace(queue, entries=entries, current=current, unshuffled=unshuffled)


def move(queue: Queue, entry_id: str, to: int) -> Queue:
    """Move one entry to a 0-based position (taken out first, then inserted)."""
    i = queue.index(entry_id)
    if i is None:
        raise KeyError(entry_id)
    entries = list(queue.entries)
    moved = entries.pop(i)
    entries.insert(max(0, min(to, len(entries))), moved)
    return replace(queue, entries=tuple(entries))


def remove(queue: Queue, entry_id: str) -> Queue:
    """Remove one entry; removing the current one makes the next one current."""
    i = queue.index(entry_id)
    if i is None:
        raise KeyError(entry_id)
    entries = queue.entries[:i] + queue.entries[i + 1 :]
    current = queue.current
    if current == entry_id:
        current = entries[min(i, len(entries) - 1)].id if entries else None
    unshuffled = tuple(e for e in queue.unshuffled if e != entry_id)
    return replace(queue, entries=entries, current=current, unshuffled=unshuffled)


def clear(queue: Queue) -> Queue:
    """Empty the queue (the modes stay)."""
    return replace(queue, entries=(), current=None, unshuffled=())


def jump(queue: Queue, entry_id: str) -> Queue:
    """Make one entry current."""
    if queue.index(entry_id) is None:
        raise KeyError(entry_id)
    return replace(queue, current=entry_id)


def set_shuffle(queue: Queue, on: bool, rng: random.Random | None = None) -> Queue:
    """Turn shuffle on (the rest of the queue in random order) or off (the order it had)."""
    if on == queue.shuffle:
        return queue
    if on:
        first = queue.current
        return replace(
            queue,
            entries=_shuffled(queue.entries, first, rng or random.Random()),
            shuffle=True,
            unshuffled=tuple(e.id for e in queue.entries),
        )
    rank = {eid: n for n, eid in enumerate(queue.unshuffled)}
    # Entries added while shuffled but unknown to the saved order keep their place at the end.
    ordered = sorted(
        enumerate(queue.entries), key=lambda p: (rank.get(p[1].id, len(rank) + p[0]), p[0])
    )
    return replace(queue, entries=tuple(e for _, e in ordered), shuffle=False, unshuffled=())


def set_repeat(queue: Queue, mode: Repeat) -> Queue:
    """Set the repeat mode."""
    return replace(queue, repeat=mode)
