"""Hundreds of malformed captures: every one is refused at load with one line and exit 2, by
every command and the app, never a traceback, never a half-read host."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.capture.capture_mutations import mutations, valid_doc, valid_host
from tui import capture
from tui.cli import main

CORPUS = list(mutations())
COMMANDS = [
    ["namespaces", "--state"],
    ["routes", "--state"],
    ["rules", "-6", "--state"],
    ["lookup", "10.1.2.3", "--state"],
    ["--state"],  # the app: refused before it touches the terminal
]


def test_the_corpus_is_big_and_its_origin_is_valid(tmp_path: Path) -> None:
    assert len(CORPUS) >= 200
    assert len({name for name, _ in CORPUS}) == len(CORPUS)
    assert capture.from_json(valid_doc()) == valid_host()


@pytest.mark.parametrize(("name", "data"), CORPUS, ids=[name for name, _ in CORPUS])
def test_every_mutation_is_refused_in_one_line(
    name: str, data: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(data)
    with pytest.raises(capture.CaptureError) as caught:
        capture.load(str(path))
    message = str(caught.value)
    assert message.startswith(f"corrupt capture {path}: ")
    assert "\n" not in message and len(message) < 300
    for command in COMMANDS:
        assert main([*command, str(path)]) == 2
        out, err = capsys.readouterr()
        assert out == ""
        assert err == f"fibscope: {message}\n"
