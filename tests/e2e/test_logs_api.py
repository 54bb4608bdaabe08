"""The CloudWatch Logs-compatible read API over function logs: boto3's `logs` client for
every operation and error, and the real `aws logs tail` (AWS CLI v2), with and without --follow.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time

import pytest
from botocore.exceptions import ClientError

from conftest import aws_cli_env
from e2e_helpers import (  # noqa: I001
    make_client,
    ACCOUNT,
    REGION,
    SECRET_KEY,
    LineReader,
    bootstrap_zip,
    invoke,
    runtime_script,
    unique_token,
    wait_for,
)

# Prints the event's token, and a JSON line that JSON filter patterns can match.
HANDLER = r"""
TOK="$(grep -o 'tok-[0-9a-f]*' "$EVENT" | head -n 1)"
echo "LOG-TOKEN $TOK"
echo "{\"token\": \"$TOK\", \"n\": 7, \"level\": \"warn\"}"
respond_json '{}'
"""

GROUP_NOT_FOUND = "The specified log group does not exist."
STREAM_NOT_FOUND = "The specified log stream does not exist."


def expect_error(fn, code: str, status: int, message: str | None = None, **kwargs) -> ClientError:
    """The logs API's error: botocore's code (from `__type`), status and message. (JSON 1.1
    errors carry no `X-Amzn-ErrorType` header, unlike Lambda's REST errors.)"""
    try:
        result = fn(**kwargs)
    except ClientError as e:
        error = e.response["Error"]
        assert (error["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]) == (code, status), e.response
        assert error["Message"], e.response
        if message is not None:
            assert error["Message"] == message, f"message mismatch:\n expected: {message!r}\n      got: {error['Message']!r}"
        return e
    raise AssertionError(f"expected {code} ({status}) but the call succeeded: {result}")


def logs_client(endpoint: str, secret_key: str = SECRET_KEY):
    return make_client(endpoint, secret_key=secret_key, service="logs", read_timeout=60)


@pytest.fixture(scope="module")
def logs(server):
    return logs_client(server.endpoint)


@pytest.fixture
def logged_fn(lambda_client, functions, fn_name, logs):
    """A function invoked once (token in its log); returns (name, group, token)."""
    functions.create(fn_name, bootstrap_zip(runtime_script(HANDLER)))
    token = unique_token()
    invoke(lambda_client, fn_name, {"token": token})
    group = f"/aws/lambda/{fn_name}"
    # Until the REPORT line: the invoke's lines are all written (they are flushed in batches).
    wait_for(lambda: token in json.dumps(filter_all(logs, group)) and "REPORT RequestId" in json.dumps(filter_all(logs, group)),
             timeout=15, what="the invoke's log through FilterLogEvents")
    return fn_name, group, token


def filter_all(logs, group: str, **kwargs) -> list[dict]:
    try:
        return [e for page in logs.get_paginator("filter_log_events").paginate(logGroupName=group, **kwargs) for e in page["events"]]
    except logs.exceptions.ResourceNotFoundException:
        return []


def aws_v2() -> str:
    """The AWS CLI v2 (`aws logs tail` is v2 only; scripts/test.sh installs Debian's awscli)."""
    for candidate in (os.environ.get("NIMBUS_AWS_V2"), "/usr/bin/aws", shutil.which("aws")):
        if candidate and os.path.exists(candidate):
            out = subprocess.run([candidate, "--version"], capture_output=True, timeout=60)
            if (out.stdout + out.stderr).decode().startswith("aws-cli/2"):
                return candidate
    pytest.skip("AWS CLI v2 is not installed (scripts/test.sh installs it)")


# --------------------------------------------------------------------------
# Groups and retention
# --------------------------------------------------------------------------


def test_describe_log_groups(logs, logged_fn):
    _, group, _ = logged_fn
    found = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    assert [g["logGroupName"] for g in found] == [group]
    g = found[0]
    assert g["arn"] == f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}:*"
    assert g["logGroupArn"] == f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}"
    assert g["storedBytes"] > 0 and g["creationTime"] > 1_600_000_000_000
    assert "retentionInDays" not in g
    assert logs.describe_log_groups(logGroupNamePrefix=group + "-none")["logGroups"] == []


def test_describe_log_groups_pages(logs, lambda_client, functions):
    names = []
    for _ in range(3):
        name = functions.create(zip_bytes=bootstrap_zip(runtime_script(HANDLER)))["FunctionName"]
        invoke(lambda_client, name, {"token": unique_token()})
        names.append(f"/aws/lambda/{name}")
    wait_for(lambda: all(logs.describe_log_groups(logGroupNamePrefix=n)["logGroups"] for n in names), timeout=15, what="groups")
    seen = [g["logGroupName"] for page in logs.get_paginator("describe_log_groups").paginate(PaginationConfig={"PageSize": 1})
            for g in page["logGroups"]]
    assert all(n in seen for n in names) and seen == sorted(seen) and len(seen) == len(set(seen))
    first = logs.describe_log_groups(limit=1)
    assert len(first["logGroups"]) == 1 and "nextToken" in first


def test_retention_policy(logs, logged_fn):
    _, group, _ = logged_fn
    logs.put_retention_policy(logGroupName=group, retentionInDays=14)
    assert logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["retentionInDays"] == 14
    logs.delete_retention_policy(logGroupName=group)
    assert "retentionInDays" not in logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]
    expect_error(
        logs.put_retention_policy, "InvalidParameterException", 400,
        "1 validation error detected: Value '2' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: "
        "[1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]",
        logGroupName=group, retentionInDays=2,
    )
    expect_error(logs.put_retention_policy, "ResourceNotFoundException", 400, GROUP_NOT_FOUND,
                 logGroupName="/aws/lambda/no-such-fn", retentionInDays=1)
    expect_error(logs.delete_retention_policy, "ResourceNotFoundException", 400, GROUP_NOT_FOUND, logGroupName="/aws/lambda/no-such-fn")
    expect_error(logs.delete_retention_policy, "InvalidParameterException", 400,
                 r"1 validation error detected: Value 'bad name!' at 'logGroupName' failed to satisfy constraint: "
                 r"Member must satisfy regular expression pattern: [\.\-_/#A-Za-z0-9]+",
                 logGroupName="bad name!")


