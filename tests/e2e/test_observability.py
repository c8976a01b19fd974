"""What an operator sees: JSON logs in which one message's correlation id goes from the bus
through ingest and relay to the read model; /health and /metrics of every process."""

import json

import httpx
import msgspec
import psycopg
import pytest
from prometheus_client.parser import text_string_to_metric_families

from adapters import bus
from adapters.embedded import free_port
from chronicle_tools.workload import Producer
from tests.support.bus import publish_all
from tests.support.processes import ServiceProcess
from tests.support.scenario import START
from tests.support.waiting import until

pytestmark = pytest.mark.e2e
SERVICES = {
    "ingest": ("ingest",),
    "relay": ("relay",),
    "projector": ("projectors", "timeline"),
    "api": ("api",),
}


def metric(text: str, name: str, **labels: str) -> float | None:
    """A sample's value from the Prometheus text format (labels in any order)."""
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return sample.value
    return None


def build_labels(text: str) -> dict:
    for family in text_string_to_metric_families(text):
        if family.name == "chronicle_build_info":
            return family.samples[0].labels
    return {}


async def test_a_correlation_id_goes_from_the_bus_to_the_read_model(settings):
    ports = {name: free_port() for name in SERVICES}  # each process's ops endpoint
    api_port = free_port()
    processes = {}
    for name, args in SERVICES.items():
        process = ServiceProcess(settings, *args)
        process.env |= {
            "CHRONICLE_LOG_LEVEL": "debug",
            "CHRONICLE_WATCH_INTERVAL": "0.2",
            "CHRONICLE_METRICS_PORT": str(ports[name]),
            "CHRONICLE_API_PORT": str(api_port),
        }
        processes[name] = process.start()
    producer = Producer("ws_obs", "obs")
    good = producer.envelope(
        "contact.added",
        {"contact_id": "c_obs", "name": "Ann Lee", "source": "api"},
        ("user", "u_17", "Dana"),
        START,
    )
    bad = producer.envelope("contact.added", {"contact_id": "c_bad"}, ("user", "u_1", None), START)
    base = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    base["public api"] = f"http://127.0.0.1:{api_port}"

    async def get(name: str, path: str) -> httpx.Response | None:
        try:
            async with httpx.AsyncClient(base_url=base[name], timeout=5) as client:
                return await client.get(path)
        except httpx.TransportError:
            return None

    async def everything_up() -> bool:
        return all([await get(name, "/health") for name in SERVICES])

    async def projected() -> bool:
        text = await get("projector", "/metrics")
        return (
            text is not None
            and metric(
                text.text, "chronicle_projection_position", projection="timeline", partition="all"
            )
            == 1
            and metric(
                text.text, "chronicle_projection_lag_events", projection="timeline", partition="all"
            )
            == 0
        )

    try:
        await until(everything_up, within=60, what="every service's /health")
        # before anything happened: each counter at 0, not absent until its first event
        fresh = {name: (await get(name, "/metrics")).text for name in ("ingest", "projector")}
        nc = await bus.connect(settings.nats_url, "test-producer")
        await nc.jetstream().publish(
            good.subject,
            good.body,
            headers={bus.MSG_ID: good.envelope_id, bus.CORRELATION_ID: "corr-7f3a"},
        )
        await nc.close()
        await publish_all(settings.nats_url, [bad])
        await until(projected, within=60, what="the event in the timeline, lag 0")
        health = {name: await get(name, "/health") for name in SERVICES}
        scraped = {name: (await get(name, "/metrics")).text for name in SERVICES}
        public = await get("public api", "/health")
        await get("public api", "/v1/contacts/c_obs/timeline")  # unauthenticated: 401, timed
        api_metrics = (await get("api", "/metrics")).text
        processes["relay"].stop()  # a restarted relay knows its position before any publish
        first_relay = processes["relay"]
        processes["relay"] = ServiceProcess(settings, "relay")
        processes["relay"].env |= {"CHRONICLE_METRICS_PORT": str(ports["relay"])}
        processes["relay"].start()

        async def relay_position_known():
            response = await get("relay", "/metrics")
            return response and metric(response.text, "chronicle_relay_position") == 1

        await until(relay_position_known, within=60, what="the restarted relay's position")
    finally:
        for process in processes.values():
            process.stop()
    assert all(r.status_code == 200 for r in health.values())
    own = {  # each process lists its own series only (and its build)
        "ingest": "chronicle_ingest_",
        "relay": "chronicle_relay_",
        "projector": "chronicle_projection_",
        "api": "chronicle_http_",
    }
    for name, text in {**scraped, "api": api_metrics}.items():
        families = {f.name for f in text_string_to_metric_families(text)}
        chronicle = {f for f in families if f.startswith("chronicle_")}
        assert chronicle - {"chronicle_build_info"}, name
        assert all(f.startswith(own[name]) for f in chronicle - {"chronicle_build_info"}), name
        assert metric(text, "chronicle_build_info", **build_labels(text)) == 1, name
        assert not [f for f in families if f.endswith("_created")], name
    assert public.json() == {"status": health["api"].json()["status"]}  # no details
    assert health["api"].json()["projections"]["timeline"]["lag_events"] == 0
    assert health["projector"].json()["status"] == "ok"
    assert health["projector"].json()["behind"] == 0
    for outcome in ("accepted", "duplicate", "rejected", "parked"):
        assert metric(fresh["ingest"], "chronicle_ingest_envelopes_total", outcome=outcome) == 0
    started = {"projection": "timeline", "partition": "all"}
    assert metric(fresh["projector"], "chronicle_projection_batches_total", **started) == 0
    assert metric(scraped["ingest"], "chronicle_ingest_envelopes_total", outcome="accepted") == 1
    assert metric(scraped["ingest"], "chronicle_ingest_envelopes_total", outcome="rejected") == 1
    assert metric(scraped["relay"], "chronicle_relay_position") == 1
    assert (
        metric(
            scraped["projector"],
            "chronicle_projection_lag_seconds",
            projection="timeline",
            partition="all",
        )
        == 0
    )
    assert (
        metric(
            api_metrics,
            "chronicle_http_request_duration_seconds_count",
            method="GET",
            route="/v1/contacts/{subject_id}/timeline",
            status="401",
        )
        == 1
    )
    with psycopg.connect(settings.database_url) as conn:
        position, state = conn.execute(
            "SELECT notification_id, state FROM chronicle_events"
        ).fetchone()
    assert msgspec.json.decode(bytes(state))["meta"]["correlation_id"] == "corr-7f3a"
    journey = {}
    processes["relay"] = first_relay  # the one that relayed the event
    for name in ("ingest", "relay", "projector"):
        lines = [json.loads(line) for line in processes[name].output().splitlines() if line]
        assert all(line["service"].startswith(name) for line in lines)  # JSON, every line
        journey[name] = [line for line in lines if line.get("correlation_id") == "corr-7f3a"]
    assert [(e["event"], e["position"]) for e in journey["ingest"]] == [
        ("ingest.outcome", position)
    ]
    assert [(e["event"], e["position"]) for e in journey["relay"]] == [("relay.event", position)]
    assert [(e["event"], e["position"]) for e in journey["projector"]] == [
        ("projectors.event", position)
    ]
