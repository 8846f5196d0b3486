"""Netlink: constants, the fast route decoder and printer, dumps, RTM_GETROUTE."""
