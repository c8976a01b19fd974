"""A command that quiets the garbage collector (adapters/processes.py) gives its settings back:
tests run `chronicle rebuild` inside the test process."""

import gc

import pytest

from adapters.processes import garbage_collector_quieted

pytestmark = pytest.mark.unit


def test_quieted_while_the_command_runs_and_given_back_after():
    before = gc.get_threshold()
    with garbage_collector_quieted():
        assert gc.get_threshold() == (20_000, 50, 100)
        assert gc.get_freeze_count() > 0  # what was loaded is never scanned again
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_given_back_when_the_command_fails():
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), garbage_collector_quieted():
        raise RuntimeError("the rebuild failed")
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
