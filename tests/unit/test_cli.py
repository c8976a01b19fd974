"""The command line explains itself: a version, help on every command and option, and
known failures as one line on stderr with an exit code of their own."""

from __future__ import annotations

import argparse

import pytest

from services.cli import parser

pytestmark = pytest.mark.unit


def walk(p: argparse.ArgumentParser, path: str = "chronicle"):
    for action in p._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from walk(sub, f"{path} {name}")
        elif not isinstance(action, argparse._HelpAction | argparse._VersionAction):
            yield path, action


def test_every_option_and_argument_of_every_command_says_what_it_is():
    silent = [
        f"{path} {'/'.join(a.option_strings) or a.dest}" for path, a in walk(parser()) if not a.help
    ]
    assert silent == []


def test_every_command_says_what_it_does():
    def commands(p, path="chronicle"):
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                helps = {c.dest: c.help for c in action._choices_actions}
                for name, sub in action.choices.items():
                    yield f"{path} {name}", helps.get(name)
                    yield from commands(sub, f"{path} {name}")

    assert [c for c, text in commands(parser()) if not text] == []


def test_version(capsys):
    with pytest.raises(SystemExit) as done:
        parser().parse_args(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith("chronicle ")


def test_every_workspace_option_takes_only_a_workspace_id(capsys):
    """`--workspace 'bad ws'` made a token no producer could match, and `'ws.x'` or
    `'ws_*'` went into a NATS subject (a reject for another workspace, a wildcard)."""
    options = [(path, a) for path, a in walk(parser()) if "--workspace" in a.option_strings]
    assert len(options) >= 15
    assert [path for path, a in options if a.type is None] == []
    for bad in ("bad ws", "", "ws.x", "ws_*", "x" * 65):
        with pytest.raises(SystemExit) as stopped:
            parser().parse_args(["workspace", "set-timezone", "Europe/Oslo", "--workspace", bad])
        assert stopped.value.code == 2
        assert "is not a workspace id" in capsys.readouterr().err
    parsed = parser().parse_args(
        ["token", "create", "--workspace", "ws_a-1", "--user", "u_1", "--role", "admin"]
    )
    assert parsed.workspace == "ws_a-1"
