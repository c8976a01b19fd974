"""The charts of the contacts report, and which filters apply to each.

A chart one of whose selected filters does not apply says so ("filter_not_applicable")
and shows no numbers; a chart with nothing in the range for its filters says "no_data";
neither shows a zero that could be read as a measurement.
"""

from __future__ import annotations

from projections.contacts_report.queries import ReportFilter
from projections.shared.report_range import ReportRange

# chart -> (filters that apply to it, metrics it shows). Deletions and merges are always
# done by a user and happen on no channel, so source and channel do not apply to them;
# contacts are added on no channel (seed 004 lists channels only for connections).
CHARTS: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {
    "contacts_added": (frozenset({"user", "source", "contact"}), ("added",)),
    "contacts_deleted": (frozenset({"user", "contact"}), ("deleted",)),
    "contacts_merged": (frozenset({"user", "contact"}), ("merged",)),
    "added_deleted_merged": (frozenset({"user", "contact"}), ("added", "deleted", "merged")),
    "added_by_source": (frozenset({"user", "source", "contact"}), ("added",)),
    "connected_by_channel": (
        frozenset({"channel", "user", "source", "contact"}),
        ("connected",),
    ),
}
# The logs, by the same rule as the metric they list.
LOGS: dict[str, frozenset[str]] = {
    "added": CHARTS["contacts_added"][0],
    "connected": CHARTS["connected_by_channel"][0],
    "deleted": CHARTS["contacts_deleted"][0],
    "merged": CHARTS["contacts_merged"][0],
}
SOURCE_LABELS = {
    "user": "User",
    "import": "Contact Import",
    "api": "Developer API",
    "incoming_message": "Incoming Message",
    "echo_message": "Echo Message",
    "zapier": "Zapier",
    "make": "Make",
    "click_to_chat_ad": "Click-to-Chat Ads",
    "broadcast": "Broadcast",
}
METRIC_LABELS = {"added": "Added", "deleted": "Deleted", "merged": "Merged"}
NOT_APPLICABLE = "The selected filters are not applicable here"
NO_DATA = "The selected filters have no data"


def not_applicable(applies: frozenset[str], f: ReportFilter) -> list[str]:
    return sorted(f.selected() - applies)


def needed_metrics(f: ReportFilter) -> list[str]:
    """The metrics of the charts the filters apply to: the only ones worth counting."""
    return sorted(
        {
            m
            for applies, metrics in CHARTS.values()
            if not not_applicable(applies, f)
            for m in metrics
        }
    )


def _bars(totals: dict[str, int], label) -> tuple[list[dict], list[dict]]:
    total = sum(totals.values())
    ordered = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
    bars = [{"key": k, "count": n, **label(k)} for k, n in ordered if n]
    shares = [{**b, "percent": round(100 * b["count"] / total, 1)} for b in bars]
    return bars, shares


def _series(found: list[dict], key: str, r: ReportRange, keys: list[str]) -> list[dict]:
    per_day = {(row[key], row["day"]): 0 for row in found}
    for row in found:
        per_day[(row[key], row["day"])] += row["n"]
    return [
        {"key": k, "points": [{"day": d, "count": per_day.get((k, d), 0)} for d in r.days()]}
        for k in keys
    ]


def charts(found: list[dict], r: ReportRange, f: ReportFilter, channels: dict) -> dict:
    """Every chart of the report from (metric, day, source, channel, n) rows."""
    out = {}
    for name, (applies, metrics) in CHARTS.items():
        skipped = not_applicable(applies, f)
        mine = [row for row in found if row["metric"] in metrics]
        total = sum(row["n"] for row in mine)
        if skipped:
            out[name] = {"status": "filter_not_applicable", "message": NOT_APPLICABLE}
            out[name]["not_applicable"] = skipped
            continue
        if not total:
            out[name] = {"status": "no_data", "message": NO_DATA}
            continue
        chart = {"status": "ok", "total": total}
        if name == "added_deleted_merged":
            per = {m: sum(row["n"] for row in mine if row["metric"] == m) for m in metrics}
            chart["bars"] = [
                {"key": m, "label": METRIC_LABELS[m], "count": per[m]} for m in metrics
            ]
            chart["series"] = _series(mine, "metric", r, list(metrics))
        elif name in ("added_by_source", "connected_by_channel"):
            key = "source" if name == "added_by_source" else "channel"
            totals: dict[str, int] = {}
            for row in mine:
                totals[row[key]] = totals.get(row[key], 0) + row["n"]
            label = _source_label if key == "source" else _channel_label(channels)
            chart["bars"], chart["shares"] = _bars(totals, label)
            chart["series"] = _series(mine, key, r, [b["key"] for b in chart["bars"]])
        out[name] = chart
    return out


def _source_label(source: str) -> dict:
    return {"label": SOURCE_LABELS.get(source, source)}


def _channel_label(channels: dict):
    def label(channel: str) -> dict:
        known = channels.get(channel) or {}
        return {"label": known.get("name") or channel, "deleted": bool(known.get("deleted"))}

    return label
