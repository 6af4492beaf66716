"""The pure queue edits: play, next, add, move, remove, clear, shuffle, repeat."""

from __future__ import annotations

import random

import pytest

from companion.player import queue as q

IDS = [f"{n:032x}" for n in range(1, 7)]


def items(queue: q.Queue) -> list[str]:
    return [e.item_id for e in queue.entries]


def current_item(queue: q.Queue) -> str | None:
    entry = queue.entry(queue.current)
    return entry.item_id if entry else None


def test_play_replaces_and_starts_at_index() -> None:
    queue = q.play(q.Queue(), IDS, 2)
    assert items(queue) == IDS and current_item(queue) == IDS[2]
    assert len({e.id for e in queue.entries}) == len(IDS)


def test_play_next_goes_after_current_and_add_at_the_end() -> None:
    queue = q.play(q.Queue(), IDS[:3], 1)
    queue = q.play_next(queue, [IDS[5]])
    assert items(queue) == [IDS[0], IDS[1], IDS[5], IDS[2]]
    queue = q.add(queue, [IDS[4]])
    assert items(queue)[-1] == IDS[4]
    assert current_item(queue) == IDS[1]
    # Into an empty queue, the first added track becomes current.
    assert current_item(q.add(q.Queue(), [IDS[3]])) == IDS[3]


def test_move_remove_clear() -> None:
    queue = q.play(q.Queue(), IDS[:4], 0)
    first = queue.entries[0].id
    queue = q.move(queue, first, 3)
    assert items(queue) == [IDS[1], IDS[2], IDS[3], IDS[0]]
    assert queue.current == first
    queue = q.remove(queue, first)
    # The current entry went: nothing after it, so the one before takes its place.
    assert current_item(queue) == IDS[3]
    with pytest.raises(KeyError):
        q.remove(queue, "nope")
    assert q.clear(queue).entries == () and q.clear(queue).current is None


def test_repeat_modes_decide_what_follows() -> None:
    queue = q.play(q.Queue(), IDS[:3], 2)
    assert queue.following() is None
    queue = q.set_repeat(queue, "all")
    assert queue.following() == queue.entries[0].id
    queue = q.set_repeat(queue, "one")
    assert queue.following(ended=True) == queue.current
    # Next pressed by hand moves on even with repeat-one.
    assert queue.following(ended=False) == queue.entries[0].id
    assert queue.preceding() == queue.entries[1].id


def test_shuffle_keeps_current_first_and_off_restores_the_order() -> None:
    queue = q.play(q.Queue(), IDS, 3)
    on = q.set_shuffle(queue, True, random.Random(4))
    assert on.entries[0].id == queue.current and sorted(items(on)) == sorted(IDS)
    on = q.add(on, [IDS[0]])
    off = q.set_shuffle(on, False)
    assert items(off) == [*IDS, IDS[0]]
    assert off.current == queue.current


def test_play_shuffled_starts_anywhere_and_remembers_order() -> None:
    queue = q.play(q.Queue(), IDS, shuffle=True, rng=random.Random(1))
    assert queue.shuffle and queue.entries[0].id == queue.current
    assert items(q.set_shuffle(queue, False)) == IDS
