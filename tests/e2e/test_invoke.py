"""Invoke: payloads, Tail logs, CLI, runtime environment, warm reuse,
concurrency, Event/DryRun, code/config updates reaching the runtime."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import re
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from e2e_helpers import (
    ACCOUNT,
    REGION,
    UUID_RE,
    bootstrap_zip,
    decode_log_result,
    echo_zip,
    find_report,
    invoke,
    json_reply_zip,
    descendants,
    process_gone,
    runtime_script,
    unique_token,
    wait_active,
    wait_for,
    wait_updated,
    zip_bytes,
)


def arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


# --------------------------------------------------------------------------
# bootstraps
# --------------------------------------------------------------------------

ENV_KEYS = [
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_RUNTIME_API",
    "AWS_REGION",
    "_HANDLER",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
    "TZ",
    "LANG",
    "PATH",
    "LD_LIBRARY_PATH",
    "MY_VAR",
    "MY_OTHER_VAR",
    "GREETING",
    "NIMBUS_E2E_HOST_ONLY",
]

ENV_HANDLER = r"""
{
  printf '{'
  printf '"__cwd":%s' "$(json_str "$(pwd -P)")"
  printf ',"__script_dir":%s' "$(json_str "$(cd "$(dirname "$0")" && pwd -P)")"
  printf ',"__task_root_real":%s' "$(json_str "$(cd "${LAMBDA_TASK_ROOT:-/nonexistent}" 2>/dev/null && pwd -P)")"
  if [ -f "${LAMBDA_TASK_ROOT:-/nonexistent}/bootstrap" ]; then printf ',"__bootstrap_in_task_root":true'; else printf ',"__bootstrap_in_task_root":false'; fi
  printf ',"__request_id":%s' "$(json_str "$REQUEST_ID")"
  for k in KEYS; do
    if [ -n "${!k+x}" ]; then
      printf ',%s:%s' "$(json_str "$k")" "$(json_str "${!k}")"
    else
      printf ',%s:null' "$(json_str "$k")"
    fi
  done
  printf '}'
} > "$OUT"
respond
""".replace("KEYS", " ".join(ENV_KEYS))


def env_zip() -> bytes:
    return bootstrap_zip(runtime_script(ENV_HANDLER))


WARM_INIT = r"""
echo "INIT-RAN pid=$$"
COUNT=0
MARKER="/tmp/nimbus-e2e-marker-${AWS_LAMBDA_FUNCTION_NAME}"
"""
WARM_HANDLER = r"""
COUNT=$((COUNT + 1))
if [ -f "$MARKER" ]; then EXISTED=true; else EXISTED=false; fi
echo "count=$COUNT pid=$$" > "$MARKER"
echo "WARM-HANDLER count=$COUNT"
respond_json "{\"count\": $COUNT, \"pid\": \"$ENV_ID\", \"marker_existed\": $EXISTED, \"request_id\": \"$REQUEST_ID\"}"
"""

SLEEP_PID_HANDLER = r"""
sleep 1
respond_json "{\"pid\": \"$ENV_ID\"}"
"""

PID_HANDLER = r"""
respond_json "{\"pid\": \"$ENV_ID\", \"request_id\": \"$REQUEST_ID\"}"
"""

HEADERS_HANDLER = r"""
NOW_MS="$(date +%s%3N)"
printf '{"request_id":%s,"deadline_ms":%s,"arn":%s,"client_context":%s,"trace_id":%s,"now_ms":%s}' \
  "$(json_str "$REQUEST_ID")" \
  "$(json_str "$(hdr Lambda-Runtime-Deadline-Ms)")" \
  "$(json_str "$(hdr Lambda-Runtime-Invoked-Function-Arn)")" \
  "$(json_str "$(hdr Lambda-Runtime-Client-Context)")" \
  "$(json_str "$(hdr Lambda-Runtime-Trace-Id)")" \
  "$NOW_MS" > "$OUT"
