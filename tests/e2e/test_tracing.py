"""Trace ids (issue 7): the caller's `X-Amzn-Trace-Id` or W3C `traceparent` reaches the
function as `_X_AMZN_TRACE_ID`; without one, each invocation gets a new X-Ray id."""
import re
import urllib.request

from e2e_helpers import ROLE, fn_path, raw_request, wait_active, wait_for, zip_bytes

APP = r'''
import os
def handler(event, context):
    return os.environ.get("_X_AMZN_TRACE_ID")
'''

XRAY = re.compile(r"^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=[01]")


def traced(server, name: str, headers: dict | None = None) -> str:
    resp = raw_request(server.endpoint, "POST", fn_path(name, "/invocations"), b"{}", headers=headers or {})
    assert resp.status == 200, resp
    return resp.json()


def test_the_function_sees_the_callers_trace(server, functions):
    client = server.client()
    name = functions.name()
    client.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
                           Code={"ZipFile": zip_bytes([("app.py", APP, 0o644)])})
    wait_active(client, name)

    xray = "Root=1-5d02e5ca-f5792818b6fe8368e5b51d50;Parent=191db58857df8395;Sampled=1"
    assert traced(server, name, {"X-Amzn-Trace-Id": xray}) == xray
    # A root alone keeps its root; the parent is made up, and Sampled is 0.
    alone = traced(server, name, {"X-Amzn-Trace-Id": "Root=1-5e6aa925-ccec0a1bae116148e52f036a"})
    assert alone.startswith("Root=1-5e6aa925-ccec0a1bae116148e52f036a;Parent=") and alone.endswith(";Sampled=0")
    assert XRAY.match(alone)

    parent = traced(server, name, {"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"})
    assert parent == "Root=1-4bf92f35-77b34da6a3ce929d0e0e4736;Parent=00f067aa0ba902b7;Sampled=1"

    # Invalid headers are ignored: a new trace, different each time.
    first = traced(server, name, {"X-Amzn-Trace-Id": "Root=nonsense", "traceparent": "00-zz"})
    second = traced(server, name)
    assert XRAY.match(first) and XRAY.match(second)
    assert first.split(";")[0] != second.split(";")[0]
    assert "5d02e5ca" not in second


def test_a_function_url_passes_the_trace_on(server, functions):
    client = server.client()
    name = functions.name()
    client.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
                           Code={"ZipFile": zip_bytes([("app.py", APP, 0o644)])})
    wait_active(client, name)
    url = client.create_function_url_config(FunctionName=name, AuthType="NONE")["FunctionUrl"]
    xray = "Root=1-5d02e5ca-f5792818b6fe8368e5b51d50;Parent=191db58857df8395;Sampled=0"
    url_id = url.split("//")[1].split(".")[0]
    request = urllib.request.Request(f"{server.endpoint}/_nimbus/url/{url_id}/", headers={"X-Amzn-Trace-Id": xray})
    with urllib.request.urlopen(request, timeout=30) as resp:
        assert xray in resp.read().decode()


REPORTING_APP = r'''
import os, urllib.request
def handler(event, context):
    header = os.environ.get("_X_AMZN_TRACE_ID")
    urllib.request.urlopen(urllib.request.Request(event["report"], data=header.encode(), method="POST"), timeout=5)
    return {}
'''


def test_an_event_invoke_carries_the_callers_trace(server, functions, side_effects):
    """Lambda passes an Event invocation's `X-Amzn-Trace-Id` on to the function, as is
    when no spans are exported (the default)."""
    client = server.client()
    name = functions.name()
    client.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
                           Code={"ZipFile": zip_bytes([("app.py", REPORTING_APP, 0o644)])})
    wait_active(client, name)
    xray = "Root=1-5d02e5ca-f5792818b6fe8368e5b51d50;Parent=191db58857df8395;Sampled=1"
    token = f"trace-{name}"
    resp = raw_request(server.endpoint, "POST", fn_path(name, "/invocations"),
                       {"report": f"{side_effects.url}/{token}"},
                       headers={"X-Amz-Invocation-Type": "Event", "X-Amzn-Trace-Id": xray})
    assert resp.status == 202, resp
    wait_for(lambda: side_effects.has(token), what="the event's report")
    assert side_effects.get(token) == xray
