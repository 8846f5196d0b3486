"""rt_tables parsing: ids up to 2^32-1, bad lines ignored, names and numbers accepted."""

from __future__ import annotations

import pytest

from tui.names import parse_table, table_name
from tui.table_files import merged_names, parse_rt_tables


def test_parse_ignores_comments_and_bad_lines() -> None:
    text = (
        "# comment\n255\tlocal\n100 vpn # trailing\nbogus line here\n"
        "4294967295 top\n4294967296 toobig\n0x20 hex\n\n"
    )
    assert parse_rt_tables(text) == {255: "local", 100: "vpn", 4294967295: "top", 32: "hex"}


def test_merged_names_keep_builtins() -> None:
    names = merged_names({100: "vpn"})
    assert names[254] == "main" and names[255] == "local" and names[253] == "default"
    assert table_name(100, names) == "vpn"
    assert table_name(4000000000, names) == "4000000000"


def test_parse_table() -> None:
    names = merged_names({100: "vpn"})
    assert parse_table("vpn", names) == 100
    assert parse_table("main", names) == 254
    assert parse_table("4000000000", names) == 4000000000
    with pytest.raises(ValueError, match='invalid table "nosuch"'):
        parse_table("nosuch", names)
    with pytest.raises(ValueError, match='invalid table "4294967296"'):
        parse_table("4294967296", names)
