"""The fakes' modules import each other without cycles (one job per module, clear layers)."""

from __future__ import annotations

import grimp


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for v in edges:
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles_in_the_fakes() -> None:
    graph = grimp.build_graph("companion", cache_dir=None)
    pkg = "companion.testing"
    mods = {m for m in graph.modules if m.startswith(pkg + ".")}
    edges = {m: graph.find_modules_directly_imported_by(m) & mods for m in mods}
    assert _cycles(edges) == []