respond
"""


# --------------------------------------------------------------------------
# basic invoke
# --------------------------------------------------------------------------


def test_invoke_echo_payload(lambda_client, functions, fn_name):
    functions.create(fn_name, echo_zip())
    payload = json.dumps({"x": 1, "text": "héllo ✓", "nested": {"list": [1, 2, 3]}}).encode()
    res = invoke(lambda_client, fn_name, payload)
    assert res["StatusCode"] == 200
    assert res["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert res["ExecutedVersion"] == "$LATEST"
    assert "FunctionError" not in res
    assert "LogResult" not in res  # no Tail requested
    assert res["Body"] == payload


def test_invoke_with_qualifier_latest(lambda_client, functions, fn_name):
    functions.create(fn_name, json_reply_zip({"ok": True}))
    res = invoke(lambda_client, fn_name, {}, Qualifier="$LATEST")
    assert res["StatusCode"] == 200 and res["Json"]["ok"] is True
    assert res["ExecutedVersion"] == "$LATEST"


def test_invoke_tail_logs_cold_then_warm(lambda_client, functions, fn_name):
    functions.create(fn_name, json_reply_zip({"ok": True}))

    first = invoke(lambda_client, fn_name, {}, LogType="Tail")
    rid = first["Json"]["request_id"]
    assert re.fullmatch(UUID_RE, rid), rid
    log = decode_log_result(first)
    assert f"START RequestId: {rid} Version: $LATEST" in log
    assert f"END RequestId: {rid}" in log
    assert f"REPLY-HANDLER request={rid}" in log  # the bootstrap's own output
    rep = find_report(log, rid)
    assert rep["mem"] == "128"
    assert int(rep["billed"]) >= int(float(rep["dur"]))
    assert rep["init"] is not None, f"cold start REPORT must carry Init Duration:\n{log}"
    assert log.index("START RequestId") < log.index(f"REPLY-HANDLER request={rid}") < log.index("END RequestId") < log.index("REPORT RequestId")

    second = invoke(lambda_client, fn_name, {}, LogType="Tail")
    rid2 = second["Json"]["request_id"]
    assert rid2 != rid
    log2 = decode_log_result(second)
    assert f"START RequestId: {rid2} Version: $LATEST" in log2
    rep2 = find_report(log2, rid2)
    assert rep2["init"] is None, f"warm REPORT must not carry Init Duration:\n{log2}"
    assert rid not in log2, "Tail of the second invoke must not contain the first invocation"


def test_log_result_is_last_4kb(lambda_client, functions, fn_name):
    handler = r"""
for i in $(seq 1 200); do echo "noise line $i xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"; done
respond_json "{\"request_id\": \"$REQUEST_ID\"}"
"""
    functions.create(fn_name, bootstrap_zip(runtime_script(handler)))
    res = invoke(lambda_client, fn_name, {}, LogType="Tail")
    raw = base64.b64decode(res["LogResult"])
    assert 0 < len(raw) <= 4096, len(raw)
    text = raw.decode("utf-8", errors="replace")
    find_report(text, res["Json"]["request_id"])
    assert "noise line 200" in text
    assert "noise line 1 " not in text


def test_request_id_consistency(lambda_client, functions, fn_name):
    """The runtime's request id == x-amzn-RequestId of the Invoke response == START/REPORT id."""
    functions.create(fn_name, json_reply_zip({}))
    res = invoke(lambda_client, fn_name, {}, LogType="Tail")
    rid = res["Json"]["request_id"]
    assert res["ResponseMetadata"]["RequestId"] == rid
    log = decode_log_result(res)
    assert f"START RequestId: {rid} " in log
    find_report(log, rid)


def test_cli_invoke_with_tail(aws_cli, functions, fn_name, tmp_path):
    functions.create(fn_name, echo_zip())
    out = tmp_path / "out.json"
    proc = aws_cli("lambda", "invoke", "--function-name", fn_name, "--payload", '{"x":1}', "--log-type", "Tail", str(out))
    result = json.loads(proc.stdout)
    assert result["StatusCode"] == 200
    assert result["ExecutedVersion"] == "$LATEST"
    assert "FunctionError" not in result
    assert out.read_bytes() == b'{"x":1}'
    log = base64.b64decode(result["LogResult"]).decode()
    m = re.search(r"START RequestId: (" + UUID_RE + r") Version: \$LATEST", log)
    assert m, log
    rid = m.group(1)
    assert f"END RequestId: {rid}" in log
    assert f"ECHO-HANDLER request={rid} bytes=7" in log
    rep = find_report(log, rid)
    assert rep["init"] is not None


