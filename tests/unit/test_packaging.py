"""What `pip install .` installs and what the image holds: the product, never its tools
(the benchmark, the demo and its workload, docs generation live in scripts/chronicle_tools
and run from a checkout)."""

import ast
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]
PACKAGES = {
    pattern.rstrip("*")
    for pattern in tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"
    ]["find"]["include"]
}
# Where the tools lived before scripts/chronicle_tools, and any name a tool would carry.
TOOL_NAME = re.compile(r"(^|/)(chronicle_tools|scripts|bench\w*|demo|showcase|workload|docs\w*)")
TOOL_NAME_ASYNCAPI = re.compile(r"(^|/)asyncapi\w*\.py$")
# Not sources of the wheel: what a checkout gathers as it runs and tests.
SCRATCH = (".git", ".venv", ".chronicle", "bench-results", "build", "dist", "*.egg-info")
SCRATCH += ("__pycache__", ".pytest_cache", ".ruff_cache", ".hypothesis", ".schemathesis")


@pytest.fixture(scope="module")
def wheel_files(tmp_path_factory) -> set[str]:
    """The files a wheel of this checkout holds: setuptools' `build` step (what
    bdist_wheel packs, from pyproject.toml's package list and package data) on a copy of
    the sources. Offline, and without the `wheel` package the installed setuptools would
    need to pack them."""
    tmp = tmp_path_factory.mktemp("wheel")
    shutil.copytree(ROOT, tmp / "src", ignore=shutil.ignore_patterns(*SCRATCH))
    build = ["build", "--build-base", str(tmp / "build")]
    done = subprocess.run(
        [sys.executable, "-c", "from setuptools import setup; setup()", *build],
        cwd=tmp / "src",
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lib = tmp / "build" / "lib"
    return {p.relative_to(lib).as_posix() for p in lib.rglob("*") if p.is_file()}


def test_the_wheel_holds_the_product_packages_and_no_tool(wheel_files):
    assert "services/cli/__init__.py" in wheel_files and "domain/__init__.py" in wheel_files
    assert any(f.startswith("services/api/console/templates/") for f in wheel_files)
    assert {f.split("/", 1)[0] for f in wheel_files} == PACKAGES
    tools = sorted(f for f in wheel_files if TOOL_NAME.search(f) or TOOL_NAME_ASYNCAPI.search(f))
    assert tools == [], "tool code in the wheel: move it to scripts/chronicle_tools"


def test_nothing_installed_imports_a_tool(wheel_files):
    """The product runs without scripts/: no module of it names the tools (a lazy import
    inside a function fails only when called, so every import is read)."""
    found = []
    for name in sorted(f for f in wheel_files if f.endswith(".py")):
        tree = ast.parse((ROOT / name).read_text())
        for node in ast.walk(tree):
            modules = []
            if isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                modules = [node.module]
            found += [f"{name}: {m}" for m in modules if m.split(".")[0] == "chronicle_tools"]
    assert found == []


def test_the_image_copies_the_product_packages_and_no_tool():
    dockerfile = (ROOT / "Dockerfile").read_text()
    copied = []
    for line in re.findall(r"^COPY\s+(.+)$", dockerfile, re.M):
        *sources, _ = [w for w in line.split() if not w.startswith("--")]
        copied += [s.rstrip("/") for s in sources]
    folders = {s for s in copied if (ROOT / s).is_dir()}
    assert "." not in copied and "scripts" not in copied  # the build context holds the tools
    assert folders == PACKAGES, "the image copies what the wheel installs, and nothing else"
