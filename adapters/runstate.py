"""Where a running `chronicle up` (or demo) has its servers, for the commands run beside it.

`chronicle up` writes `state.json` in the data folder (mode 600: it holds the admin
identity's bus URL) and removes it when it stops; `chronicle status`, `token create`,
`producer create` and the rest read it when CHRONICLE_DATABASE_URL / CHRONICLE_NATS_URL
are unset, so nothing has to be copied from the banner. A state file whose process is gone
is ignored.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

NAME = "state.json"


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
