"""The `eventsourcing` library used the straightforward way, on the same PostgreSQL.

- one aggregate saved per transaction: each command loads its aggregate (unless it creates
  one), records one event with a payload of Chronicle's mean event size, and saves;
- batched: the same commands, 500 aggregates per `save()` (one transaction);
- the library's own projection runner (`eventsourcing.projection.ProjectionRunner`) over
  everything saved, its view writing one row and the tracking record per event.
"""

from __future__ import annotations

import random
import time
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.projection import Projection, ProjectionRunner
from psycopg.sql import SQL

from adapters.eventstore import application_env
from chronicle_tools.bench.config import Config
from chronicle_tools.bench.infra import Infra
from chronicle_tools.bench.measure import Figure, RssSampler, own_pid, progress

BATCH = 500


class Note(Aggregate):
    @event("Created")
    def __init__(self, text: str) -> None:
        self.text, self.count = text, 0

    @event("Noted")
    def note(self, text: str) -> None:
        self.text, self.count = text, self.count + 1


class Notes(Application):
    pass


class NotesView(PostgresTrackingRecorder):
    def __init__(self, datastore, **kwargs) -> None:
        super().__init__(datastore, **kwargs)
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS notes_view (id uuid PRIMARY KEY, events int, text text)"
            )
        )

    def record(self, note_id: UUID, text: str, tracking: Tracking) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                "INSERT INTO notes_view VALUES (%s, 1, %s) ON CONFLICT (id) DO UPDATE SET "
                "events = notes_view.events + 1, text = EXCLUDED.text",
                (note_id, text),
            )
            self._insert_tracking(curs, tracking)


class NotesProjection(Projection[NotesView]):
    name = "notes_projection"

    def process_event(self, domain_event, tracking: Tracking) -> None:
        self.view.record(domain_event.originator_id, domain_event.text, tracking)


def _commands(app: Notes, count: int, text: str, rng: random.Random, per_save: int):
    ids: list[UUID] = []
    ms: list[float] = []
    bar = progress(count, f"eventsourcing, {per_save} per transaction", unit="ev")
    for _ in range(0, count, per_save):
        started = time.perf_counter()
        batch: dict[UUID, Note] = {}
        for _ in range(per_save):
            if ids and rng.random() < 0.7:
                note_id = rng.choice(ids)
                note = batch.get(note_id) or app.repository.get(note_id)
                note.note(text)
            else:
                note = Note(text)
                ids.append(note.id)
            batch[note.id] = note
        app.save(*batch.values())
        ms.append((time.perf_counter() - started) * 1000)
        bar.update(per_save)
    bar.close()
    return ms


def run(infra: Infra, config: Config, state_bytes: float) -> list[Figure]:
    database_url = infra.fresh_database("raw_es")
    env = application_env(database_url)
    env.pop("APPLICATION_RECORDER_TOPIC")  # the library's own recorder, as it comes
    text, rng, figures = "x" * int(state_bytes), random.Random(7), []
    app = Notes(env=env)
    for per_save, count in ((1, config.es_saves), (BATCH, config.es_saves * 5)):
        with RssSampler(own_pid) as rss:
            started = time.perf_counter()
            ms = _commands(app, count, text, rng, per_save)
            seconds = time.perf_counter() - started
        label = "one aggregate" if per_save == 1 else f"{per_save} aggregates"
        figures.append(
            Figure(
                f"raw eventsourcing: {label} saved per transaction",
                count,
                seconds,
                rss_mb=rss.peak_mb,
                latency=f"per transaction ({label}, loads included)",
                baseline_for=["ingest"],
            ).with_latencies(ms)
        )
    head = app.recorder.max_notification_id()
    app.close()
    with RssSampler(own_pid) as rss:
        started = time.perf_counter()
        with ProjectionRunner(
            application_class=Notes,
            projection_class=NotesProjection,
            view_class=NotesView,
            env=env,
        ) as runner:
            runner.wait(head, timeout=3600)
        seconds = time.perf_counter() - started
    figures.append(
        Figure(
            "raw eventsourcing: ProjectionRunner, one event per transaction",
            head,
            seconds,
            rss_mb=rss.peak_mb,
            baseline_for=["pipeline", "rebuild"],
        )
    )
    infra.drop_database(database_url)
    return figures
