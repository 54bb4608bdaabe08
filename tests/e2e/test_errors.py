"""Error behaviour: API errors (not found / conflict) and function failures
(error posts, timeouts, crashes, init errors). Every test ends by checking
the server still answers."""

from __future__ import annotations

import json
import re
import time

import pytest
from botocore.exceptions import ClientError

from e2e_helpers import (
    ACCOUNT,
    REGION,
    UUID_RE,
    assert_client_error,
    bootstrap_zip,
    decode_log_result,
    echo_zip,
    expect_error,
    invoke,
    json_reply_zip,
    runtime_script,
)


def arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


# --------------------------------------------------------------------------
# API errors
# --------------------------------------------------------------------------

NOT_FOUND_OPS = {
    "get_function": {},
    "get_function_configuration": {},
    "delete_function": {},
    "update_function_code": {"ZipFile": b"PK"},
    "update_function_configuration": {"Timeout": 5},
}


@pytest.mark.parametrize("op", sorted(NOT_FOUND_OPS))
def test_not_found(lambda_client, alive, fn_name, op):
    expect_error(
        getattr(lambda_client, op),
        "ResourceNotFoundException",
        404,
        f"Function not found: {arn(fn_name)}",
        FunctionName=fn_name,
        **NOT_FOUND_OPS[op],
    )
    alive()


@pytest.mark.parametrize("invocation_type", ["RequestResponse", "Event", "DryRun"])
def test_invoke_not_found(lambda_client, alive, fn_name, invocation_type):
    try:
        lambda_client.invoke(FunctionName=fn_name, InvocationType=invocation_type, Payload=b"{}")
    except ClientError as e:
        assert_client_error(e, "ResourceNotFoundException", 404)
        # AWS reports the unqualified ARN or (newer recordings) the ":$LATEST"-qualified one.
        assert e.response["Error"]["Message"] in (
            f"Function not found: {arn(fn_name)}",
            f"Function not found: {arn(fn_name)}:$LATEST",
        ), e.response["Error"]["Message"]
    else:
        raise AssertionError("invoke of a missing function succeeded")
    alive()


def test_duplicate_create_conflict(lambda_client, functions, alive, fn_name):
    first = functions.create(fn_name, echo_zip())
    before = lambda_client.get_function_configuration(FunctionName=fn_name)
    expect_error(
        functions.create,
        "ResourceConflictException",
        409,
        f"Function already exist: {fn_name}",
        name=fn_name,
        zip_bytes=echo_zip(),
        wait=False,
        Description="second",
    )
    # The original is untouched.
    cfg = lambda_client.get_function_configuration(FunctionName=fn_name)
    assert cfg["Description"] == ""
    assert cfg["RevisionId"] == before["RevisionId"]
    assert cfg["CodeSha256"] == first["CodeSha256"]
    alive()


# --------------------------------------------------------------------------
# function failures
# --------------------------------------------------------------------------

ERROR_DOC = {"errorMessage": "something bad happened", "errorType": "E2EError", "stackTrace": ["frame 1", "frame 2"]}

ERROR_HANDLER = r"""
case "$EVENT_BODY" in
  *fail*)
    echo "FAILING request=$REQUEST_ID"
    fail_json 'DOC'
    ;;
  *)
    respond_json "{\"ok\": true, \"pid\": \"$ENV_ID\"}"
    ;;
esac
""".replace("DOC", json.dumps(ERROR_DOC))


