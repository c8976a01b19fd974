"""Where a running `chronicle up` (or demo) has its servers, for the commands run beside it.

`chronicle up` writes `state.json` in the data folder (mode 600: it holds the admin
identity's bus URL) and removes it when it stops; `chronicle status`, `token create`,
`producer create` and the rest read it when CHRONICLE_DATABASE_URL / CHRONICLE_NATS_URL
are unset, so nothing has to be copied from the banner. A state file whose process is gone
is ignored.

One `chronicle up` (or demo) per data folder: it holds `up.lock` while it runs, and a
second one stops at start rather than start a second nats-server on the same JetStream
files and take over `state.json` (`claim`).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path

NAME = "state.json"
LOCK = "up.lock"


class FolderInUse(Exception):
    """Another `chronicle up` (or demo) runs on this data folder."""

    exit_code = 3  # a configuration to change (services/cli/failures.py)


@contextlib.contextmanager
def claim(data_dir: Path) -> Iterator[None]:
    """Hold `data_dir` while the block runs; FolderInUse when another process holds it.
    The lock goes with the process, however it ends (no stale lock to clean up)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(data_dir / LOCK, os.O_RDWR | os.O_CREAT, 0o600)  # not inherited
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        pid = read(data_dir).get("pid")
        who = f"another chronicle up or demo (pid {pid})" if pid else "another chronicle up"
        raise FolderInUse(
            f"{who} is running on the data folder {data_dir}: use it (commands run beside "
            "it find it), stop it, or give this one a folder of its own (CHRONICLE_DATA_DIR)"
        ) from None
    try:
        yield
    finally:
        os.close(fd)


def write(data_dir: Path, database_url: str, nats_url: str, private_nats: bool) -> Path:
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / NAME
    state = {
        "pid": os.getpid(),
        "database_url": database_url,
        "nats_url": nats_url,
        "private_nats": private_nats,
    }
    fd = os.open(path.with_suffix(".tmp"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(state, f)
    os.replace(path.with_suffix(".tmp"), path)
    return path


def remove(data_dir: Path) -> None:
    path = data_dir / NAME
    if path.exists() and read(data_dir, check_alive=False).get("pid") == os.getpid():
        path.unlink()


def read(data_dir: Path, check_alive: bool = True) -> dict:
    """The state of the `chronicle up` running on this data folder ({} when none is)."""
    path = data_dir / NAME
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    if check_alive:
        try:
            os.kill(int(state["pid"]), 0)
        except (OSError, KeyError, ValueError):
            return {}
    return state
