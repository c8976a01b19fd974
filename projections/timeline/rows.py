"""Rows of the timeline: what each event becomes, for whom, and how it is found."""

from __future__ import annotations

from operator import itemgetter
from typing import Any

from domain.activity import Activity
from domain.conversation import Conversation
from domain.outgoing_email import OutgoingEmail
from projections.engine.base import Recorded
from projections.shared.describe import COMMON_PLACEHOLDERS, common_columns, data_of
from projections.timeline.tables import ENTRIES

SUBJECTS = ("contact", "lead", "account")
# Entries that are record-keeping about the contact or conversation, not activities:
# they show on the timeline but do not count on its badge ("6 Activities").
NOT_COUNTED = ("contact", "conversation")
UNCOUNTED_TYPE = Activity.Deleted.TOPIC.rsplit(".", 1)[0]  # a deletion counts for nothing


def counted_sql(alias: str = "") -> str:
    """`Row.counted` as SQL over ENTRIES (a badge counts such entries that are not deleted)."""
    e = f"{alias}." if alias else ""
    kinds = ", ".join(repr(c) for c in NOT_COUNTED)
    return f"{e}category NOT IN ({kinds}) AND {e}type <> '{UNCOUNTED_TYPE}'"


# The INSERT of a whole row: its own columns, then the common ones (describe.py).
_OWN = ENTRIES.columns[: ENTRIES.columns.index("occurred_at")]
PLACEHOLDERS = ", ".join(["%s"] * len(_OWN)) + ", " + COMMON_PLACEHOLDERS
_INDEX = {name: i for i, name in enumerate(ENTRIES.columns)}


def category(r: Recorded) -> str:
    """What a timeline filter by type means: an activity's type, else the event's family."""
    if type(r.event) is Conversation.InteractionClosed:
        return "interaction"
    details = getattr(r.event, "details", None)
    if details is not None and hasattr(details, "type"):
        return details.type
    return r.type.split(".", 1)[0]


def _words(data: dict[str, Any]) -> list[str]:
    """Every text in `data` (plain JSON values), in order: depth first, without recursion
    (this runs for every entry)."""
    found: list[str] = []
    pending: list[Any] = [data]
    while pending:
        value = pending.pop()
        kind = type(value)
        if kind is str:
            found.append(value)
        elif kind is dict:
            pending.extend(reversed(value.values()))
        elif kind is list or kind is tuple:
            pending.extend(reversed(value))
    return found


class Row(list):
    """One entry: the values of every column of ENTRIES, in order (what the INSERT takes);
    each column is an attribute too (`row.subject_id`)."""

    def set(self, name: str, value) -> None:
        self[_INDEX[name]] = value

    @property
    def key(self) -> tuple:
        return (self.workspace_id, self.source_type, self.source_id)

    @property
    def subject(self) -> tuple:
        return (self.workspace_id, self.subject_type, self.subject_id)

    @property
    def counted(self) -> bool:
        return self.category not in NOT_COUNTED and self.type != UNCOUNTED_TYPE


for _name, _i in _INDEX.items():  # read by index in C: entries are read millions of times
    assert not hasattr(Row, _name), _name
    setattr(Row, _name, property(itemgetter(_i)))


def search_text(r: Recorded, summary: str, data: dict[str, Any] | None = None) -> str:
    """What the timeline's search looks in: the summary and every text of the event
    (`data`: the event's, when the caller has it already)."""
    return " ".join([summary, *_words(data_of(r.event) if data is None else data)]).lower()


def row(
    r: Recorded,
    subject: tuple[str, str],
    source: tuple[str, str],
    link: tuple[str, str] | None = None,
    team_id: str | None = None,
    kind: str | None = None,
    channel: str | None = None,
) -> Row:
    data = data_of(r.event)
    common = dict(zip(ENTRIES.columns[len(_OWN) :], common_columns(r, data), strict=True))
    if team_id is not None:
        common["team_id"] = team_id
    search = search_text(r, common["summary"], data)
    link_type, link_id = link or (None, None)
    own = (
        r.meta.workspace_id,
        *subject,
        r.position,
        kind or category(r),
        *source,
        link_type,
        link_id,
        False,
        None,
        search,
        channel,
    )
    return Row([*own, *common.values()])


def activity_rows(r: Recorded) -> list[Row]:
    details = r.event.details
    link = (details.model.type, details.model.id) if details.model else None
    return [
        row(r, (kind, ref.id), ("activity", r.event.activity_id), link, r.meta.team_id)
        for kind in SUBJECTS
        if (ref := getattr(details, kind)) is not None
    ]


def email_rows(r: Recorded) -> list[Row]:
    """A sent email on each recipient contact's timeline, a received one on the sender's;
    the source is the email (outgoing: its id; incoming: its id in Chronicle)."""
    if type(r.event) is OutgoingEmail.Sent:
        source, team = ("email", r.event.email_id), r.event.team_id
    else:
        source, team = ("incoming_email", str(r.aggregate_id)), r.meta.team_id
    return [row(r, ("contact", c), source, None, team) for c in r.event.contact_ids]
