"""The edit planner against Jellyfin's per-version playlist semantics.

Moves run through the fake's emulation of `PlaylistManager.MoveItemAsync` of each version
(10.10.x misplaces forward moves and cannot reach index 0), so a plan that only works on a
correct server fails here.
"""

from __future__ import annotations

import random
import uuid

import pytest

from companion.playlists.plan import MAX_GRANULAR_CALLS, Op, plan, representable
from companion.providers.playlists import PlaylistRules, RemoteEntry
from companion.testing.jellyfin.playlist_moves import move
from integrations.jellyfin.playlist_provider import rules_for

VERSIONS = {
    "10.9.11": (10, 9, 11),
    "10.10.7": (10, 10, 7),
    "10.11.11": (10, 11, 11),
    "12.0.0": (12, 0, 0),
}


class Model:
    """Jellyfin's playlist edits as reference section 4 describes them."""

    def __init__(
        self,
        rules: PlaylistRules,
        items: list[str],
        library: set[str],
        version: tuple[int, ...] = (12, 0, 0),
    ) -> None:
        self.rules = rules
        self.version = version
        self.library = library
        self.entries: list[RemoteEntry] = []
        self.calls = 0
        self._add(items, None)

    def _entry(self, item: str) -> RemoteEntry:
        return RemoteEntry(item if self.rules.entry_is_item else uuid.uuid4().hex, item)

    def _add(self, items: tuple[str, ...] | list[str], position: int | None) -> None:
        new: list[RemoteEntry] = []
        present = {e.item_id for e in self.entries}
        for item in items:
            if item not in self.library:
                continue  # unknown items are skipped silently
            if not self.rules.allows_duplicates and item in present:
                continue
            present.add(item)
            new.append(self._entry(item))
        if position is not None and self.rules.insert_at_position:
            self.entries[position:position] = new
        else:
            self.entries.extend(new)

    def apply(self, op: Op) -> None:
        self.calls += 1
        if op.kind == "replace":
            self.entries = []
            self._add(op.item_ids, None)
        elif op.kind == "add":
            self._add(op.item_ids, op.position)
        elif op.kind == "remove":
            drop = set(op.entry_ids)
            self.entries = [e for e in self.entries if e.entry_id not in drop]
        elif op.kind == "move":
            pairs = [(e.entry_id, e.item_id) for e in self.entries]
            move(self.version, pairs, op.entry_ids[0], op.position or 0)
            self.entries = [RemoteEntry(e, i) for e, i in pairs]

    def items(self) -> list[str]:
        return [e.item_id for e in self.entries]


def converge(model: Model, target: list[str]) -> list[str]:
    """Run plans the way the pusher does (re-reading when told) until nothing is left."""
    goal = representable(target, model.rules)
    for _ in range(4):
        step = plan(list(model.entries), goal, model.rules)
        for op in step.ops:
            model.apply(op)
        if not step.ops or not step.reread:
            break
        goal = [i for i in goal if i in model.library]
    return goal


@pytest.mark.parametrize("version", sorted(VERSIONS))
def test_random_edits_converge(version: str) -> None:
    rules = rules_for(VERSIONS[version])
    rng = random.Random(version)
    pool = [uuid.uuid4().hex for _ in range(40)]
    library = set(pool)
    for _ in range(400):
        current = rng.sample(pool, rng.randint(0, 25))
        if rules.allows_duplicates:
            current += rng.choices(pool, k=rng.randint(0, 3))
        model = Model(rules, current, library, VERSIONS[version])
        target = [x for x in model.items() if rng.random() > 0.2]
        if rng.random() < 0.3:
            rng.shuffle(target)
        for _ in range(rng.randint(0, 4)):
            target.insert(rng.randint(0, len(target)), rng.choice(pool))
        goal = converge(model, target)
        # One plan does it: the re-read only confirms (no repair round was needed).
        assert model.items() == goal, (version, current, target)


@pytest.mark.parametrize("version", sorted(VERSIONS))
def test_one_move_in_a_thousand_is_one_call(version: str) -> None:
    rules = rules_for(VERSIONS[version])
    items = [uuid.uuid4().hex for _ in range(1000)]
    model = Model(rules, items, set(items), VERSIONS[version])
    for source, dest in ((900, 10), (10, 900), (5, 0), (0, 1), (7, 8), (3, 999)):
        target = model.items()
        target.insert(dest, target.pop(source))
        step = plan(list(model.entries), target, rules)
        assert all(op.kind == "move" for op in step.ops), (source, dest)
        # 10.10 misplaces moves: the plan asks to re-read the list to check it.
        assert step.reread == rules.moves_misplace
        for op in step.ops:
            model.apply(op)
        assert model.items() == target, (version, source, dest)


@pytest.mark.parametrize("length", [2, 3, 5, 8])
def test_every_single_move_on_10_10_lands_where_asked(length: int) -> None:
    rules = rules_for((10, 10, 7))
    items = [uuid.uuid4().hex for _ in range(length)]
    for source in range(length):
        for dest in range(length):
            model = Model(rules, items, set(items), (10, 10, 7))
            target = list(items)
            target.insert(dest, target.pop(source))
            for op in plan(list(model.entries), target, rules).ops:
                model.apply(op)
            assert model.items() == target, (source, dest)


def test_insert_on_12_uses_positions_and_older_append_then_move() -> None:
    items = [uuid.uuid4().hex for _ in range(10)]
    new = uuid.uuid4().hex
    target = [*items[:3], new, *items[3:]]
    twelve = plan([RemoteEntry(i, i) for i in items], target, rules_for((12, 0, 0)))
    assert twelve.ops == [Op("add", item_ids=(new,), position=3)]
    ten = plan([RemoteEntry(i, i) for i in items], target, rules_for((10, 11, 11)))
    assert [op.kind for op in ten.ops] == ["add", "move"]


def test_many_changes_become_one_replace() -> None:
    items = [uuid.uuid4().hex for _ in range(50)]
    target = list(reversed(items))
    step = plan([RemoteEntry(i, i) for i in items], target, rules_for((10, 10, 7)))
    assert len(step.ops) == 1 and step.ops[0].kind == "replace"
    assert MAX_GRANULAR_CALLS >= 3


def test_removing_one_copy_of_a_duplicate_on_12_rewrites() -> None:
    a, b = uuid.uuid4().hex, uuid.uuid4().hex
    step = plan([RemoteEntry(a, a), RemoteEntry(b, b), RemoteEntry(a, a)], [a, b], rules_for((12,)))
    assert [op.kind for op in step.ops] == ["replace"]


def test_appending_a_thousand_is_chunked_or_replaced() -> None:
    items = [uuid.uuid4().hex for _ in range(1000)]
    step = plan([], items, rules_for((10, 10, 7)))
    assert [op.kind for op in step.ops] == ["replace"]
    step = plan([], items[:400], rules_for((10, 10, 7)))
    assert [len(op.item_ids) for op in step.ops] == [200, 200]