def test_retention_survives_restart(server_factory):
    srv = server_factory()
    client = srv.client()
    name = unique_token("ret")
    client.create_function(FunctionName=name, Runtime="provided.al2023", Role=f"arn:aws:iam::{ACCOUNT}:role/r", Handler="h",
                           Code={"ZipFile": bootstrap_zip(runtime_script(HANDLER))})
    invoke(client, name, {"token": unique_token()})
    group = f"/aws/lambda/{name}"
    logs = logs_client(srv.endpoint)
    wait_for(lambda: logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"], timeout=15, what="group")
    logs.put_retention_policy(logGroupName=group, retentionInDays=30)
    srv.stop()
    srv.start()
    assert logs_client(srv.endpoint).describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["retentionInDays"] == 30


# --------------------------------------------------------------------------
# Streams and events
# --------------------------------------------------------------------------


def test_describe_log_streams_and_get_log_events(logs, lambda_client, logged_fn):
    name, group, token = logged_fn
    streams = logs.describe_log_streams(logGroupName=group, orderBy="LastEventTime", descending=True)["logStreams"]
    assert len(streams) == 1
    s = streams[0]
    assert "[$LATEST]" in s["logStreamName"]
    assert s["firstEventTimestamp"] <= s["lastEventTimestamp"] <= s["lastIngestionTime"] + 1000
    assert s["arn"] == f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}:log-stream:{s['logStreamName']}"
    prefix = s["logStreamName"][:11]
    assert [x["logStreamName"] for x in logs.describe_log_streams(logGroupName=group, logStreamNamePrefix=prefix)["logStreams"]] == [s["logStreamName"]]
    assert logs.describe_log_streams(logGroupName=group, logStreamNamePrefix="1999/")["logStreams"] == []

    got = logs.get_log_events(logGroupName=group, logStreamName=s["logStreamName"], startFromHead=True)
    messages = [e["message"] for e in got["events"]]
    assert any(m.startswith("START RequestId:") for m in messages) and f"LOG-TOKEN {token}" in messages
    assert all(set(e) == {"timestamp", "message", "ingestionTime"} for e in got["events"])
    fwd = got["nextForwardToken"]
    assert fwd.startswith("f/") and len(fwd) == 58 and got["nextBackwardToken"].startswith("b/")
    # Nothing new: the same forward token; a new invoke's lines after it.
    again = logs.get_log_events(logGroupName=group, logStreamName=s["logStreamName"], nextToken=fwd)
    assert again["events"] == [] and again["nextForwardToken"] == fwd
    token2 = unique_token()
    invoke(lambda_client, name, {"token": token2})
    newer = wait_for(lambda: (lambda ev: ev if any(e["message"].startswith("REPORT") for e in ev) else None)(
                     logs.get_log_events(logGroupName=group, logStreamName=s["logStreamName"], nextToken=fwd)["events"]),
                     timeout=15, what="the new invoke's events, up to its REPORT, after the forward token")
    assert any(e["message"] == f"LOG-TOKEN {token2}" for e in newer)
    assert not any(e["message"] == f"LOG-TOKEN {token}" for e in newer)
    # The newest two, without a token; paging back from them.
    last2 = logs.get_log_events(logGroupName=group, logStreamName=s["logStreamName"], limit=2)
    assert len(last2["events"]) == 2 and last2["events"][-1]["message"].startswith("REPORT RequestId:")
    back = logs.get_log_events(logGroupName=group, logStreamName=s["logStreamName"], nextToken=last2["nextBackwardToken"], limit=1)
    assert [e["message"] for e in back["events"]] == [f'{{"token": "{token2}", "n": 7, "level": "warn"}}']
    head = logs.get_log_events(logGroupName=group, logStreamName=s["logStreamName"], startFromHead=True, limit=1)["events"]
    assert head[0]["message"].startswith("START RequestId:") and head[0]["message"] == messages[0]
    # logGroupIdentifier takes the group's ARN.
    by_arn = logs.get_log_events(logGroupIdentifier=f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}", logStreamName=s["logStreamName"], limit=1)
    assert by_arn["events"] == last2["events"][-1:]


