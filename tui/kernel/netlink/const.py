"""Netlink and rtnetlink numbers (<linux/netlink.h>, <linux/rtnetlink.h>) the raw readers use.

Kept apart so the decoder, the dumper and the event monitor share one spelling of each.
"""

from __future__ import annotations

import struct

# Message types.
NLMSG_NOOP = 1
NLMSG_ERROR = 2
NLMSG_DONE = 3
NLMSG_OVERRUN = 4
RTM_NEWROUTE = 24
RTM_DELROUTE = 25
RTM_GETROUTE = 26

# nlmsg_flags.
NLM_F_REQUEST = 0x1
NLM_F_MULTI = 0x2
NLM_F_ACK = 0x4
NLM_F_DUMP_INTR = 0x10  # the dump saw a concurrent change: it may be inconsistent
NLM_F_DUMP_FILTERED = 0x20
NLM_F_ROOT = 0x100
NLM_F_MATCH = 0x200
NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH
NLM_F_CAPPED = 0x100  # on NLMSG_ERROR: the echoed request is cut to its header
NLM_F_ACK_TLVS = 0x200  # on NLMSG_ERROR / NLMSG_DONE: extended-ack attributes follow
NLMSGERR_ATTR_MSG = 1

# Route attributes (RTA_*).
RTA_DST = 1
RTA_SRC = 2
RTA_IIF = 3
RTA_OIF = 4
RTA_GATEWAY = 5
RTA_PRIORITY = 6
RTA_PREFSRC = 7
RTA_METRICS = 8
RTA_MULTIPATH = 9
RTA_FLOW = 11
RTA_CACHEINFO = 12
RTA_TABLE = 15
RTA_MARK = 16
RTA_VIA = 18
RTA_PREF = 20
RTA_ENCAP_TYPE = 21
RTA_ENCAP = 22
RTA_EXPIRES = 23
RTA_NH_ID = 30
RTAX_LOCK = 1
RTAX_MTU = 2
RTAX_ADVMSS = 8
RTAX_HOPLIMIT = 10
RTAX_CC_ALGO = 16  # a string (congctl name), not a number
NLA_TYPE_MASK = 0x3FFF  # strips NLA_F_NESTED / NLA_F_NET_BYTEORDER

# Legacy multicast group bits for bind() (RTMGRP_*).
RTMGRP_LINK = 0x1
RTMGRP_IPV4_IFADDR = 0x10
RTMGRP_IPV4_ROUTE = 0x40
RTMGRP_IPV4_RULE = 0x80
RTMGRP_IPV6_IFADDR = 0x100
RTMGRP_IPV6_ROUTE = 0x400

# Socket options.
SOL_NETLINK = 270
NETLINK_EXT_ACK = 11  # errors carry the kernel's explanation text
NETLINK_GET_STRICT_CHK = 12  # the kernel validates dump requests and filters by table
SO_RCVBUFFORCE = 33  # root may exceed net.core.rmem_max

# Wire layouts (host byte order, as netlink uses).
NLMSGHDR = struct.Struct("=IHHII")  # len, type, flags, seq, pid
NLMSGHDR_LEN = NLMSGHDR.size
RTMSG = struct.Struct("=BBBBBBBBI")  # family dst_len src_len tos table protocol scope type flags
RTMSG_LEN = RTMSG.size
NLATTR = struct.Struct("=HH")  # nla_len, nla_type

# Nexthop objects (<linux/nexthop.h>): messages, attributes (NHA_*), resilient-group nests.
RTM_NEWNEXTHOP = 104
RTM_DELNEXTHOP = 105
RTM_GETNEXTHOP = 106
RTM_NEWNEXTHOPBUCKET = 116
RTM_DELNEXTHOPBUCKET = 117
RTM_GETNEXTHOPBUCKET = 118
RTNLGRP_NEXTHOP = 32
NHA_ID = 1
NHA_GROUP = 2
NHA_GROUP_TYPE = 3
NHA_BLACKHOLE = 4
NHA_OIF = 5
NHA_GATEWAY = 6
NHA_ENCAP_TYPE = 7
NHA_ENCAP = 8
NHA_GROUPS = 9
NHA_MASTER = 10
NHA_FDB = 11
NHA_RES_GROUP = 12
NHA_RES_BUCKET = 13
NHA_OP_FLAGS = 14
NHA_RES_GROUP_BUCKETS = 1
NHA_RES_GROUP_IDLE_TIMER = 2
NHA_RES_GROUP_UNBALANCED_TIMER = 3
NHA_RES_GROUP_UNBALANCED_TIME = 4
NHA_RES_BUCKET_INDEX = 1
NHA_RES_BUCKET_IDLE_TIME = 2
NHA_RES_BUCKET_NH_ID = 3
NHA_OP_FLAG_RESP_GRP_RESVD_0 = 1 << 31  # the reply's group entries carry weight_high
NHMSG = struct.Struct("=BBBBI")  # family scope protocol resvd flags
NHMSG_LEN = NHMSG.size
