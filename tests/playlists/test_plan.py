"""The edit planner against a model of Jellyfin's per-version playlist semantics."""

from __future__ import annotations

import random
import uuid

import pytest

from companion.playlists.plan import MAX_GRANULAR_CALLS, Op, plan, representable
from companion.providers.playlists import PlaylistRules, RemoteEntry
from integrations.jellyfin.playlist_provider import rules_for

VERSIONS = {"10.9.11": (10, 9, 11), "10.10.7": (10, 10, 7), "12.0.0": (12, 0, 0)}


class Model:
    """Jellyfin's playlist edits as reference section 4 describes them."""

    def __init__(self, rules: PlaylistRules, items: list[str], library: set[str]) -> None:
        self.rules = rules
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
            index = next(n for n, e in enumerate(self.entries) if e.entry_id == op.entry_ids[0])
            moved = self.entries.pop(index)
            self.entries.insert(min(op.position or 0, len(self.entries)), moved)

    def items(self) -> list[str]:
        return [e.item_id for e in self.entries]


def converge(model: Model, target: list[str]) -> list[str]:
    """Run plans the way the pusher does (re-reading after adds) until nothing is left."""
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
        model = Model(rules, current, library)
        target = [x for x in model.items() if rng.random() > 0.2]
        if rng.random() < 0.3:
            rng.shuffle(target)
        for _ in range(rng.randint(0, 4)):
            target.insert(rng.randint(0, len(target)), rng.choice(pool))
        goal = converge(model, target)
        assert model.items() == goal, (version, current, target)


@pytest.mark.parametrize("version", sorted(VERSIONS))
def test_one_move_in_a_thousand_is_one_call(version: str) -> None:
    rules = rules_for(VERSIONS[version])
    items = [uuid.uuid4().hex for _ in range(1000)]
    model = Model(rules, items, set(items))
    target = list(items)
    target.insert(10, target.pop(900))
    step = plan(list(model.entries), target, rules)
    assert [op.kind for op in step.ops] == ["move"] and not step.reread
    model.apply(step.ops[0])
    assert model.items() == target


def test_insert_on_12_uses_positions_and_older_append_then_move() -> None:
    items = [uuid.uuid4().hex for _ in range(10)]
    new = uuid.uuid4().hex
    target = [*items[:3], new, *items[3:]]
    twelve = plan([RemoteEntry(i, i) for i in items], target, rules_for((12, 0, 0)))
    assert twelve.ops == [Op("add", item_ids=(new,), position=3)]
    ten = plan([RemoteEntry(i, i) for i in items], target, rules_for((10, 11, 6)))
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
