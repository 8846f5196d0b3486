"""No import cycle anywhere in the package (issue 11): modules depend one way, so each can be
read, tested and moved on its own.  Deferred imports inside functions count too."""

from __future__ import annotations

import grimp


def _cycle(graph: grimp.ImportGraph) -> list[str] | None:
    """One import cycle among ``tui``'s modules, or None (iterative depth-first search)."""
    modules = sorted(m for m in graph.modules if m == "tui" or m.startswith("tui."))
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    for root in modules:
        if root in state:
            continue
        path: list[str] = []
        stack: list[tuple[str, list[str]]] = []
        state[root] = 1
        path.append(root)
        stack.append((root, sorted(graph.find_modules_directly_imported_by(root))))
        while stack:
            module, todo = stack[-1]
            if not todo:
                stack.pop()
                path.pop()
                state[module] = 2
                continue
            nxt = todo.pop()
            if not nxt.startswith("tui"):
                continue
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state:
                state[nxt] = 1
                path.append(nxt)
                stack.append((nxt, sorted(graph.find_modules_directly_imported_by(nxt))))
    return None


def test_the_search_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for name in ("tui", "tui.a", "tui.b", "tui.c"):
        graph.add_module(name)
    graph.add_import(importer="tui.a", imported="tui.b")
    graph.add_import(importer="tui.b", imported="tui.c")
    assert _cycle(graph) is None
    graph.add_import(importer="tui.c", imported="tui.a")
    assert _cycle(graph) == ["tui.a", "tui.b", "tui.c", "tui.a"]


def test_no_import_cycle_in_tui() -> None:
    graph = grimp.build_graph("tui", cache_dir=None)
    assert _cycle(graph) is None