def test_large_payload_roundtrip(lambda_client, functions, fn_name):
    functions.create(fn_name, echo_zip(), Timeout=30)
    payload = json.dumps({"data": "x" * (5 * 1024 * 1024)}).encode()
    res = invoke(lambda_client, fn_name, payload)
    assert res["StatusCode"] == 200
    assert "FunctionError" not in res, res["Body"][:300]
    assert len(res["Body"]) == len(payload) and res["Body"] == payload


# --------------------------------------------------------------------------
# runtime environment
# --------------------------------------------------------------------------


def test_runtime_environment_variables(lambda_client, functions, fn_name):
    functions.create(
        fn_name,
        env_zip(),
        MemorySize=256,
        Handler="my.handler",
        Environment={"Variables": {"MY_VAR": "hello world", "MY_OTHER_VAR": "a=b;c"}},
    )
    res = invoke(lambda_client, fn_name, {})
    assert "FunctionError" not in res, res["Body"]
    env = res["Json"]
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == fn_name
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == f"/aws/lambda/{fn_name}"
    stream = env["AWS_LAMBDA_LOG_STREAM_NAME"]
    m = re.fullmatch(r"(\d{4})/(\d{2})/(\d{2})/\[\$LATEST\][0-9a-f]{32}", stream or "")
    assert m, f"log stream name {stream!r}"
    day = dt.date(int(m[1]), int(m[2]), int(m[3]))
    assert abs((dt.datetime.now(dt.timezone.utc).date() - day).days) <= 1, stream
    assert env["AWS_LAMBDA_INITIALIZATION_TYPE"] == "on-demand"
    assert re.fullmatch(r"[^:\s]+:\d+", env["AWS_LAMBDA_RUNTIME_API"] or ""), env["AWS_LAMBDA_RUNTIME_API"]
    assert env["AWS_REGION"] == REGION
    assert env["_HANDLER"] == "my.handler"
    assert env["MY_VAR"] == "hello world"
    assert env["MY_OTHER_VAR"] == "a=b;c"
    assert env["GREETING"] is None
    assert env["TZ"] in (":UTC", "UTC"), env["TZ"]
    assert env["LANG"] == "en_US.UTF-8"
    path_entries = [p.rstrip("/") or "/" for p in (env["PATH"] or "").split(":")]
    for needed in ("/usr/local/bin", "/usr/bin", "/bin"):
        assert needed in path_entries, f"PATH={env['PATH']!r}"
    assert env["LAMBDA_RUNTIME_DIR"], "LAMBDA_RUNTIME_DIR must be set"

    task_root = env["LAMBDA_TASK_ROOT"]
    assert task_root and Path(task_root).is_absolute(), task_root
    assert env["__bootstrap_in_task_root"] is True, f"bootstrap not found in LAMBDA_TASK_ROOT={task_root}"
    assert env["__task_root_real"] == env["__script_dir"], env
    ld = (env["LD_LIBRARY_PATH"] or "").split(":")
    assert task_root.rstrip("/") in [p.rstrip("/") for p in ld], f"LD_LIBRARY_PATH={env['LD_LIBRARY_PATH']!r}"
    assert task_root.rstrip("/") + "/lib" in [p.rstrip("/") for p in ld], f"LD_LIBRARY_PATH={env['LD_LIBRARY_PATH']!r}"


def test_working_directory_is_task_root(lambda_client, functions, fn_name):
    """AWS starts the runtime with PWD=/var/task (= LAMBDA_TASK_ROOT)."""
    functions.create(fn_name, env_zip())
    env = invoke(lambda_client, fn_name, {})["Json"]
    assert env["__cwd"] == env["__task_root_real"], env


def test_host_environment_not_leaked(lambda_client, functions, fn_name, server):
    """The server process runs with NIMBUS_E2E_HOST_ONLY set; functions must not see it
    (a Lambda execution environment only carries the documented variables)."""
    assert server.env_overrides["NIMBUS_E2E_HOST_ONLY"] == "leak"  # precondition
    functions.create(fn_name, env_zip())
    env = invoke(lambda_client, fn_name, {})["Json"]
    assert env["NIMBUS_E2E_HOST_ONLY"] is None, "server environment leaked into the function"