def test_function_error(lambda_client, functions, alive, fn_name):
    functions.create(fn_name, bootstrap_zip(runtime_script(ERROR_HANDLER)))
    ok = invoke(lambda_client, fn_name, {"do": "ok"})
    res = invoke(lambda_client, fn_name, {"do": "fail"}, LogType="Tail")
    assert res["StatusCode"] == 200
    assert res["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert res["FunctionError"] == "Unhandled"
    assert res["ResponseMetadata"]["HTTPHeaders"].get("x-amz-function-error") == "Unhandled"
    assert res["ExecutedVersion"] == "$LATEST"
    assert res["Json"] == ERROR_DOC
    assert "FAILING request=" in decode_log_result(res)

    after = invoke(lambda_client, fn_name, {"do": "ok"})
    assert "FunctionError" not in after and after["Json"]["ok"] is True
    assert after["Json"]["pid"] == ok["Json"]["pid"], "a reported function error must not reset the environment"
    alive()


SLEEPY_HANDLER = r"""
case "$EVENT_BODY" in
  *sleep*) sleep 5 ;;
esac
respond_json "{\"ok\": true, \"pid\": \"$ENV_ID\", \"request_id\": \"$REQUEST_ID\"}"
"""


def test_timeout(lambda_client, functions, alive, fn_name):
    functions.create(fn_name, bootstrap_zip(runtime_script(SLEEPY_HANDLER)), Timeout=1)
    before = invoke(lambda_client, fn_name, {"do": "quick"})
    assert before["Json"]["ok"] is True

    start = time.monotonic()
    res = invoke(lambda_client, fn_name, {"do": "sleep"})
    elapsed = time.monotonic() - start
    assert res["StatusCode"] == 200
    assert res["FunctionError"] == "Unhandled"
    body = res["Json"]
    assert set(body) == {"errorType", "errorMessage"}, body
    assert body["errorType"] == "Sandbox.Timedout"
    assert re.fullmatch(r"RequestId: " + UUID_RE + r" Error: Task timed out after 1\.00 seconds", body["errorMessage"]), body
    assert elapsed < 4.5, f"timed-out invoke took {elapsed:.1f}s for Timeout=1 (sleep is 5 s)"

    after = invoke(lambda_client, fn_name, {"do": "quick"})
    assert "FunctionError" not in after and after["Json"]["ok"] is True
    assert after["Json"]["pid"] != before["Json"]["pid"], "a timed-out environment must be replaced"
    alive()


CRASH_HANDLER = r"""
case "$EVENT_BODY" in
  *exit3*) echo "exiting 3"; exit 3 ;;
  *exit0*) echo "exiting 0"; exit 0 ;;
  *kill9*) kill -9 $$ ;;
esac
respond_json "{\"ok\": true, \"pid\": \"$ENV_ID\"}"
"""


@pytest.mark.parametrize(
    "mode,expected",
    [
        ("exit3", "Runtime exited with error: exit status 3"),
        ("exit0", "Runtime exited without providing a reason"),
        ("kill9", None),
    ],
)
def test_runtime_crash_during_invoke(lambda_client, functions, alive, fn_name, mode, expected):
    functions.create(fn_name, bootstrap_zip(runtime_script(CRASH_HANDLER)), Timeout=10)
    invoke(lambda_client, fn_name, {"mode": "ok"})
    start = time.monotonic()
    res = invoke(lambda_client, fn_name, {"mode": mode})
    assert time.monotonic() - start < 8, "a crash must be reported promptly, not by the timeout"
    assert res["StatusCode"] == 200
    assert res["FunctionError"] == "Unhandled"
    body = res["Json"]
    assert body["errorType"] == "Runtime.ExitError", body
    if expected is not None:
        assert re.fullmatch(r"RequestId: " + UUID_RE + r" Error: " + re.escape(expected), body["errorMessage"]), body
    else:
        assert re.match(r"RequestId: " + UUID_RE + r" Error: Runtime exited with error: \S", body["errorMessage"]), body

    after = invoke(lambda_client, fn_name, {"mode": "ok"})
    assert "FunctionError" not in after and after["Json"]["ok"] is True
    alive()


INIT_ERROR_DOC = {"errorMessage": "init failed on purpose", "errorType": "E2EInitError", "stackTrace": []}
INIT_ERROR_INIT = r"""
echo "INIT about to fail"
printf '%s' 'DOC' > "$WORK/initerr"
curl -sS -X POST "$RUNTIME/init/error" -H 'Lambda-Runtime-Function-Error-Type: Unhandled' \
  -H 'Content-Type: application/json' --data-binary "@$WORK/initerr" -o /dev/null
exit 1
""".replace("DOC", json.dumps(INIT_ERROR_DOC))


def test_init_error(lambda_client, functions, alive, fn_name):
    functions.create(fn_name, bootstrap_zip(runtime_script('respond_json "{}"', INIT_ERROR_INIT)))
    for _ in range(2):  # every invoke retries init and reports the same failure
        res = invoke(lambda_client, fn_name, {})
        assert res["StatusCode"] == 200
        assert res["FunctionError"] == "Unhandled"
        assert res["Json"] == INIT_ERROR_DOC
    alive()


def test_init_crash_without_report(lambda_client, functions, alive, fn_name):
    """bootstrap exits during init without calling /init/error."""
    functions.create(fn_name, bootstrap_zip(runtime_script('respond_json "{}"', 'echo "dying"; exit 2')))
    res = invoke(lambda_client, fn_name, {})
    assert res["StatusCode"] == 200
    assert res["FunctionError"] == "Unhandled"
    assert res["Json"]["errorType"] == "Runtime.ExitError"
    assert re.fullmatch(
        r"RequestId: " + UUID_RE + r" Error: Runtime exited with error: exit status 2", res["Json"]["errorMessage"]
    ), res["Json"]
    alive()


BIG_RESPONSE_HANDLER = r"""
echo "generating bytes"
{ printf '"'; head -c 7340032 /dev/zero | tr '\0' 'a'; printf '"'; } > "$OUT"
respond
"""


def test_response_too_large(lambda_client, functions, alive, fn_name):
    """Recorded AWS (test_lambda_too_large_response): a 7 MB response becomes a function error."""
    functions.create(fn_name, bootstrap_zip(runtime_script(BIG_RESPONSE_HANDLER)), Timeout=30)
    for _ in range(2):  # and the next invoke behaves the same
        res = invoke(lambda_client, fn_name, {})
        assert res["StatusCode"] == 200
        assert res["FunctionError"] == "Unhandled"
        assert res["Json"] == {
            "errorMessage": "Response payload size exceeded maximum allowed payload size (6291556 bytes).",
            "errorType": "Function.ResponseSizeTooLarge",
        }
    alive()


BOGUS_ID_HANDLER = r"""
CODE="$(curl -sS -o /dev/null -w '%{http_code}' -X POST "$RUNTIME/invocation/not-a-real-request-id/response" --data-binary '{"hijack": true}')"
respond_json "{\"bogus_status\": \"$CODE\", \"request_id\": \"$REQUEST_ID\"}"
"""


def test_runtime_cannot_answer_unknown_request_id(lambda_client, functions, alive, fn_name):
    functions.create(fn_name, bootstrap_zip(runtime_script(BOGUS_ID_HANDLER)))
    res = invoke(lambda_client, fn_name, {})
    assert "FunctionError" not in res, res["Body"]
    status = int(res["Json"]["bogus_status"])
    assert 400 <= status < 500, f"runtime API accepted a response for an unknown request id (HTTP {status})"
    alive()


def test_init_that_never_finishes_is_bounded(lambda_client, functions, alive, fn_name):
    """A bootstrap that never asks for work must not hold the caller for the whole init.
    AWS caps on-demand init at 10 s and then retries it within the function timeout (2 s here),
    so the invoke fails after roughly 12 s at most; the init below would take 25 s."""
    functions.create(fn_name, bootstrap_zip(runtime_script('respond_json "{}"', "sleep 25")), Timeout=2)
    start = time.monotonic()
    res = invoke(lambda_client, fn_name, {})
    elapsed = time.monotonic() - start
    assert elapsed < 15, f"invoke of a hanging init took {elapsed:.1f}s (Timeout=2): {res['Body'][:200]!r}"
    assert res["StatusCode"] == 200
    assert res.get("FunctionError") == "Unhandled", res["Body"]
    alive()


def test_delete_during_invoke(lambda_client, functions, alive, fn_name):
    from concurrent.futures import ThreadPoolExecutor

    functions.create(fn_name, bootstrap_zip(runtime_script('sleep 2; respond_json "{\\"done\\": true}"')), Timeout=10)
    with ThreadPoolExecutor(1) as pool:
        fut = pool.submit(invoke, lambda_client, fn_name, {})
        time.sleep(0.7)
        lambda_client.delete_function(FunctionName=fn_name)
        try:
            res = fut.result(timeout=30)
            assert res["StatusCode"] == 200  # either finished or reported as a function error
        except ClientError as e:  # or a clean API error
            assert 400 <= e.response["ResponseMetadata"]["HTTPStatusCode"] < 600
    expect_error(lambda_client.get_function, "ResourceNotFoundException", 404, FunctionName=fn_name)
    alive()


REVISION_MSG = ("The Revision Id provided does not match the latest Revision Id. "
                "Call the GetFunction/GetAlias API to retrieve the latest Revision Id")


def test_update_with_stale_revision_id(lambda_client, functions, alive, fn_name):
    """Recorded AWS (TestLambdaRevisions::test_function_revisions_basic): 412 PreconditionFailedException."""
    functions.create(fn_name, json_reply_zip({"v": 1}))
    current = lambda_client.get_function_configuration(FunctionName=fn_name)["RevisionId"]
    stale = "00000000-0000-4000-8000-000000000000"
    expect_error(lambda_client.update_function_configuration, "PreconditionFailedException", 412, REVISION_MSG,
                 FunctionName=fn_name, Description="nope", RevisionId=stale)
    expect_error(lambda_client.update_function_code, "PreconditionFailedException", 412, REVISION_MSG,
                 FunctionName=fn_name, ZipFile=json_reply_zip({"v": 2}), RevisionId=stale)
    cfg = lambda_client.get_function_configuration(FunctionName=fn_name)
    assert cfg["Description"] == "" and cfg["RevisionId"] == current
    upd = lambda_client.update_function_configuration(FunctionName=fn_name, Description="yes", RevisionId=current)
    assert upd["Description"] == "yes" and upd["RevisionId"] != current
    alive()
