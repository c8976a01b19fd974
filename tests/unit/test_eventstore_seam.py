"""The seam with eventsourcing's internals (adapters/eventstore/seam.py), held against
the installed library: a release that renames, reshapes or reorders the private methods
we override or call fails here, before an upgrade past the `<9.6` pin reaches a store.
tests/integration/test_eventstore_seam.py checks that a real store calls our hooks."""

from __future__ import annotations

import ast
import inspect
import textwrap

import pytest
from eventsourcing.application import Application
from eventsourcing.persistence import EventStore as LibraryEventStore
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresFactory

from adapters.eventstore import seam
from adapters.eventstore.connection import ChronicleFactory
from adapters.eventstore.store import EventStore, _Events


def shape(function) -> str:
    """A signature as the seam spells it: parameter names and kinds, no annotations."""
    parameters = inspect.signature(function).parameters.values()
    return str(
        inspect.Signature([p.replace(annotation=p.empty, default=p.empty) for p in parameters])
    )


def calls_on_self(function) -> list[str]:
    """The methods `function` calls on self or super(), in source order."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            target = node.func.value
            on_self = isinstance(target, ast.Name) and target.id == "self"
            on_super = isinstance(target, ast.Call) and getattr(target.func, "id", "") == "super"
            if on_self or on_super:
                found.append((node.lineno, node.col_offset, node.func.attr))
    return [name for *_, name in sorted(found)]


@pytest.mark.parametrize("name", sorted({**seam.OVERRIDDEN, **seam.CALLED}))
def test_the_library_still_has_each_private_method_we_use_with_its_signature(name):
    expected = {**seam.OVERRIDDEN, **seam.CALLED}[name]
    assert shape(getattr(PostgresApplicationRecorder, name)) == expected


@pytest.mark.parametrize("name", sorted(seam.OVERRIDDEN))
def test_our_overrides_take_what_the_library_passes(name):
    ours = inspect.signature(getattr(seam.LibraryRecorder, name)).parameters.values()
    theirs = inspect.signature(getattr(PostgresApplicationRecorder, name)).parameters.values()
    positional = [p.name for p in theirs if p.kind is p.POSITIONAL_OR_KEYWORD]
    assert [p.name for p in ours if p.kind is p.POSITIONAL_OR_KEYWORD] == positional
    assert any(p.kind is p.VAR_KEYWORD for p in ours)  # the batch's records ride on kwargs


def test_the_library_inserts_through_our_three_hooks_in_order():
    assert [
        name
        for name in calls_on_self(PostgresApplicationRecorder.insert_events)
        if name in seam.OVERRIDDEN
    ] == ["_insert_events", "_insert_stored_events", "_fetch_ids_after_insert_events"]


def test_the_insert_we_replace_still_only_locks_notifies_and_inserts():
    """LibraryRecorder._insert_stored_events does what the library's does (lock the
    table, notify, insert) without calling it: a step the library adds would be skipped."""
    assert calls_on_self(PostgresApplicationRecorder._insert_stored_events) == [
        "_lock_table",
        "_notify_channel",
        "_insert_stored_events",
    ]
    assert calls_on_self(seam.LibraryRecorder._insert_stored_events) == [
        "_lock_table",
        "_notify_channel",
        "write_events",
    ]


def test_the_public_methods_we_override_keep_their_signatures():
    pairs = [
        (LibraryEventStore.put, _Events.put),
        (Application.construct_mapper, EventStore.construct_mapper),
        (Application.construct_event_store, EventStore.construct_event_store),
        (PostgresFactory.__init__, ChronicleFactory.__init__),
    ]
    for theirs, ours in pairs:
        assert shape(theirs) == shape(ours), theirs.__qualname__


def test_no_other_module_of_chronicle_uses_a_private_member_of_the_library():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    # (not _record or _notify, the application's: Chronicle names helpers of its own so)
    names = {*seam.OVERRIDDEN, *seam.CALLED, "_take_snapshots"}
    found = []
    for folder in ("adapters", "domain", "projections", "services"):
        for path in (root / folder).rglob("*.py"):
            if path == root / "adapters" / "eventstore" / "seam.py":
                continue
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
                if isinstance(node, ast.Attribute | ast.FunctionDef) and (
                    getattr(node, "attr", None) in names or getattr(node, "name", None) in names
                ):
                    found.append(f"{path.relative_to(root)}:{node.lineno}")
    assert found == []