def test_runtime_next_headers(lambda_client, functions, fn_name):
    functions.create(fn_name, bootstrap_zip(runtime_script(HEADERS_HANDLER)), Timeout=7)
    res = invoke(lambda_client, fn_name, {})
    data = res["Json"]
    assert re.fullmatch(UUID_RE, data["request_id"]), data
    assert data["arn"] == arn(fn_name)
    deadline, now = int(data["deadline_ms"]), int(data["now_ms"])
    remaining = deadline - now
    assert 3000 < remaining <= 7000 + 1000, f"deadline {deadline} is {remaining} ms after now for Timeout=7"
    assert data["trace_id"], "Lambda-Runtime-Trace-Id header missing"


def test_client_context_reaches_runtime(lambda_client, functions, fn_name):
    functions.create(fn_name, bootstrap_zip(runtime_script(HEADERS_HANDLER)))
    ctx = {"custom": {"foo": "bar"}, "client": {"snap": ["crackle", "pop"]}, "env": {"fizz": "buzz"}}
    encoded = base64.b64encode(json.dumps(ctx).encode()).decode()
    res = invoke(lambda_client, fn_name, {}, ClientContext=encoded)
    got = res["Json"]["client_context"]
    assert got, "Lambda-Runtime-Client-Context header missing"
    assert json.loads(got) == ctx


# --------------------------------------------------------------------------
# lifecycle of execution environments
# --------------------------------------------------------------------------


def test_warm_environment_reuse(lambda_client, functions, fn_name):
    functions.create(fn_name, bootstrap_zip(runtime_script(WARM_HANDLER, WARM_INIT)))
    marker = Path(f"/tmp/nimbus-e2e-marker-{fn_name}")
    try:
        first = invoke(lambda_client, fn_name, {}, LogType="Tail")
        second = invoke(lambda_client, fn_name, {}, LogType="Tail")
        a, b = first["Json"], second["Json"]
        assert a["count"] == 1 and a["marker_existed"] is False, a
        assert b["count"] == 2, f"second invoke did not reuse the environment: {b}"
        assert b["pid"] == a["pid"]
        assert b["marker_existed"] is True, "/tmp state did not survive between warm invokes"
        assert find_report(decode_log_result(first), a["request_id"])["init"] is not None
        assert find_report(decode_log_result(second), b["request_id"])["init"] is None
        assert "INIT-RAN" not in decode_log_result(second)
    finally:
        marker.unlink(missing_ok=True)


def test_concurrent_invokes_use_separate_environments(lambda_client, functions, fn_name):
    functions.create(fn_name, bootstrap_zip(runtime_script(SLEEP_PID_HANDLER)), Timeout=30)
    n = 8
    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=n) as pool:
        results = list(pool.map(lambda i: invoke(lambda_client, fn_name, {"i": i}), range(n)))
    elapsed = time.monotonic() - start
    for r in results:
        assert r["StatusCode"] == 200 and "FunctionError" not in r, r["Body"]
    pids = {r["Json"]["pid"] for r in results}
    assert len(pids) == n, f"expected {n} distinct environments, got pids {pids}"
    assert elapsed < 5.0, f"{n} concurrent 1 s invokes took {elapsed:.1f}s (serialized?)"


# Reports the event's token, with the request id, to $SIDE_EFFECT_URL (the test's
# side_effects server; a sandboxed function cannot write host files).
SIDE_EFFECT_HANDLER = r"""
TOK="$(grep -o 'tok-[0-9a-f]*' "$EVENT" | head -n 1)"
if [ -n "$TOK" ]; then curl -s -m 5 -X POST --data "$REQUEST_ID" "$SIDE_EFFECT_URL/$TOK" > /dev/null; fi
respond_json "{\"pid\": \"$ENV_ID\"}"
"""


