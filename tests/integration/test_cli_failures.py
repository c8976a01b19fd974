"""Known failures of the command line: one line on stderr naming what was wrong, and an
exit code of their own (services/cli/failures.py); machine-readable answers with --json."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys

import pytest

from adapters import runstate
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


# `chronicle up` stops at start, in one line with exit code 3, rather than run beside what
# it would clash with: another `up` (or demo) on the same data folder (a second
# nats-server on the same JetStream files, `state.json` taken over, then removed under the
# first), or an API port something else holds (the API failed to bind in a loop while the
# banner pointed at the other server).
HOLDER = """
import sys
from pathlib import Path
from adapters import runstate
folder = Path(sys.argv[1])
with runstate.claim(folder):
    runstate.write(folder, "postgresql://as-if", "nats://as-if", True)
    print("holding", flush=True)
    sys.stdin.read()  # until the test closes it
"""


def test_a_second_up_on_a_data_folder_in_use_stops_and_names_the_first(tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        with (
            pytest.raises(runstate.FolderInUse, match=f"pid {holder.pid}"),
            runstate.claim(tmp_path),
        ):
            pass
        result = chronicle("up", CHRONICLE_DATA_DIR=str(tmp_path))
        assert result.returncode == 3
        line = one_line(result)
        assert f"(pid {holder.pid}) is running on the data folder {tmp_path}" in line, line
        assert runstate.read(tmp_path)["pid"] == holder.pid  # its state is left as it was
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    with runstate.claim(tmp_path):  # free again once the holder is gone
        pass


def test_up_stops_when_the_api_port_is_taken(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = chronicle("up", CHRONICLE_DATA_DIR=str(tmp_path), CHRONICLE_API_PORT=str(port))
    assert result.returncode == 3
    assert f"the API's address 127.0.0.1:{port} is taken" in one_line(result)
    assert not (tmp_path / "pgdata").exists()  # nothing was started


def test_a_command_without_its_servers_says_to_set_them_or_start_up(tmp_path):
    """With no URL set and no `chronicle up` on the data folder, a configuration error
    (exit 3) that says both ways out, not a bare "set CHRONICLE_DATABASE_URL" (exit 1)."""
    for command in (["status"], ["workspace", "add-channel", "email", "--workspace", "ws_a"]):
        result = chronicle(*command, CHRONICLE_DATA_DIR=str(tmp_path))
        assert result.returncode == 3, (command, result.stderr)
        line = one_line(result)
        assert "or run this beside `chronicle up` (none is running on the data folder" in line
