"""Plan the fewest playlist edits that turn the remote list into the companion's, in place."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from companion.providers.playlists import PlaylistRules, RemoteEntry

# Ids travel in the query string of add and remove; 200 ids keep a request line near 7 KB,
# under the 8 KB request-line limit of Kestrel (and of aiohttp).
CHUNK = 200
# Past this many granular calls, one "replace the whole list" update is cheaper.
MAX_GRANULAR_CALLS = 3


@dataclass(frozen=True, slots=True)
class Op:
    """One upstream edit."""

    kind: Literal["replace", "remove", "add", "move"]
    item_ids: tuple[str, ...] = ()
    entry_ids: tuple[str, ...] = ()
    position: int | None = None


@dataclass(slots=True)
class Plan:
    """The edits, and whether the list must be read again before it can be trusted."""

    ops: list[Op] = field(default_factory=list)
    # Adds and replaces are silently skipped for items the server no longer has, and entries
    # added on servers with random entry ids are only addressable after a fresh read.
    reread: bool = False


def representable(item_ids: Sequence[str], rules: PlaylistRules) -> list[str]:
    """The list the server can hold: first occurrences only where it skips duplicates."""
    if rules.allows_duplicates:
        return list(item_ids)
    return list(dict.fromkeys(item_ids))


def _chunks(values: Sequence[str]) -> list[tuple[str, ...]]:
    return [tuple(values[i : i + CHUNK]) for i in range(0, len(values), CHUNK)]


def _has_duplicates(values: Sequence[str]) -> bool:
    return len(set(values)) != len(values)


def _lis(values: Sequence[int]) -> set[int]:
    """Indexes (into values) of one longest strictly increasing subsequence."""
    tails: list[int] = []  # values[tails[k]] is the smallest tail of a run of length k+1
    prev = [-1] * len(values)
    for i, v in enumerate(values):
        lo, hi = 0, len(tails)
        while lo < hi:
            mid = (lo + hi) // 2
            if values[tails[mid]] < v:
                lo = mid + 1
            else:
                hi = mid
        prev[i] = tails[lo - 1] if lo else -1
        if lo == len(tails):
            tails.append(i)
        else:
            tails[lo] = i
    out: set[int] = set()
    k = tails[-1] if tails else -1
    while k != -1:
        out.add(k)
        k = prev[k]
    return out


def _moves(entries: list[RemoteEntry], target: Sequence[str]) -> list[Op]:
    """Moves (remove-then-insert semantics) that order entries like target; fewest possible."""
    slots: dict[str, list[int]] = {}
    for t, item in enumerate(target):
        slots.setdefault(item, []).append(t)
    taken: Counter[str] = Counter()
    wanted: list[int] = []
    for e in entries:
        wanted.append(slots[e.item_id][taken[e.item_id]])
        taken[e.item_id] += 1
    stay = _lis(wanted)
    at_target: list[RemoteEntry] = [entries[0]] * len(target)
    for i, t in enumerate(wanted):
        at_target[t] = entries[i]
    moving = {i for i in range(len(entries)) if i not in stay}
    moving_entries = {id(entries[i]) for i in moving}
    current = list(entries)
    ops: list[Op] = []
    for t, entry in enumerate(at_target):
        if id(entry) not in moving_entries:
            continue
        current.remove(entry)
        index = current.index(at_target[t - 1]) + 1 if t else 0
        current.insert(index, entry)
        ops.append(Op("move", entry_ids=(entry.entry_id,), position=index))
    return ops


def _calls_10_10(cur: list[str], entry: str, t: int) -> list[tuple[str, int]]:
    """Move calls that put `entry` at final index t on 10.10.2+ (PlaylistManager.MoveItemAsync).

    There a forward move to k lands at k + 1 (unless k is past the end: then it appends),
    a backward move to k ≥ 1 lands at k, and a backward move to 0 lands at 1.
    """
    old, n = cur.index(entry), len(cur)
    if t == old:
        return []
    if t == n - 1:
        return [(entry, n - 1)]
    if t >= old + 2:
        return [(entry, t - 1)]
    if 1 <= t < old:
        return [(entry, t)]
    if t == old + 1 and old >= 1:
        # One step forward cannot be asked for: the neighbour steps back instead.
        return [(cur[old + 1], old)]
    if t == old + 1:
        # The first two swap: to the end (which works), then back to 1.
        return [(entry, n - 1), (entry, 1)]
    # t == 0: the entry to 1, then the first one swaps with it as above.
    first = cur[0]
    calls = [] if old == 1 else [(entry, 1)]
    return calls + ([(first, 1)] if n == 2 else [(first, n - 1), (first, 1)])


def _as_server_moves(entries: list[RemoteEntry], moves: list[Op]) -> list[Op]:
    """The 10.10.x calls that perform `moves` (each to its final index) on `entries`."""
    cur = [e.entry_id for e in entries]
    ops: list[Op] = []
    for op in moves:
        entry, t = op.entry_ids[0], op.position or 0
        ops += [Op("move", entry_ids=(e,), position=k) for e, k in _calls_10_10(cur, entry, t)]
        cur.remove(entry)
        cur.insert(t, entry)
    return ops


def _ordered(entries: list[RemoteEntry], target: Sequence[str], rules: PlaylistRules) -> list[Op]:
    moves = _moves(entries, target)
    return _as_server_moves(entries, moves) if rules.moves_misplace else moves


def plan(current: Sequence[RemoteEntry], target: Sequence[str], rules: PlaylistRules) -> Plan:
    """The edits from current to target; target must already be representable."""
    items = [e.item_id for e in current]
    if items == list(target):
        return Plan()
    replace = Plan([Op("replace", item_ids=tuple(target))], reread=True)
    if len(target) > len(items) and list(target[: len(items)]) == items:
        adds = [Op("add", item_ids=c) for c in _chunks(target[len(items) :])]
        return Plan(adds, reread=True) if len(adds) <= MAX_GRANULAR_CALLS else replace
    if rules.entry_is_item and (_has_duplicates(items) or _has_duplicates(target)):
        # Removing or moving an item id would touch every copy of it: rewrite the list.
        return replace
    need = Counter(target)
    kept: list[RemoteEntry] = []
    removed: list[str] = []
    for e in current:
        if need[e.item_id] > 0:
            need[e.item_id] -= 1
            kept.append(e)
        else:
            removed.append(e.entry_id)
    ops = [Op("remove", entry_ids=c) for c in _chunks(removed)]
    # Which target positions are new entries (the first copies in target stay the kept ones).
    have = Counter(e.item_id for e in kept)
    new_at: list[int] = []
    for t, item in enumerate(target):
        if have[item] > 0:
            have[item] -= 1
        else:
            new_at.append(t)
    fresh = set(new_at)
    kept_order = [e.item_id for e in kept]
    in_order = kept_order == [item for t, item in enumerate(target) if t not in fresh]
    reread = bool(new_at)
    if new_at and rules.insert_at_position and in_order:
        runs: list[list[int]] = []
        for t in new_at:
            if runs and runs[-1][-1] == t - 1:
                runs[-1].append(t)
            else:
                runs.append([t])
        ops += [Op("add", item_ids=tuple(target[t] for t in run), position=run[0]) for run in runs]
    elif new_at:
        appended = [target[t] for t in new_at]
        ops += [Op("add", item_ids=c) for c in _chunks(appended)]
        if rules.entry_is_item:
            after = kept + [RemoteEntry(i, i) for i in appended]
            ops += _ordered(after, target, rules)
        # Otherwise the new entries' ids are unknown until read; the next round orders them.
    elif not in_order:
        ops += _ordered(kept, target, rules)
    if len(ops) > MAX_GRANULAR_CALLS:
        return replace
    # Where the server is known to misplace moves, the result is read back and checked.
    moved = any(op.kind == "move" for op in ops)
    return Plan(ops, reread=reread or (moved and rules.moves_misplace))