def test_event_invocation_runs_function(lambda_client, functions, fn_name, side_effects):
    functions.create(fn_name, bootstrap_zip(runtime_script(SIDE_EFFECT_HANDLER)),
                     Environment={"Variables": {"SIDE_EFFECT_URL": side_effects.url}})
    token = unique_token()
    res = lambda_client.invoke(FunctionName=fn_name, InvocationType="Event", Payload=json.dumps({"token": token}))
    assert res["StatusCode"] == 202
    assert res["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert res["Payload"].read() == b""
    assert "FunctionError" not in res
    wait_for(lambda: side_effects.has(token), timeout=15, what="the Event invocation to run")
    assert re.fullmatch(UUID_RE, side_effects.get(token).strip())


def test_dry_run(lambda_client, functions, fn_name, side_effects):
    functions.create(fn_name, bootstrap_zip(runtime_script(SIDE_EFFECT_HANDLER)),
                     Environment={"Variables": {"SIDE_EFFECT_URL": side_effects.url}})
    token = unique_token()
    res = lambda_client.invoke(FunctionName=fn_name, InvocationType="DryRun", Payload=json.dumps({"token": token}))
    assert res["StatusCode"] == 204
    assert res["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert res["Payload"].read() == b""
    # a real invoke afterwards proves the function works and gives a DryRun time to misbehave
    control = unique_token()
    invoke(lambda_client, fn_name, {"token": control})
    assert side_effects.has(control)
    time.sleep(0.5)
    assert not side_effects.has(token), "DryRun must not run the function"


def test_update_code_runs_new_code(lambda_client, functions, fn_name):
    functions.create(fn_name, json_reply_zip({"version": 1}))
    assert invoke(lambda_client, fn_name, {})["Json"]["version"] == 1  # environment is now warm
    lambda_client.update_function_code(FunctionName=fn_name, ZipFile=json_reply_zip({"version": 2}))
    wait_updated(lambda_client, fn_name)
    res = invoke(lambda_client, fn_name, {}, LogType="Tail")
    assert res["Json"]["version"] == 2
    assert find_report(decode_log_result(res), res["Json"]["request_id"])["init"] is not None


def test_update_configuration_reaches_runtime(lambda_client, functions, fn_name):
    functions.create(fn_name, env_zip(), Environment={"Variables": {"GREETING": "hello"}})
    assert invoke(lambda_client, fn_name, {})["Json"]["GREETING"] == "hello"
    lambda_client.update_function_configuration(
        FunctionName=fn_name, Environment={"Variables": {"GREETING": "bonjour"}}, MemorySize=256, Handler="new.handler"
    )
    wait_updated(lambda_client, fn_name)
    res = invoke(lambda_client, fn_name, {}, LogType="Tail")
    env = res["Json"]
    assert env["GREETING"] == "bonjour"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["_HANDLER"] == "new.handler"
    assert find_report(decode_log_result(res), env["__request_id"])["mem"] == "256"


def test_keep_alive_expires_idle_environments(server_factory):
    """With --keep-alive-seconds 2 an idle environment is reused right away but
    replaced (cold start) after being idle well past 2 s."""
    srv = server_factory("keepalive", extra_args=["--keep-alive-seconds", "2"])
    client = srv.client()
    client.create_function(FunctionName="ka", Runtime="provided.al2023", Role=f"arn:aws:iam::{ACCOUNT}:role/r",
                           Handler="x", Code={"ZipFile": bootstrap_zip(runtime_script(PID_HANDLER))})
    wait_active(client, "ka")
    a = invoke(client, "ka", {}, LogType="Tail")
    b = invoke(client, "ka", {}, LogType="Tail")
    assert b["Json"]["pid"] == a["Json"]["pid"], "immediate re-invoke should be warm"
    time.sleep(5)
    c = invoke(client, "ka", {}, LogType="Tail")
    assert c["Json"]["pid"] != a["Json"]["pid"], "environment idle for 5 s should have been reaped (keep-alive 2 s)"
    assert find_report(decode_log_result(c), c["Json"]["request_id"])["init"] is not None


def test_unreserved_variables_can_be_overridden(lambda_client, functions, fn_name):
    """configuration-envvars.md: LANG, TZ, PATH, LD_LIBRARY_PATH are not reserved and can be set."""
    functions.create(fn_name, env_zip(), Environment={"Variables": {"TZ": "America/New_York", "LANG": "C.UTF-8"}})
    env = invoke(lambda_client, fn_name, {})["Json"]
    assert env["TZ"] == "America/New_York"
    assert env["LANG"] == "C.UTF-8"


def test_package_layout_is_preserved(lambda_client, functions, fn_name):
    """Nested files keep their content and exec bits; in-package symlinks work; cwd-relative reads work."""
    handler = r"""
OUT_HELPER="$("$LAMBDA_TASK_ROOT/bin/helper.sh")"
DATA="$(cat "$LAMBDA_TASK_ROOT/data/config.txt")"
VIA_LINK="$(cat "$LAMBDA_TASK_ROOT/current/config.txt")"
respond_json "{\"helper\": \"$OUT_HELPER\", \"data\": \"$DATA\", \"via_link\": \"$VIA_LINK\"}"
"""
    code = zip_bytes([
        ("bootstrap", runtime_script(handler), 0o755),
        ("bin/", b"", 0o755, "dir"),
        ("bin/helper.sh", "#!/bin/bash\necho helper-ran\n", 0o755),
        ("data/config.txt", "config-value", 0o644),
        ("current", "data", 0, "symlink"),
    ])
    functions.create(fn_name, code)
    res = invoke(lambda_client, fn_name, {})
    assert "FunctionError" not in res, res["Body"]
    assert res["Json"] == {"helper": "helper-ran", "data": "config-value", "via_link": "config-value"}


def test_delete_stops_warm_environment(lambda_client, functions, fn_name, server):
    before = set(descendants(server.proc.pid))
    functions.create(fn_name, bootstrap_zip(runtime_script(PID_HANDLER)))
    invoke(lambda_client, fn_name, {})
    started = set(descendants(server.proc.pid)) - before
    assert started, "the warm environment's processes run under the server"
    lambda_client.delete_function(FunctionName=fn_name)
    try:
        wait_for(lambda: all(process_gone(p) for p in started), timeout=10, what=f"runtimes {started} of the deleted function to stop")
    finally:
        for pid in started:
            if not process_gone(pid):  # do not leave it behind
                os.kill(pid, signal.SIGKILL)


def test_non_object_json_payloads(lambda_client, functions, fn_name):
    """Any JSON value is a valid event."""
    functions.create(fn_name, echo_zip())
    for payload in (b'"just a string"', b"[1, 2, 3]", b"42", b"null", b"true"):
        res = invoke(lambda_client, fn_name, payload)
        assert "FunctionError" not in res, (payload, res["Body"])
        assert res["Body"] == payload


def test_max_memory_used_is_measured(lambda_client, functions, fn_name):
    """REPORT's Max Memory Used must reflect the runtime's real memory use."""
    handler = r"""
BLOB="$(head -c 60000000 /dev/zero | tr '\0' 'a')"
respond_json "{\"len\": ${#BLOB}, \"request_id\": \"$REQUEST_ID\"}"
"""
    functions.create(fn_name, bootstrap_zip(runtime_script(handler)), MemorySize=512, Timeout=30)
    res = invoke(lambda_client, fn_name, {}, LogType="Tail")
    assert res["Json"]["len"] == 60000000
    rep = find_report(decode_log_result(res), res["Json"]["request_id"])
    assert rep["mem"] == "512"
    assert 50 <= int(rep["used"]) <= 2048, f"Max Memory Used {rep['used']} MB for a runtime holding a 60 MB string"


def test_unicode_environment_values(lambda_client, functions, fn_name):
    functions.create(fn_name, env_zip(), Environment={"Variables": {"MY_VAR": "héllo ✓ 日本", "MY_OTHER_VAR": "quote\"back\\slash"}},
                     Description="déscription ✓")
    env = invoke(lambda_client, fn_name, {})["Json"]
    assert env["MY_VAR"] == "héllo ✓ 日本"
    assert env["MY_OTHER_VAR"] == "quote\"back\\slash"
    assert lambda_client.get_function_configuration(FunctionName=fn_name)["Description"] == "déscription ✓"


def test_raw_text_response_passes_through(lambda_client, functions, fn_name):
    """runtimes-api.md example: a runtime may answer with a plain body such as "SUCCESS"."""
    handler = r"""
curl -sS -X POST "$RUNTIME/invocation/$REQUEST_ID/response" -d "SUCCESS" -o /dev/null
"""
    functions.create(fn_name, bootstrap_zip(runtime_script(handler)))
    res = invoke(lambda_client, fn_name, {})
    assert "FunctionError" not in res
    assert res["Body"] == b"SUCCESS"


def test_concurrent_invokes_route_responses_correctly(lambda_client, functions):
    """40 invokes over 4 functions from 16 threads: every caller gets its own answer."""
    names = [functions.name() for _ in range(4)]
    for name in names:
        functions.create(name, echo_zip())

    def call(i):
        name = names[i % len(names)]
        payload = json.dumps({"call": i, "fn": name, "pad": "x" * (i * 97)}).encode()
        res = invoke(lambda_client, name, payload)
        return payload, res

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(call, range(40)))
    for payload, res in results:
        assert res["StatusCode"] == 200 and "FunctionError" not in res, res["Body"][:200]
        assert res["Body"] == payload


def test_burst_of_event_invocations_all_run(lambda_client, functions, fn_name, side_effects):
    functions.create(fn_name, bootstrap_zip(runtime_script(SIDE_EFFECT_HANDLER)),
                     Environment={"Variables": {"SIDE_EFFECT_URL": side_effects.url}})
    tokens = [unique_token() for _ in range(10)]
    for tok in tokens:
        res = lambda_client.invoke(FunctionName=fn_name, InvocationType="Event", Payload=json.dumps({"token": tok}))
        assert res["StatusCode"] == 202
    wait_for(lambda: all(side_effects.has(t) for t in tokens), timeout=20,
             what="all 10 Event invocations to run")
    request_ids = {side_effects.get(t).strip() for t in tokens}
    assert len(request_ids) == 10, "each Event invocation needs its own request id"


def test_response_at_the_6mb_limit(lambda_client, functions, fn_name):
    """Recorded AWS (test_lambda_large_response): a 6 MiB string response is still delivered."""
    handler = r"""
{ printf '"'; head -c 6291456 /dev/zero | tr '\0' 'a'; printf '"'; } > "$OUT"
respond
"""
    functions.create(fn_name, bootstrap_zip(runtime_script(handler)), Timeout=30)
    res = invoke(lambda_client, fn_name, {})
    assert "FunctionError" not in res, res["Body"][:300]
    assert len(res["Body"]) == 6291458
    assert res["Body"] == b'"' + b"a" * 6291456 + b'"'


def test_cli_event_dryrun_and_update(aws_cli, functions, fn_name, tmp_path):
    functions.create(fn_name, env_zip())
    proc = aws_cli("lambda", "invoke", "--function-name", fn_name, "--invocation-type", "Event",
                   "--payload", "{}", str(tmp_path / "ev.json"))
    assert json.loads(proc.stdout)["StatusCode"] == 202
    proc = aws_cli("lambda", "invoke", "--function-name", fn_name, "--invocation-type", "DryRun",
                   "--payload", "{}", str(tmp_path / "dry.json"))
    assert json.loads(proc.stdout)["StatusCode"] == 204
    proc = aws_cli("lambda", "update-function-configuration", "--function-name", fn_name,
                   "--environment", "Variables={GREETING=from-cli}", "--timeout", "7")
    out = json.loads(proc.stdout)
    assert out["Environment"] == {"Variables": {"GREETING": "from-cli"}} and out["Timeout"] == 7
    wait_updated(functions.client, fn_name)
    aws_cli("lambda", "invoke", "--function-name", fn_name, "--payload", "{}", str(tmp_path / "out.json"))
    assert json.loads((tmp_path / "out.json").read_text())["GREETING"] == "from-cli"
    settings = json.loads(aws_cli("lambda", "get-account-settings").stdout)
    assert settings["AccountUsage"]["FunctionCount"] >= 1
    proc = aws_cli("lambda", "get-function", "--function-name", "no-such-fn-" + fn_name[-8:], check=False)
    assert proc.returncode != 0
    assert b"ResourceNotFoundException" in proc.stderr
