"""fibscope: how Linux really routes a packet."""

__version__ = "0.1.0"
