"""OTLP span export (issue 7): with `--otlp-endpoint`, every invocation is a span in the
caller's trace, with an `Init` child on a cold start and a `QueueWait` child for an Event
invocation; the function's `_X_AMZN_TRACE_ID` names that span as its parent.

A loopback collector takes OTLP/HTTP protobuf on /v1/traces and decodes it with the
official `opentelemetry-proto` classes. Without the flag nothing is exported: the
function's header keeps the caller's parent (test_tracing.py)."""
from __future__ import annotations

import gzip
import http.server
import json
import subprocess
import threading

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from e2e_helpers import ROLE, fn_path, free_port, nimbus_bin, raw_request, wait_active, wait_for, zip_bytes

APP = r'''
import json, os, urllib.request
def handler(event, context):
    header = os.environ.get("_X_AMZN_TRACE_ID")
    if event.get("report"):
        urllib.request.urlopen(urllib.request.Request(event["report"], data=header.encode(), method="POST"), timeout=5)
    if event.get("fail"):
        raise RuntimeError("intentional failure")
    return {"trace": header}
'''

SPAN_KIND_INTERNAL, SPAN_KIND_SERVER, SPAN_KIND_CONSUMER = 1, 2, 5
STATUS_ERROR = 2


def _value(any_value):
    kind = any_value.WhichOneof("value")
    return getattr(any_value, kind) if kind else None


class Collector:
    """An OTLP/HTTP trace receiver on 127.0.0.1 that keeps every span it is sent."""

    def __init__(self):
        spans: list[dict] = []
        self.spans = spans
        lock = threading.Lock()
        self.lock = lock

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                request = ExportTraceServiceRequest()
                request.ParseFromString(body)
                with lock:
                    for resource_spans in request.resource_spans:
                        resource = {a.key: _value(a.value) for a in resource_spans.resource.attributes}
                        for scope in resource_spans.scope_spans:
                            for span in scope.spans:
                                spans.append({
                                    "path": self.path,
                                    "content_type": self.headers.get("Content-Type"),
                                    "service": resource.get("service.name"),
                                    "name": span.name,
                                    "trace_id": span.trace_id.hex(),
                                    "span_id": span.span_id.hex(),
                                    "parent": span.parent_span_id.hex(),
                                    "kind": span.kind,
                                    "start": span.start_time_unix_nano,
                                    "end": span.end_time_unix_nano,
                                    "attributes": {a.key: _value(a.value) for a in span.attributes},
                                    "status": span.status.code,
                                    "status_message": span.status.message,
                                })
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def find(self, **match) -> list[dict]:
        with self.lock:
            return [s for s in self.spans if all(s.get(k) == v for k, v in match.items())]

    def wait(self, timeout: float = 15, **match) -> dict:
        wait_for(lambda: self.find(**match), timeout=timeout, what=f"span {match}")
        return self.find(**match)[0]


@pytest.fixture(scope="module")
def collector():
    sink = Collector()
    yield sink
    sink.httpd.shutdown()


@pytest.fixture(scope="module")
def traced_server(tmp_path_factory, collector):
    from e2e_helpers import NimbusServer

    srv = NimbusServer(tmp_path_factory.mktemp("nimbus-otlp"),
                       extra_args=["--otlp-endpoint", collector.url, "--async-delay-scale", "0.01"])
    srv.start()
    yield srv
    srv.stop()


def make_function(server, name: str):
    client = server.client()
    client.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
                           Code={"ZipFile": zip_bytes([("app.py", APP, 0o644)])})
    wait_active(client, name)
    return client


def invoke(server, name: str, event: dict, headers: dict | None = None):
    resp = raw_request(server.endpoint, "POST", fn_path(name, "/invocations"), json.dumps(event).encode(),
                       headers=headers or {})
    assert resp.status == 200, resp
    return resp


def fields(header: str) -> dict:
    return dict(part.split("=", 1) for part in header.split(";"))