def test_stream_and_event_errors(logs, logged_fn):
    _, group, _ = logged_fn
    stream = logs.describe_log_streams(logGroupName=group)["logStreams"][0]["logStreamName"]
    expect_error(logs.describe_log_streams, "ResourceNotFoundException", 400, GROUP_NOT_FOUND, logGroupName="/aws/lambda/no-such-fn")
    expect_error(logs.get_log_events, "ResourceNotFoundException", 400, GROUP_NOT_FOUND, logGroupName="/aws/lambda/no-such-fn", logStreamName=stream)
    expect_error(logs.get_log_events, "ResourceNotFoundException", 400, STREAM_NOT_FOUND, logGroupName=group, logStreamName="2020/01/01/[$LATEST]nope")
    expect_error(logs.get_log_events, "InvalidParameterException", 400, "The specified nextToken is invalid.",
                 logGroupName=group, logStreamName=stream, nextToken="f/not-a-token")
    expect_error(logs.describe_log_streams, "InvalidParameterException", 400, "Cannot order by LastEventTime with a logStreamNamePrefix.",
                 logGroupName=group, orderBy="LastEventTime", logStreamNamePrefix="2")
    expect_error(logs.filter_log_events, "ResourceNotFoundException", 400, GROUP_NOT_FOUND, logGroupName="/aws/lambda/no-such-fn")
    expect_error(logs.filter_log_events, "InvalidParameterException", 400, "Invalid filter pattern", logGroupName=group, filterPattern="[a, b]")
    expect_error(logs.filter_log_events, "InvalidParameterException", 400, "Invalid filter pattern", logGroupName=group, filterPattern="%ERR.*%")
    expect_error(logs.filter_log_events, "InvalidParameterException", 400, "The specified nextToken is invalid.", logGroupName=group, nextToken="zzz")
    expect_error(logs.filter_log_events, "ValidationException", 400,
                 "LogGroup name and LogGroup ARN are mutually exclusive parameters.", logGroupName=group, logGroupIdentifier=group)
    expect_error(logs.filter_log_events, "InvalidParameterException", 400,
                 "Either the logGroupName or the logGroupIdentifier parameter must be specified.")
    expect_error(logs.describe_log_streams, "ResourceNotFoundException", 400, GROUP_NOT_FOUND,
                 logGroupIdentifier=f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/no-such-fn:*")
    expect_error(logs.filter_log_events, "InvalidParameterException", 400,
                 "Cannot specify both logStreamNames and logStreamNamePrefix.", logGroupName=group, logStreamNames=[stream], logStreamNamePrefix="2")
    expect_error(logs.get_log_events, "InvalidParameterException", 400,
                 "1 validation error detected: Value '10001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 10000",
                 logGroupName=group, logStreamName=stream, limit=10001)
    expect_error(logs.describe_log_groups, "InvalidParameterException", 400,
                 "1 validation error detected: Value '51' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 50",
                 limit=51)


def test_filter_log_events_patterns(logs, logged_fn):
    _, group, token = logged_fn
    everything = filter_all(logs, group)
    assert {"logStreamName", "timestamp", "message", "ingestionTime", "eventId"} <= set(everything[0])
    assert [e["message"] for e in filter_all(logs, group, filterPattern=f'"LOG-TOKEN {token}"')] == [f"LOG-TOKEN {token}"]
    assert all("REPORT" not in e["message"] for e in filter_all(logs, group, filterPattern="RequestId -REPORT"))
    assert {e["message"].split()[0] for e in filter_all(logs, group, filterPattern="?START ?END")} == {"START", "END"}
    json_line = [e["message"] for e in filter_all(logs, group, filterPattern='{ $.level = "warn" && $.n > 5 }')]
    assert len(json_line) == 1 and token in json_line[0]
    assert filter_all(logs, group, filterPattern="{ $.n > 7 }") == []
    assert filter_all(logs, group, filterPattern='{ $.level = "error" || $.n < 0 }') == []
    # Times and stream selection.
    stream = everything[0]["logStreamName"]
    assert filter_all(logs, group, logStreamNames=[stream]) == everything
    assert filter_all(logs, group, logStreamNamePrefix="1999/") == []
    assert filter_all(logs, group, startTime=everything[-1]["timestamp"] + 1) == []
    assert filter_all(logs, group, endTime=everything[0]["timestamp"] - 1) == []
    # Paging by limit gives the same events.
    paged = [e for page in logs.get_paginator("filter_log_events").paginate(logGroupName=group, PaginationConfig={"PageSize": 2})
             for e in page["events"]]
    assert paged == everything
    assert len(logs.filter_log_events(logGroupName=group, limit=1)["events"]) == 1


def test_wrong_signature_is_refused(server):
    bad = logs_client(server.endpoint, secret_key="wrong")
    err = expect_error(bad.describe_log_groups, "InvalidSignatureException", 403)
    assert err.response["Error"]["Message"]


# --------------------------------------------------------------------------
# aws logs tail (AWS CLI v2)
# --------------------------------------------------------------------------


def test_aws_logs_tail(server, logged_fn, tmp_path):
    aws = aws_v2()
    _, group, token = logged_fn
    out = subprocess.run([aws, "logs", "tail", group, "--since", "1h", "--format", "short", "--endpoint-url", server.endpoint],
                         env=aws_cli_env(tmp_path), capture_output=True, timeout=60)
    assert out.returncode == 0, out.stderr.decode(errors="replace")
    text = out.stdout.decode()
    assert f"LOG-TOKEN {token}" in text and "START RequestId:" in text
    filtered = subprocess.run([aws, "logs", "tail", group, "--since", "1h", "--filter-pattern", "REPORT", "--endpoint-url", server.endpoint],
                              env=aws_cli_env(tmp_path), capture_output=True, timeout=60)
    lines = filtered.stdout.decode().strip().splitlines()
    assert lines and all("REPORT RequestId:" in line for line in lines), filtered.stdout.decode()


def test_aws_logs_tail_follow(server, lambda_client, logged_fn, tmp_path):
    aws = aws_v2()
    name, group, _ = logged_fn
    proc = subprocess.Popen([aws, "logs", "tail", group, "--follow", "--since", "1m", "--endpoint-url", server.endpoint],
                            env=aws_cli_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        reader = LineReader(proc.stdout)
        assert reader.wait_for("LOG-TOKEN", timeout=30), "tail printed nothing of the earlier invoke"
        token = unique_token()
        invoke(lambda_client, name, {"token": token})
        # tail polls every 5 seconds.
        assert reader.wait_for(f"LOG-TOKEN {token}", timeout=30), "".join(reader.lines)[-2000:]
        assert sum(f"LOG-TOKEN {token}" in line for line in reader.lines) == 1, "each event once"
    finally:
        proc.kill()
        proc.wait(timeout=10)
