"""Edges of the Runtime API and the invoke path found in review; each test failed before its fix."""
import time

import http.client

from e2e_helpers import ROLE, assert_server_alive, bootstrap_zip, invoke, runtime_script, wait_active


def test_runtime_that_exits_while_idle_is_replaced(lambda_client, functions, fn_name, alive):
    """A runtime that answers and then exits leaves a dead idle environment. The next invoke
    must get a fresh environment (as on AWS), not a Runtime.ExitError for an event that never ran."""
    functions.create(fn_name, bootstrap_zip(runtime_script('respond_json "{\\"pid\\": \\"$ENV_ID\\"}"; exit 0')))
    first = invoke(lambda_client, fn_name, {})
    assert "FunctionError" not in first, first["Body"]
    time.sleep(0.5)  # let the exit be noticed
    second = invoke(lambda_client, fn_name, {})
    assert "FunctionError" not in second, second["Body"]
    assert second["Json"]["pid"] != first["Json"]["pid"]
    alive()


def test_abandoned_next_connection_is_forgotten(server_factory):
    """A runtime whose parked /next gives up (a client-side timeout) and then asks again must
    receive the next event on its new request, not have it written to the closed connection.
    (With freezing on, as on Lambda, a frozen runtime's own timer cannot fire while idle, so
    this runs on a server started with --no-freeze.)"""
    srv = server_factory("nofreeze", extra_args=["--no-freeze"])
    lambda_client = srv.client()
    fn_name = "abandoned"
    handler = """
respond_json '{"ok": true}'
if [ -z "$ABANDONED" ]; then
  ABANDONED=1
  curl -sS --max-time 1 -o /dev/null "$RUNTIME/invocation/next"
fi
"""
    lambda_client.create_function(FunctionName=fn_name, Runtime="provided.al2023", Role=ROLE, Handler="x",
                                  Code={"ZipFile": bootstrap_zip(runtime_script(handler, init="ABANDONED="))}, Timeout=3)
    wait_active(lambda_client, fn_name)
    assert invoke(lambda_client, fn_name, {})["Json"] == {"ok": True}
    time.sleep(1.5)  # the parked /next has been abandoned and a new one is waiting
    second = invoke(lambda_client, fn_name, {})
    assert second.get("FunctionError") is None, second["Body"]
    assert second["Json"] == {"ok": True}
    assert_server_alive(srv, lambda_client)


def test_event_invoke_request_id_matches_its_log(server, lambda_client, functions, fn_name, nimbus_logs):
    """The 202's x-amzn-RequestId is the id the invocation runs (and logs) under."""
    functions.create(fn_name, bootstrap_zip(runtime_script('respond_json "{}"')))
    res = lambda_client.invoke(FunctionName=fn_name, InvocationType="Event", Payload=b"{}")
    assert res["StatusCode"] == 202
    request_id = res["ResponseMetadata"]["RequestId"]
    deadline = time.monotonic() + 10
    out = ""
    while time.monotonic() < deadline:
        out = nimbus_logs(fn_name).stdout.decode()
        if f"END RequestId: {request_id}" in out:
            break
        time.sleep(0.3)
    assert f"START RequestId: {request_id} Version: $LATEST" in out, out


def test_unsigned_request_is_refused_before_its_body_is_read(server, alive):
    """An unsigned request announcing a 60 MB body gets 403 at once, without the server
    waiting for (or buffering) the body."""
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    conn.putrequest("POST", "/2015-03-31/functions")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Content-Length", str(60 * 1024 * 1024))
    conn.endheaders()
    conn.send(b"{")  # a tiny part of the announced body; the rest never comes
    response = conn.getresponse()
    assert response.status == 403
    assert response.headers["X-Amzn-ErrorType"].startswith("MissingAuthenticationTokenException")
    assert time.monotonic() - started < 4
    conn.close()
    alive()


def test_account_concurrency_limit_throttles_with_429(server_factory):
    """Beyond the account's concurrent executions, invokes are refused with AWS's
    429 TooManyRequestsException instead of starting unbounded processes."""
    from concurrent.futures import ThreadPoolExecutor

    from botocore.exceptions import ClientError

    srv = server_factory("throttle", extra_args=["--concurrent-executions", "2"])
    client = srv.client()
    assert client.get_account_settings()["AccountLimit"]["ConcurrentExecutions"] == 2
    client.create_function(FunctionName="slow", Runtime="provided.al2023", Role="arn:aws:iam::000000000000:role/r",
                           Handler="x", Timeout=10,
                           Code={"ZipFile": bootstrap_zip(runtime_script('sleep 1.5; respond_json "{}"'))})

    def call(_):
        try:
            invoke(client, "slow", {})
            return 200
        except ClientError as e:
            assert e.response["Error"]["Code"] == "TooManyRequestsException"
            return e.response["ResponseMetadata"]["HTTPStatusCode"]

    with ThreadPoolExecutor(4) as pool:
        statuses = sorted(pool.map(call, range(4)))
    assert statuses.count(200) == 2 and statuses.count(429) == 2, statuses
    # Once the running ones finish, capacity is back.
    assert invoke(client, "slow", {}).get("FunctionError") is None
