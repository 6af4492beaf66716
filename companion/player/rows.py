"""Converting the stored queue row to the pure Queue and back."""

from __future__ import annotations

from companion.player.models import PlayerQueue
from companion.player.queue import REPEAT_MODES, Entry, Queue, Repeat


def load_queue(row: PlayerQueue) -> Queue:
    """The pure queue of a row (anything malformed in storage is dropped)."""
    entries = tuple(
        Entry(str(e["id"]), str(e["item"]))
        for e in row.entries
        if isinstance(e, dict) and "id" in e and "item" in e
    )
    repeat: Repeat = next((m for m in REPEAT_MODES if m == row.repeat), "off")
    return Queue(
        entries=entries,
        current=row.current,
        shuffle=row.shuffle,
        repeat=repeat,
        unshuffled=tuple(str(i) for i in row.unshuffled),
    )


def store_queue(row: PlayerQueue, queue: Queue) -> None:
    """Write a queue into its row (not saved)."""
    row.entries = [{"id": e.id, "item": e.item_id} for e in queue.entries]
    row.current = queue.current
    row.shuffle = queue.shuffle
    row.repeat = queue.repeat
    row.unshuffled = list(queue.unshuffled)
