"""The producer package installs without Chronicle's server: `pip install ./clients/python`
into a fresh venv, as docs/producers.md says, needs nothing of the server, and what pip
would pull with it (its Requires-Dist) is nats-py and pydantic only."""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.support.producer_package import CLIENT

pytestmark = pytest.mark.integration
SERVER_PACKAGES = ("services", "domain", "adapters", "projections")
PROBE = """
import importlib.metadata as m, sys
import chronicle_producer as p
envelope = p.ENVELOPES["contact.added"](
    id="x", workspace_id="ws", occurred_at="2026-11-20T09:15:00Z",
    actor=p.Actor(type="user", id="u_1"), data={"contact_id": "c_1", "source": "api"},
)
print("requires:", "|".join(m.requires("chronicle-producer")))
print("loaded:", p.__file__)
print("server:", sorted(n for n in sys.modules if n.split(".")[0] in {server}))
for name in {server}:
    try:
        __import__(name)
        print("importable:", name)
    except ModuleNotFoundError:
        pass
"""


def run(*args: str, cwd=None) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    done = subprocess.run(args, capture_output=True, text=True, cwd=cwd, env=env, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_the_package_installs_into_a_fresh_venv_and_pulls_nothing_of_the_server(tmp_path):
    # given a fresh venv, and the package installed as the guide says, its dependencies left out
    home = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(home)
    python = str(home / "bin" / "python")
    checkout = tmp_path / "clients" / "python"  # a copy: pip builds in the folder it is given
    shutil.copytree(CLIENT, checkout, ignore=shutil.ignore_patterns("build", "*.egg-info"))
    run(python, "-m", "pip", "install", "--quiet", "--no-deps", str(checkout))
    # its two dependencies, borrowed from this venv; nothing of the server comes with them
    # (a path in a .pth file is not a site folder: the server's editable install stays out)
    (sitedir,) = [p for p in site.getsitepackages() if p.startswith(sys.prefix)]
    target = run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))")
    (Path(target.strip()) / "borrowed.pth").write_text(sitedir + "\n")
    # when it is imported and used, outside the checkout
    out = run(python, "-c", PROBE.replace("{server}", repr(SERVER_PACKAGES)), cwd=tmp_path)
    lines = dict(line.split(": ", 1) for line in out.splitlines())
    # then it works from its own installed copy, needing nothing of the server
    requires = lines["requires"].split("|")
    assert sorted(r.split(">")[0].split("<")[0] for r in requires) == ["nats-py", "pydantic"]
    assert lines["loaded"].startswith(str(home))
    assert lines["server"] == "[]"
    assert "importable" not in lines
