"""Proofs end to end: producers publish, the relay signs tree heads on its schedule and
sends them to a witness file; an auditor downloads an inclusion proof and a consistency
proof over HTTP (or `chronicle prove` writes them) and checks them offline with
`chronicle verify-proof`, given nothing but the file and the public key."""

import asyncio
import json
import os
import sys
from asyncio.subprocess import PIPE

import pytest

from adapters import signing
from chronicle_tools.workload import demo_workload
from services.audit.export import lines
from tests.support.bus import publish_all
from tests.support.stack import Stack
from tests.support.waiting import until

pytestmark = pytest.mark.e2e


async def chronicle(*args: str, env: dict | None = None) -> tuple[int, str]:
    run = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.cli", *args, env=env, stdout=PIPE, stderr=PIPE
    )
    out, err = await run.communicate()
    return run.returncode, out.decode() + err.decode()


def offline_env() -> dict[str, str]:
    """An auditor's machine: no database, no bus, no signing key of ours."""
    return {k: v for k, v in os.environ.items() if not k.startswith("CHRONICLE_")}


@pytest.fixture
async def proving(settings, tmp_path):
    settings = settings.model_copy(
        update={
            "checkpoint_interval": 0.2,
            "data_dir": tmp_path / "data",
            "witnesses": f"file:{tmp_path / 'witness.jsonl'}",
        }
    )
    stack = Stack(settings, projections=["audit_trail"])
    await stack.__aenter__()
    try:
        yield stack, tmp_path
    finally:
        await stack.__aexit__(None, None, None)


async def publish_and_sign(stack: Stack, api, messages) -> dict:
    """Publish, wait for the events to be stored and a head over all of them signed."""
    await publish_all(stack.settings.nats_url, messages)
    await until(stack.settled, what="the events to be stored")
    stored = len(list(lines(stack.settings.database_url, workspace="ws_p")))

    async def signed():
        heads = (await api.get("/v1/audit/tree-heads")).json()["tree_heads"]
        return heads[0] if heads and heads[0]["tree_size"] == stored else None

    return await until(signed, what="a tree head over every event")


async def test_an_auditor_proves_an_event_and_the_log_growing_without_trusting_us(proving):
    stack, tmp = proving
    public = signing.public_text(signing.private_key(stack.settings.data_dir).public_key())
    async with stack.client(stack.token("ws_p", role="auditor")) as api:
        # ws_q's envelopes have the same ids as ws_p's: two logs, independent
        first = await publish_and_sign(
            stack, api, demo_workload(1, "ws_p", "r") + demo_workload(2, "ws_q", "r")
        )
        message = next(
            e
            for e in lines(stack.settings.database_url, workspace="ws_p")
            if e["wire_name"].startswith("conversation.message_received")
        )
        inclusion = await api.get(
            "/v1/audit/proofs/inclusion", params={"event": message["position"]}
        )
        second = await publish_and_sign(stack, api, demo_workload(3, "ws_p", "r2"))
        consistency = await api.get(
            "/v1/audit/proofs/consistency", params={"first": first["tree_size"]}
        )
        later = await api.get(
            "/v1/audit/proofs/inclusion",
            params={"event": message["position"], "tree_size": second["tree_size"]},
        )
    assert inclusion.status_code == consistency.status_code == later.status_code == 200
    proof = inclusion.json()
    assert proof["tree_head"] == first and proof["event"]["stored"] == message["stored"]
    assert len(proof["inclusion_path"]) <= first["tree_size"].bit_length()
    assert consistency.json()["second"] == second

    files = {"inclusion": proof, "consistency": consistency.json(), "later": later.json()}
    for name, document in files.items():
        (tmp / f"{name}.json").write_text(json.dumps(document))
        code, out = await chronicle(
            "verify-proof", str(tmp / f"{name}.json"), "--public-key", public, env=offline_env()
        )
        assert code == 0 and out.startswith("OK:"), (name, out)

    forged = {**proof, "event": {**proof["event"], "stored": message["stored"] + " "}}
    (tmp / "forged.json").write_text(json.dumps(forged))
    code, out = await chronicle(
        "verify-proof", str(tmp / "forged.json"), "--public-key", public, env=offline_env()
    )
    assert code == 1 and "not the event logged" in out

    witnessed = tmp / "witness.jsonl"
    kept = [json.loads(line) for line in witnessed.read_text().splitlines()]
    assert first in kept and second in kept


async def test_only_auditors_of_the_workspace_get_proofs(proving):
    stack, _ = proving
    async with stack.client(stack.token("ws_p", role="auditor")) as api:
        await publish_and_sign(stack, api, demo_workload(1, "ws_p", "r"))
    position = next(iter(lines(stack.settings.database_url, workspace="ws_p")))["position"]
    path, params = "/v1/audit/proofs/inclusion", {"event": position}
    results = {}
    for name, token in {
        "agent": stack.token("ws_p", role="agent", teams=("support",)),
        "auditor without email": stack.token("ws_p", role="auditor", email_access=False),
        "other workspace": stack.token("ws_q", role="auditor"),
        "admin": stack.token("ws_p", role="admin"),
    }.items():
        async with stack.client(token) as api:
            results[name] = (await api.get(path, params=params)).status_code
    assert results == {
        "agent": 403,
        "auditor without email": 403,
        "other workspace": 404,
        "admin": 200,
    }


async def test_prove_and_verify_from_the_command_line(proving):
    stack, tmp = proving
    async with stack.client(stack.token("ws_p", role="auditor")) as api:
        first = await publish_and_sign(stack, api, demo_workload(1, "ws_p", "r"))
        second = await publish_and_sign(stack, api, demo_workload(2, "ws_p", "r2"))
    env = {
        **os.environ,
        "CHRONICLE_DATABASE_URL": stack.settings.database_url,
        "CHRONICLE_DATA_DIR": str(stack.settings.data_dir),
        "CHRONICLE_WITNESSES": stack.settings.witnesses,
    }
    event = next(iter(lines(stack.settings.database_url, workspace="ws_p")))["position"]
    sizes = [str(first["tree_size"]), str(second["tree_size"])]
    assert (await chronicle("prove", str(event), "-o", str(tmp / "e.json"), env=env))[0] == 0
    code, _ = await chronicle(
        "prove", "--consistency", *sizes, "--workspace", "ws_p", "-o", str(tmp / "c.json"), env=env
    )
    assert code == 0
    code, public = await chronicle("checkpoint", "--public-key", env=env)
    for name in ("e.json", "c.json"):
        code, out = await chronicle(
            "verify-proof", str(tmp / name), "--public-key", public.strip(), env=offline_env()
        )
        assert code == 0 and out.startswith("OK:"), out
    code, out = await chronicle("verify", "--workspace", "ws_p", env=env)
    assert code == 0 and "intact" in out
    assert f"{len(kept_heads(tmp))} signed tree heads" in out  # the store's and the witness's


def kept_heads(tmp) -> list[dict]:
    return [
        h
        for h in map(json.loads, (tmp / "witness.jsonl").read_text().splitlines())
        if h["workspace_id"] == "ws_p"
    ]
