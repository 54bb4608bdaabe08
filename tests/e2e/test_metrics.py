"""Metrics (issue 7): Prometheus `/metrics` per function and version, and the console's
per-minute series (`GET /_nimbus/metrics/series`)."""
import json
import re
import time
import urllib.request

from e2e_helpers import ROLE, assert_raw_error, expect_error, invoke, raw_request, wait_active, zip_bytes

APP = r'''
def handler(event, context):
    if event.get("fail"):
        raise Exception("boom")
    return {"ok": True}
'''

SAMPLE = re.compile(r'^([a-z_]+)(?:\{(.*)\})? (\S+)$')


def scrape(server) -> dict:
    """Samples by (name, frozenset of labels): an unsigned GET, as Prometheus scrapes."""
    with urllib.request.urlopen(server.endpoint + "/metrics", timeout=10) as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = resp.read().decode()
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = SAMPLE.match(line)
        assert match, line
        name, labels, value = match.groups()
        pairs = frozenset(re.findall(r'(\w+)="([^"]*)"', labels or ""))
        samples[(name, pairs)] = float(value)
    return samples


def value(samples: dict, name: str, function: str, version: str, **extra) -> float | None:
    labels = frozenset({("function_name", function), ("version", version), *extra.items()})
    return samples.get((name, labels))


def test_counters_per_function_and_version_and_the_series(server, functions):
    client = server.client()
    name = functions.name()
    client.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
                           Code={"ZipFile": zip_bytes([("app.py", APP, 0o644)])})
    wait_active(client, name)
    for fail in (False, True, False, True, False):
        resp = invoke(client, name, {"fail": fail})
        assert ("FunctionError" in resp) == fail
    version = client.publish_version(FunctionName=name)["Version"]
    for _ in range(2):
        assert invoke(client, name, {}, Qualifier=version)["Json"] == {"ok": True}
    client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    expect_error(lambda: invoke(client, name, {}), "TooManyRequestsException", 429)

    samples = scrape(server)
    expected = {
        ("nimbus_invocations", "$LATEST"): 5, ("nimbus_errors", "$LATEST"): 2, ("nimbus_throttles", "$LATEST"): 1,
        ("nimbus_cold_starts", "$LATEST"): 1, ("nimbus_duration_ms_count", "$LATEST"): 5,
        ("nimbus_init_duration_ms_count", "$LATEST"): 1, ("nimbus_concurrent_executions", "$LATEST"): 0,
        ("nimbus_invocations", version): 2, ("nimbus_errors", version): 0, ("nimbus_cold_starts", version): 1,
        ("nimbus_duration_ms_count", version): 2, ("nimbus_concurrent_executions", version): 0,
    }
    got = {key: value(samples, key[0], name, key[1]) for key in expected}
    assert got == expected
    # A version that never throttled has no throttles sample yet... or a zero one.
    assert value(samples, "nimbus_throttles", name, version) in (None, 0)
    # Every invoke took under 15 minutes: the last bucket holds them all.
    assert value(samples, "nimbus_duration_ms_bucket", name, "$LATEST", le="+Inf") == 5
    assert value(samples, "nimbus_duration_ms_bucket", name, "$LATEST", le="900000.0") == 5
    assert ("nimbus_async_events_pending", frozenset()) in samples
    assert ("nimbus_async_event_age_ms", frozenset()) in samples

    resp = raw_request(server.endpoint, "GET", "/_nimbus/metrics/series", query={"function": name, "window": "3600", "step": "60"})
    assert resp.status == 200, resp
    body = resp.json()
    assert body["function"] == name
    points = body["points"]
    assert len(points) == 60
    now = time.time()
    assert points[-1]["time"] <= now < points[-1]["time"] + 60
    assert all(b["time"] - a["time"] == 60 for a, b in zip(points, points[1:]))
    totals = {key: sum(p[key] for p in points) for key in ("invocations", "errors", "throttles", "coldStarts")}
    assert totals == {"invocations": 7, "errors": 2, "throttles": 1, "coldStarts": 2}
    busy = [p for p in points if p["invocations"]]
    assert all(p["durationP50Ms"] > 0 and p["durationP99Ms"] >= p["durationP50Ms"] and p["maxConcurrency"] >= 1 for p in busy)
    assert all(p["durationP50Ms"] is None for p in points if not p["invocations"])

    # A day in hours.
    resp = raw_request(server.endpoint, "GET", "/_nimbus/metrics/series", query={"function": name, "window": "86400", "step": "3600"})
    hours = resp.json()["points"]
    assert len(hours) == 24 and sum(p["invocations"] for p in hours) == 7

    # A function deleted and made again starts a new series; Prometheus counters only grow.
    client.delete_function(FunctionName=name)
    client.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
                           Code={"ZipFile": zip_bytes([("app.py", APP, 0o644)])})
    wait_active(client, name)
    invoke(client, name, {})
    resp = raw_request(server.endpoint, "GET", "/_nimbus/metrics/series", query={"function": name})
    assert sum(p["invocations"] for p in resp.json()["points"]) == 1
    assert value(scrape(server), "nimbus_invocations", name, "$LATEST") == 6


