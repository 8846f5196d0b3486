"""The kernel's numbers the model's fields hold (the uapi values of <linux/rtnetlink.h>,
<linux/fib_rules.h>, <linux/if.h>, <linux/neighbour.h>): one home for the pure code."""

AF_INET = 2
AF_INET6 = 10
AF_MPLS = 28  # MPLS routes (ip -f mpls route): kept and shown, never looked up

# Route types (RTN_*), as in <linux/rtnetlink.h>.
RTN_UNSPEC = 0
RTN_UNICAST = 1
RTN_LOCAL = 2
RTN_BROADCAST = 3
RTN_ANYCAST = 4
RTN_MULTICAST = 5
RTN_BLACKHOLE = 6
RTN_UNREACHABLE = 7
RTN_PROHIBIT = 8
RTN_THROW = 9
RTN_NAT = 10

# Scopes (RT_SCOPE_*).
RT_SCOPE_UNIVERSE = 0
RT_SCOPE_SITE = 200
RT_SCOPE_LINK = 253
RT_SCOPE_HOST = 254
RT_SCOPE_NOWHERE = 255

# Well-known tables.
RT_TABLE_UNSPEC = 0
RT_TABLE_DEFAULT = 253
RT_TABLE_MAIN = 254
RT_TABLE_LOCAL = 255

# Next hop / route flags (RTNH_F_* in rtm_flags and rtnh_flags).
RTNH_F_DEAD = 1
RTNH_F_PERVASIVE = 2
RTNH_F_ONLINK = 4
RTNH_F_OFFLOAD = 8
RTNH_F_LINKDOWN = 16
RTNH_F_UNRESOLVED = 32
RTNH_F_TRAP = 64
RTM_F_CLONED = 0x200

# Rule actions (FR_ACT_*) and flags.
FR_ACT_TO_TBL = 1
FR_ACT_GOTO = 2
FR_ACT_NOP = 3
FR_ACT_BLACKHOLE = 6
FR_ACT_UNREACHABLE = 7
FR_ACT_PROHIBIT = 8
FIB_RULE_INVERT = 0x2
FIB_RULE_UNRESOLVED = 0x4

# Link flags (IFF_*).
IFF_UP = 0x1
IFF_LOOPBACK = 0x8
IFF_LOWER_UP = 0x10000

# Neighbour states (NUD_*) and flags (NTF_*), as in <linux/neighbour.h>.
NUD_NONE = 0x00
NUD_INCOMPLETE = 0x01
NUD_REACHABLE = 0x02
NUD_STALE = 0x04
NUD_DELAY = 0x08
NUD_PROBE = 0x10
NUD_FAILED = 0x20
NUD_NOARP = 0x40
NUD_PERMANENT = 0x80
NUD_VALID = NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE | NUD_PROBE | NUD_STALE | NUD_DELAY
NTF_PROXY = 0x08
NTF_ROUTER = 0x80
