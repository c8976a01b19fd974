"""The README's first command: `scripts/demo` runs the whole stack and shows its result.

Run here as scripts/demo runs it (`python -m chronicle_tools demo`, the tools found through
PYTHONPATH), with this interpreter: the script's own lines are checked by test_tools.py."""

import re
import subprocess
import sys

import pytest

from chronicle_tools import worker_env

pytestmark = pytest.mark.e2e


def test_the_demo_prints_a_timeline_an_audit_trail_and_the_kept_rejects(
    database_url, nats_url, tmp_path
):
    env = {
        **worker_env(),
        "CHRONICLE_DATABASE_URL": database_url,
        "CHRONICLE_NATS_URL": nats_url,
        "CHRONICLE_DATA_DIR": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "-m", "chronicle_tools", "demo"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    timeline = out.split("Timeline of contact c_ann", 1)[1].split("Audit trail", 1)[0]
    assert len([line for line in timeline.splitlines() if line.startswith("  20")]) == 10
    trail = out.split("Audit trail of conversation ", 1)[1].split("Ingest:", 1)[0]
    assert trail.startswith("conv_")
    assert "conversation.opened" in trail.splitlines()[1]  # oldest first, from version 1
    assert "rejected and kept" in out and "rejected " in out.split("Ingest:", 1)[1]
    assert re.search(
        r"^  20\d\d-\d\d-\d\d \d\d:\d\d UTC  ", timeline, re.M
    )  # times with their zone
    closing = out.split("The demo stops now", 1)[1]
    api = re.search(r"^  API:     (http://127\.0\.0\.1:\d+)  ", closing, re.M).group(1)
    token = re.search(r"^  Token:   (chr_\S+)  \(admin of acme-\w+: paste it", closing, re.M)
    assert token and f"  Console: {api}/console/" in closing
    assert "scripts/demo --keep-running" in closing  # how to keep it running
    assert "chronicle token create --workspace acme-" in closing  # how to make a token
    assert f"logs in {tmp_path / 'logs'}" in closing
    assert "it/s" not in out and "publishing" in done.stderr  # progress bars on stderr only
