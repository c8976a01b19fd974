"""Sections of a communication analytics report, from the aggregated rows.

- interactions: conversations opened and communication activities logged, per period;
- volume: messages and activities, inbound / outbound (activities without a direction
  count in the total only), per period;
- channels: messages and activities per channel, with shares;
- response times: first response and reply times (count, average, bins).

`found` is what `AnalyticsQueries.volume` returns: the counts per period (`period` set)
and per channel (`period` None).
"""

from __future__ import annotations

from datetime import date

from projections.communication.state import BIN_LABELS
from projections.contacts_report.charts import NO_DATA

INTERACTIONS = ("conversation", "activity")
COMMUNICATIONS = ("message", "activity")


def _empty(section: dict) -> dict:
    return {"status": "no_data", "message": NO_DATA, **section}


def interactions(found: list[dict], periods: list[date]) -> dict:
    per = dict.fromkeys(periods, 0)
    for row in found:
        if row["kind"] in INTERACTIONS and row["period"] is not None:
            per[row["period"]] = per.get(row["period"], 0) + row["n"]
    total = sum(per.values())
    if not total:
        return _empty({"total": None, "series": []})
    series = [{"period": p, "count": n} for p, n in sorted(per.items())]
    return {"status": "ok", "total": total, "series": series}


def volume(found: list[dict], periods: list[date]) -> dict:
    per = {p: {"inbound": 0, "outbound": 0, "total": 0} for p in periods}
    for row in found:
        if row["kind"] in COMMUNICATIONS and row["period"] is not None:
            slot = per.setdefault(row["period"], {"inbound": 0, "outbound": 0, "total": 0})
            if row["direction"] in ("inbound", "outbound"):
                slot[row["direction"]] += row["n"]
            slot["total"] += row["n"]
    totals = {k: sum(slot[k] for slot in per.values()) for k in ("inbound", "outbound", "total")}
    if not totals["total"]:
        return _empty({"inbound": None, "outbound": None, "total": None, "series": []})
    series = [{"period": p, **slot} for p, slot in sorted(per.items())]
    return {"status": "ok", **totals, "series": series}


def channels(found: list[dict], deleted: set[str]) -> dict:
    per: dict[str, int] = {}
    for row in found:
        if row["kind"] in COMMUNICATIONS and row["period"] is None:
            per[row["channel"]] = per.get(row["channel"], 0) + row["n"]
    total = sum(per.values())
    if not total:
        return _empty({"total": None, "shares": []})
    shares = [
        {
            "channel": c,
            "count": n,
            "percent": round(100 * n / total, 1),
            "deleted": c in deleted,
        }
        for c, n in sorted(per.items(), key=lambda kv: (-kv[1], kv[0]))
        if n
    ]
    return {"status": "ok", "total": total, "shares": shares}


def response_times(found: list[dict]) -> dict:
    out = {}
    for kind in ("first_response", "reply"):
        mine = [row for row in found if row["kind"] == kind]
        count = sum(row["n"] for row in mine)
        bins = dict.fromkeys(range(len(BIN_LABELS)), 0)
        for row in mine:
            bins[row["bin"]] += row["n"]
        if not count:
            out[kind] = _empty({"count": None, "average_seconds": None, "histogram": []})
            continue
        total_ms = sum(row["total_ms"] for row in mine)
        out[kind] = {
            "status": "ok",
            "count": count,
            "average_seconds": round(total_ms / count / 1000, 1),
            "histogram": [{"bin": BIN_LABELS[b], "count": n} for b, n in bins.items()],
        }
    return out
