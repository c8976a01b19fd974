"""The tools (scripts/chronicle_tools) have one entry, which the shell scripts run, no
import cycles among them, and the `chronicle` command has none of their subcommands."""

import ast
import re
from pathlib import Path

import pytest

from chronicle_tools import HOME
from chronicle_tools.cli import parser as tools_parser
from services.cli import parser as chronicle_parser

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]
TOOLS = HOME / "chronicle_tools"


def subcommands(parser) -> set[str]:
    (sub,) = [a for a in parser._actions if a.dest == "command"]
    return set(sub.choices)


def test_each_tool_script_runs_a_command_of_the_tools_entry():
    ran = {}
    for script in ("bench", "demo", "docs"):
        text = (ROOT / "scripts" / script).read_text()
        found = re.search(
            r'^PYTHONPATH="\$PWD/scripts\S*" exec \S+ -m chronicle_tools (\w+) "\$@"$', text, re.M
        )
        assert found, f"scripts/{script} does not run `python -m chronicle_tools`"
        ran[script] = found.group(1)
    assert ran == {name: name for name in ran}
    assert set(ran.values()) == subcommands(tools_parser())


def test_the_benchmark_and_every_suite_parse_from_the_one_entry():
    parse = tools_parser().parse_args
    assert parse(["bench", "--quick"]).handler.__name__ == "cmd_bench"
    suites = {"live": [], "reports": [], "erasure": [], "scale": [], "size": []}
    suites["proofs"] = ["cost"]
    for suite, more in suites.items():
        handler = parse(["bench", suite, *more]).handler
        assert handler.__name__ == f"cmd_{suite}", suite


def test_the_chronicle_command_has_no_tool_subcommand():
    assert not {"demo", "docs", "bench", "bench-live"} & subcommands(chronicle_parser())


def imports_of(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
            modules.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            modules.update(a.name for a in node.names)
    return modules


def test_no_import_cycle_among_the_tools():
    """Every import is followed, those inside functions too: a cycle hidden in a function
    is still one (bench_scale and bench_size once imported each other that way)."""
    names = {
        ".".join(p.relative_to(HOME).with_suffix("").parts).removesuffix(".__init__"): p
        for p in TOOLS.rglob("*.py")
    }
    graph = {name: imports_of(path) & set(names) - {name} for name, path in names.items()}
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> None:
        if name in path:
            raise AssertionError("import cycle: " + " -> ".join([*path[path.index(name) :], name]))
        if name in done:
            return
        for imported in sorted(graph[name]):
            visit(imported, [*path, name])
        done.add(name)

    for name in sorted(graph):
        visit(name, [])
    assert len(graph) > 40  # the walk saw the tools
