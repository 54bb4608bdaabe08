"""`nimbus logs NAME --data-dir DIR [--follow]`."""

from __future__ import annotations

import json
import re
import subprocess
import time

from e2e_helpers import (
    UUID_RE,
    LineReader,
    bootstrap_zip,
    invoke,
    nimbus_bin,
    runtime_script,
    unique_token,
    wait_for,
)

TOKEN_INIT = 'echo "LOG-INIT-LINE pid=$$"'
TOKEN_HANDLER = r"""
TOK="$(grep -o 'tok-[0-9a-f]*' "$EVENT" | head -n 1)"
echo "LOG-TOKEN $TOK"
echo "to stderr $TOK" >&2
respond_json "{\"request_id\": \"$REQUEST_ID\"}"
"""


def token_zip() -> bytes:
    return bootstrap_zip(runtime_script(TOKEN_HANDLER, TOKEN_INIT))


def logs_text(nimbus_logs, name: str) -> str:
    proc = nimbus_logs(name)
    assert proc.returncode == 0, f"nimbus logs failed ({proc.returncode}): {proc.stderr.decode(errors='replace')}"
    return proc.stdout.decode("utf-8", errors="replace")


def test_logs_show_invocations(lambda_client, functions, fn_name, nimbus_logs):
    functions.create(fn_name, token_zip())
    t1, t2 = unique_token(), unique_token()
    rid1 = invoke(lambda_client, fn_name, {"token": t1})["Json"]["request_id"]
    rid2 = invoke(lambda_client, fn_name, {"token": t2})["Json"]["request_id"]

    text = wait_for(
        lambda: (lambda t: t if f"REPORT RequestId: {rid2}" in t else None)(logs_text(nimbus_logs, fn_name)),
        timeout=10,
        what="both invocations in `nimbus logs`",
    )
    for rid, tok in ((rid1, t1), (rid2, t2)):
        assert f"START RequestId: {rid} Version: $LATEST" in text
        assert f"LOG-TOKEN {tok}" in text
        assert f"to stderr {tok}" in text, "stderr of the runtime must be captured too"
        assert f"END RequestId: {rid}" in text
        assert re.search(
            r"REPORT RequestId: " + re.escape(rid) + r"\tDuration: \d+(\.\d+)? ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: \d+ MB",
            text,
        ), text
    # ordering within one invocation
    assert text.index(f"START RequestId: {rid1}") < text.index(f"LOG-TOKEN {t1}") < text.index(f"END RequestId: {rid1}")
    assert text.index(f"END RequestId: {rid1}") < text.index(f"START RequestId: {rid2}")
    # init ran once for two warm invokes
    assert text.count("LOG-INIT-LINE") == 1, text


def test_logs_of_event_invocation(lambda_client, functions, fn_name, nimbus_logs):
    functions.create(fn_name, token_zip())
    tok = unique_token()
    res = lambda_client.invoke(FunctionName=fn_name, InvocationType="Event", Payload=json.dumps({"token": tok}))
    assert res["StatusCode"] == 202
    text = wait_for(
        lambda: (lambda t: t if f"LOG-TOKEN {tok}" in t else None)(logs_text(nimbus_logs, fn_name)),
        timeout=15,
        what="the async invocation's output in `nimbus logs`",
    )
    assert re.search(r"START RequestId: " + UUID_RE + r" Version: \$LATEST", text)


def test_logs_only_show_the_named_function(lambda_client, functions, nimbus_logs):
    a, b = functions.name(), functions.name()
    functions.create(a, token_zip())
    functions.create(b, token_zip())
    ta, tb = unique_token(), unique_token()
    invoke(lambda_client, a, {"token": ta})
    invoke(lambda_client, b, {"token": tb})
    text = wait_for(
        lambda: (lambda t: t if f"LOG-TOKEN {ta}" in t else None)(logs_text(nimbus_logs, a)),
        timeout=10, what="logs of function a",
    )
    assert tb not in text


def test_logs_follow_streams_new_lines(lambda_client, functions, fn_name, server):
    functions.create(fn_name, token_zip())
    invoke(lambda_client, fn_name, {"token": unique_token()})  # so the log exists already

    proc = subprocess.Popen(
        [str(nimbus_bin()), "logs", fn_name, "--data-dir", str(server.data_dir), "--follow"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    try:
        reader = LineReader(proc.stdout)
        time.sleep(1.0)  # let it reach the end of the existing log
        assert proc.poll() is None, f"`nimbus logs --follow` exited immediately with {proc.returncode}"
        tok = unique_token()
        rid = invoke(lambda_client, fn_name, {"token": tok})["Json"]["request_id"]
        assert reader.wait_for(f"LOG-TOKEN {tok}", timeout=10), f"--follow did not stream the new output; got {reader.lines[-10:]}"
        assert reader.wait_for(f"REPORT RequestId: {rid}", timeout=10), f"--follow did not stream REPORT; got {reader.lines[-10:]}"
        assert proc.poll() is None, "--follow must keep running"
    finally:
        proc.kill()
        proc.wait(timeout=10)


def test_logs_readable_after_server_stopped(server_factory):
    srv = server_factory("logs-offline")
    client = srv.client()
    client.create_function(FunctionName="offline", Runtime="provided.al2023", Role="arn:aws:iam::000000000000:role/r",
                           Handler="b", Code={"ZipFile": token_zip()})
    from e2e_helpers import wait_active

    wait_active(client, "offline")
    tok = unique_token()
    rid = invoke(client, "offline", {"token": tok})["Json"]["request_id"]
    srv.stop()
    assert not srv.alive()
    proc = subprocess.run([str(nimbus_bin()), "logs", "offline", "--data-dir", str(srv.data_dir)],
                          capture_output=True, timeout=30, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout.decode(errors="replace")
    assert f"START RequestId: {rid} Version: $LATEST" in text
    assert f"LOG-TOKEN {tok}" in text
    assert f"REPORT RequestId: {rid}" in text
