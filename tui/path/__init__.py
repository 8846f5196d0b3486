"""Following a packet across namespaces, hop by hop, from the state alone (``fibscope path``).

Pure: the namespaces come through a ``PathHost`` (a capture, or the live kernel read lazily by
``tui.kernel.path_host``), each hop is the lookup engine of ``tui.fib`` in that namespace, and
the crossings between namespaces (veth peers, bridges, who answers ARP) are decided here.
"""

from tui.path.host import CaptureHost, PathHost
from tui.path.result import Crossing, End, Hop, PathResult
from tui.path.walk import MAX_HOPS, follow

__all__ = [
    "MAX_HOPS",
    "CaptureHost",
    "Crossing",
    "End",
    "Hop",
    "PathHost",
    "PathResult",
    "follow",
]
