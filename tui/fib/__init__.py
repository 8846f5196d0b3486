"""The lookup engine: pure functions of a routing state and a query, no kernel access.

``Engine(state).lookup(Query(...))`` answers what ``ip route get`` would, with every step the
kernel takes explained; it works on a capture file exactly as on a live namespace.
"""

from tui.fib.engine import Engine, lookup
from tui.fib.query import Query, QueryError
from tui.fib.trace import Step, Trace, Verdict

__all__ = ["Engine", "Query", "QueryError", "Step", "Trace", "Verdict", "lookup"]