def test_a_cold_then_a_warm_invoke_are_spans_in_the_callers_trace(traced_server, collector):
    name = "otlp-sync"
    make_function(traced_server, name)
    caller = "Root=1-5d02e5ca-f5792818b6fe8368e5b51d50;Parent=191db58857df8395;Sampled=1"
    resp = invoke(traced_server, name, {}, {"X-Amzn-Trace-Id": caller})
    seen = fields(resp.json()["trace"])
    request_id = resp.headers["x-amzn-requestid"]
    # Same trace, but the function's parent is Nimbus's invocation span.
    assert seen["Root"] == "1-5d02e5ca-f5792818b6fe8368e5b51d50" and seen["Sampled"] == "1"
    assert seen["Parent"] != "191db58857df8395"

    span = collector.wait(name=name, trace_id="5d02e5caf5792818b6fe8368e5b51d50")
    assert span["path"] == "/v1/traces" and span["content_type"] == "application/x-protobuf"
    assert span["service"] == "nimbus"
    assert span["parent"] == "191db58857df8395"
    assert span["span_id"] == seen["Parent"]
    assert span["kind"] == SPAN_KIND_SERVER
    assert span["attributes"]["faas.invocation_id"] == request_id
    assert span["attributes"]["faas.name"] == name
    assert span["attributes"]["faas.version"] == "$LATEST"
    assert span["attributes"]["faas.trigger"] == "http"
    assert span["attributes"]["faas.coldstart"] is True
    assert span["attributes"]["cloud.resource_id"].endswith(f":function:{name}")
    assert span["status"] != STATUS_ERROR
    init = collector.wait(name="Init", parent=span["span_id"])
    assert init["trace_id"] == span["trace_id"] and init["kind"] == SPAN_KIND_INTERNAL
    assert span["start"] <= init["start"] < init["end"] <= span["end"]

    # Warm, and without a caller's trace: a new trace, sampled, and no Init.
    resp = invoke(traced_server, name, {})
    seen = fields(resp.json()["trace"])
    trace_id = seen["Root"][2:].replace("-", "")
    assert trace_id != "5d02e5caf5792818b6fe8368e5b51d50" and seen["Sampled"] == "1"
    warm = collector.wait(name=name, trace_id=trace_id)
    assert warm["span_id"] == seen["Parent"] and warm["parent"] == ""
    assert warm["attributes"]["faas.coldstart"] is False
    assert warm["attributes"]["faas.invocation_id"] == resp.headers["x-amzn-requestid"]
    assert not collector.find(name="Init", parent=warm["span_id"])


def test_a_w3c_caller_and_a_failing_function(traced_server, collector):
    name = "otlp-fail"
    make_function(traced_server, name)
    resp = invoke(traced_server, name, {"fail": True},
                  {"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"})
    assert resp.headers.get("x-amz-function-error") == "Unhandled"
    span = collector.wait(name=name, trace_id="4bf92f3577b34da6a3ce929d0e0e4736")
    assert span["parent"] == "00f067aa0ba902b7"
    assert span["status"] == STATUS_ERROR and span["status_message"] == "RuntimeError"
    assert span["attributes"]["error.type"] == "RuntimeError"


def test_an_event_invoke_keeps_the_callers_trace_and_shows_its_queue_wait(traced_server, collector, side_effects):
    name = "otlp-async"
    make_function(traced_server, name)
    caller = "Root=1-6a02e5ca-a5792818b6fe8368e5b51d51;Parent=291db58857df8395;Sampled=1"
    report = f"{side_effects.url}/otlp-async-trace"
    resp = raw_request(traced_server.endpoint, "POST", fn_path(name, "/invocations"),
                       json.dumps({"report": report}).encode(),
                       headers={"X-Amz-Invocation-Type": "Event", "X-Amzn-Trace-Id": caller})
    assert resp.status == 202, resp
    wait_for(lambda: side_effects.has("otlp-async-trace"), what="the async invocation's report")
    seen = fields(side_effects.get("otlp-async-trace"))
    assert seen["Root"] == "1-6a02e5ca-a5792818b6fe8368e5b51d51"

    span = collector.wait(name=name, trace_id="6a02e5caa5792818b6fe8368e5b51d51")
    assert span["kind"] == SPAN_KIND_CONSUMER and span["parent"] == "291db58857df8395"
    assert span["span_id"] == seen["Parent"]
    assert span["attributes"]["faas.trigger"] == "pubsub"
    assert span["attributes"]["faas.invocation_id"] == resp.headers["x-amzn-requestid"]
    wait = collector.wait(name="QueueWait", parent=span["span_id"])
    assert wait["start"] == span["start"] and wait["end"] <= span["end"]


def test_invocations_go_on_when_the_collector_is_down(server_factory, functions):
    closed = f"http://127.0.0.1:{free_port()}"
    srv = server_factory("otlp-down", extra_args=["--otlp-endpoint", closed])
    name = "otlp-down"
    make_function(srv, name)
    for _ in range(3):
        assert invoke(srv, name, {})
    assert srv.alive()


def test_a_bad_endpoint_is_refused_at_start(tmp_path):
    result = subprocess.run(
        [str(nimbus_bin()), "serve", "--port", str(free_port()), "--data-dir", str(tmp_path / "data"),
         "--otlp-endpoint", "collector:4318"],
        capture_output=True, text=True, timeout=30,
    )
    assert result.returncode != 0
    assert "--otlp-endpoint must be an http:// or https:// URL" in result.stderr + result.stdout
