"""A workspace in New York around the end of DST (Sunday 1 November 2026, a 25-hour day),
for the contacts report and its logs, with a deleted channel, a deleted user, a merge and
a rename; another workspace's events fall in the same days and must never show."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from chronicle_tools.workload import Producer

EDT, EST = timezone(timedelta(hours=-4)), timezone(timedelta(hours=-5))
ADMIN = ("user", "u_1", "Ada Admin")
DANA = ("user", "u_17", "Dana")
SAM = ("user", "u_21", "Sam")
SYSTEM = ("system", "importer", None)
ZONE = "America/New_York"


def at(year, month, day, hour, minute, zone) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=zone)


def report_scenario(ws: str = "ws_rep") -> list:
    p = Producer(ws, ws)
    out = []

    def tell(when, type_, data, actor=DANA, team=None):
        out.append(p.envelope(type_, data, actor, when, team))

    def added(when, contact, name, source, actor=DANA, team=None):
        data = {"contact_id": contact, "name": name, "source": source}
        tell(when, "contact.added", data, actor, team)

    tell(at(2026, 10, 1, 9, 0, EDT), "workspace.settings_changed", {"time_zone": ZONE}, ADMIN)
    tell(
        at(2026, 10, 1, 9, 1, EDT),
        "workspace.channel_added",
        {"channel": "whatsapp", "name": "WhatsApp +1 555 0100"},
        ADMIN,
    )
    # 23:30 on Saturday 31 October in New York is already 1 November in UTC.
    added(at(2026, 10, 31, 23, 30, EDT), "c_1", "Ann Lee", "user")
    added(at(2026, 11, 1, 0, 15, EDT), "c_2", "Bo Chen", "import", SYSTEM)
    # 23:30 on the 25-hour Sunday (EST by then) is 2 November in UTC.
    added(at(2026, 11, 1, 23, 30, EST), "c_3", "Cy Young", "api", SYSTEM)
    added(at(2026, 11, 2, 0, 10, EST), "c_4", "Di Ray", "incoming_message", SYSTEM)
    added(at(2026, 11, 2, 8, 0, EST), "c_red", "Red Only", "user", SAM, "red")
    tell(
        at(2026, 11, 1, 10, 0, EST),
        "contact.connected",
        {"contact_id": "c_1", "channel": "whatsapp", "source": "user"},
    )
    tell(
        at(2026, 11, 2, 9, 0, EST),
        "contact.connected",
        {"contact_id": "c_2", "channel": "email", "source": "broadcast"},
        SYSTEM,
    )
    tell(at(2026, 11, 2, 12, 0, EST), "contact.deleted", {"contact_id": "c_3"}, SAM)
    tell(
        at(2026, 11, 2, 13, 0, EST),
        "contact.merged",
        {"contact_id": "c_1", "merged_contact_ids": ["c_4"]},
    )
    tell(
        at(2026, 11, 2, 14, 0, EST),
        "contact.updated",
        {"contact_id": "c_1", "field": "name", "new": "Ann Lee-Smith"},
    )
    # Spring forward: Sunday 8 March 2026 is a 23-hour day.
    added(at(2026, 3, 7, 23, 30, EST), "c_mar7", "March Seven", "zapier", SYSTEM)
    added(at(2026, 3, 8, 23, 30, EDT), "c_mar8", "March Eight", "make", SYSTEM)
    tell(at(2026, 11, 3, 9, 0, EST), "workspace.channel_deleted", {"channel": "whatsapp"}, ADMIN)
    tell(at(2026, 11, 3, 9, 5, EST), "workspace.user_deleted", {"user_id": "u_21"}, ADMIN)
    other = Producer("ws_other", "ws_other")
    for n in range(3):
        out.append(
            other.envelope(
                "contact.added",
                {"contact_id": f"c_{n + 1}", "name": "Not yours", "source": "user"},
                DANA,
                at(2026, 11, 1, 12, n, EST),
            )
        )
    return out