def test_series_refuses_bad_queries(server):
    path = "/_nimbus/metrics/series"
    resp = raw_request(server.endpoint, "GET", path, query={"function": "x"}, sign=False)
    assert_raw_error(resp, "MissingAuthenticationTokenException", 403, "Missing Authentication Token")
    resp = raw_request(server.endpoint, "GET", path)
    assert_raw_error(resp, "InvalidParameterValueException", 400, "function is required")
    resp = raw_request(server.endpoint, "GET", path, query={"function": "metrics-nope"})
    assert_raw_error(resp, "ResourceNotFoundException", 404, "Function not found: metrics-nope")
    for query in ({"window": "59"}, {"window": "86401"}, {"step": "abc"}):
        resp = raw_request(server.endpoint, "GET", path, query={"function": "metrics-nope", **query})
        assert resp.status == 404  # the function is checked before the numbers


def test_series_refuses_bad_numbers(server, functions):
    client = server.client()
    name = functions.name()
    client.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
                           Code={"ZipFile": zip_bytes([("app.py", APP, 0o644)])})
    path = "/_nimbus/metrics/series"
    window_message = "window must be an integer number of seconds from 60 to 86400"
    step_message = "step must be an integer number of seconds from 60 to 86400"
    for query, message in (({"window": "59"}, window_message), ({"window": "86401"}, window_message),
                           ({"step": "abc"}, step_message),
                           ({"step": "90"}, "step must be a whole number of minutes, at most window"),
                           ({"window": "600", "step": "1200"}, "step must be a whole number of minutes, at most window")):
        resp = raw_request(server.endpoint, "GET", path, query={"function": name, **query})
        assert_raw_error(resp, "InvalidParameterValueException", 400, message)
    resp = raw_request(server.endpoint, "GET", path, query={"function": name})
    assert resp.status == 200 and len(resp.json()["points"]) == 60
    assert all(p["invocations"] == 0 for p in resp.json()["points"])


def test_event_source_lag_per_mapping(server, functions):
    from test_queues import sqs_client

    client = server.client()
    name = functions.name()
    client.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
                           Code={"ZipFile": zip_bytes([("app.py", APP, 0o644)])})
    sqs = sqs_client(server.endpoint)
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    for i in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=str(i))
    # Disabled: nothing reads the queue, so all three messages wait.
    uuid = client.create_event_source_mapping(FunctionName=name, EventSourceArn=arn, Enabled=False)["UUID"]
    try:
        labels = frozenset({("uuid", uuid), ("function_name", name)})
        assert scrape(server).get(("nimbus_event_source_lag", labels)) == 3
        client.delete_event_source_mapping(UUID=uuid)
        # Deleted mappings leave the scrape.
        assert ("nimbus_event_source_lag", labels) not in scrape(server)
    finally:
        try:
            client.delete_event_source_mapping(UUID=uuid)
        except client.exceptions.ResourceNotFoundException:
            pass
        sqs.delete_queue(QueueUrl=url)


def test_a_function_urls_own_metrics_path_reaches_the_function(server, functions):
    import subprocess

    client = server.client()
    name = functions.name()
    client.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
                           Code={"ZipFile": zip_bytes([("app.py", APP, 0o644)])})
    wait_active(client, name)
    url = client.create_function_url_config(FunctionName=name, AuthType="NONE")["FunctionUrl"]
    # curl resolves *.localhost to the loopback: the URL's host name addresses the function.
    body = subprocess.run(["curl", "-sS", "--max-time", "60", f"{url}metrics"], capture_output=True, check=True, timeout=90).stdout
    assert json.loads(body) == {"ok": True}
