"""Known failures of the command line: one line on stderr naming what was wrong, and an
exit code of their own (services/cli/failures.py); machine-readable answers with --json."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

import pytest

from chronicle_tools.workload import demo_workload
from tests.support.store import ingest

pytestmark = pytest.mark.integration


def chronicle(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CHRONICLE_")}
    return subprocess.run(
        [sys.executable, "-m", "services.cli", *args],
        env={**environment, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def one_line(result: subprocess.CompletedProcess) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_each_known_failure_is_one_line_with_its_own_exit_code(database_url, postgres, tmp_path):
    from adapters.eventstore import EventStore

    with EventStore(database_url) as store:
        ingest(store, demo_workload(3, "ws_cli", "a"))
    exported = tmp_path / "export.jsonl"
    assert (
        chronicle(
            "export", "-q", "-o", str(exported), CHRONICLE_DATABASE_URL=database_url
        ).returncode
        == 0
    )
    garbage = tmp_path / "garbage.jsonl"
    garbage.write_text('{"not": "an event"}\n')
    empty = postgres.create_database()
    cases = {
        "bad port": (
            ("status", "--no-streams"),
            {"CHRONICLE_API_PORT": "abc"},
            3,
            "CHRONICLE_API_PORT",
        ),
        "bad level": (
            ("status", "--no-streams"),
            {"CHRONICLE_LOG_LEVEL": "verbose"},
            3,
            "CHRONICLE_LOG_LEVEL",
        ),
        "not empty": (("import", "-q", str(exported)), {}, 5, "not empty"),
        "garbage": (
            ("import", "-q", str(garbage)),
            {"CHRONICLE_DATABASE_URL": empty},
            5,
            "line 1: not an exported event",
        ),
        "no folder": (
            ("export", "-q", "-o", "/nonexistent/x.jsonl"),
            {},
            6,
            "/nonexistent/x.jsonl",
        ),
        "no server": (
            ("status", "--no-streams"),
            {"CHRONICLE_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/x"},
            4,
            "cannot reach PostgreSQL",
        ),
    }
    seen = {}
    for name, (args, env, _, _) in cases.items():
        result = chronicle(*args, **{"CHRONICLE_DATABASE_URL": database_url, **env})
        seen[name] = (result.returncode, one_line(result))
    postgres.drop_database(empty)
    for name, (_, _, code, fragment) in cases.items():
        assert seen[name][0] == code, (name, seen[name])
        assert fragment in seen[name][1], (name, seen[name])


async def build_timeline(database_url: str) -> None:
    from psycopg import AsyncConnection

    from projections.engine.runner import ProjectionRunner
    from projections.registry import projection

    async with await AsyncConnection.connect(database_url, autocommit=True) as conn:
        timeline = projection("timeline")
        await timeline.create(conn)
        await ProjectionRunner(timeline).catch_up(conn)


def test_verify_check_and_the_dead_letters_answer_in_json(database_url):
    from adapters.eventstore import EventStore

    with EventStore(database_url) as store:
        ingest(store, demo_workload(4, "ws_json", "a"))
    env = {"CHRONICLE_DATABASE_URL": database_url}
    not_yet = chronicle("check", "timeline", **env)
    assert not_yet.returncode == 1 and "no tables yet" in one_line(not_yet)
    asyncio.run(build_timeline(database_url))
    verified = json.loads(chronicle("verify", "--json", **env).stdout)
    checked = json.loads(chronicle("check", "--json", "timeline", **env).stdout)
    parked = chronicle("dlq", "list", "--json", **env)
    assert verified["intact"] is True and verified["events"] > 0
    assert checked[0]["read_model"] == "timeline" and checked[0]["equal"] is True
    assert parked.returncode == 0 and parked.stdout == ""
