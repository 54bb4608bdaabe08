"""Durable asynchronous invocation: 202 after commit, retries on AWS's schedule (scaled),
maximum event age, destinations, event invoke configs, InvokeAsync, and kill -9.

The server here runs with `--async-delay-scale 0.01`: "1 minute" is 0.6 s, and
MaximumEventAgeInSeconds=60 is 0.6 s. Functions report to the `side_effects` sink.
"""

from __future__ import annotations

import json
import re
import time

import pytest

from e2e_helpers import (
    ACCOUNT,
    REGION,
    UUID_RE,
    NimbusServer,
    bootstrap_zip,
    expect_error,
    fn_path,
    load_snapshot,
    raw_request,
    assert_raw_error,
    runtime_script,
    unique_token,
    wait_for,
)

SCALE = 0.01

# Reports "<request id>" to $SIDE_EFFECT_URL/<token> after `sleep` seconds (from the event,
# default 0), then fails if the event says "fail", else answers {"ok": true, "token": ...}.
REPORTING_HANDLER = r"""
TOK="$(grep -o 'tok-[0-9a-f]*' "$EVENT" | head -n 1)"
SLEEP="$(grep -o '"sleep": *[0-9.]*' "$EVENT" | grep -o '[0-9.]*$')"
[ -n "$SLEEP" ] && sleep "$SLEEP"
if [ -n "$TOK" ]; then curl -s -m 5 -X POST --data "$REQUEST_ID" "$SIDE_EFFECT_URL/$TOK" > /dev/null; fi
if grep -q '"fail"' "$EVENT"; then
  fail_json '{"errorMessage":"intentional failure","errorType":"Exception"}'
else
  respond_json "{\"ok\": true, \"token\": \"$TOK\"}"
fi
"""

# A destination: reports the whole record it receives to $SIDE_EFFECT_URL/dest-<token>.
DESTINATION_HANDLER = r"""
TOK="$(grep -o 'tok-[0-9a-f]*' "$EVENT" | head -n 1)"
curl -s -m 5 -X POST --data-binary "@$EVENT" "$SIDE_EFFECT_URL/dest-$TOK" > /dev/null
respond_json '{}'
"""


@pytest.fixture(scope="module")
def async_server(tmp_path_factory):
    srv = NimbusServer(tmp_path_factory.mktemp("nimbus-async"), extra_args=["--async-delay-scale", str(SCALE)])
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def client(async_server):
    return async_server.client()


@pytest.fixture
def make_function(client, side_effects, request):
    created = []

    def make(handler: str = REPORTING_HANDLER, **kwargs) -> str:
        name = f"e2e-async-{unique_token('f')}"
        client.create_function(
            FunctionName=name, Runtime="provided.al2023", Role=f"arn:aws:iam::{ACCOUNT}:role/r", Handler="x",
            Code={"ZipFile": bootstrap_zip(runtime_script(handler))}, Timeout=30,
            Environment={"Variables": {"SIDE_EFFECT_URL": side_effects.url}}, **kwargs,
        )
        created.append(name)
        return name

    yield make
    for name in created:
        try:
            client.delete_function(FunctionName=name)
        except Exception:  # noqa: BLE001 - best effort
            pass


def arn(name: str, qualifier: str | None = None) -> str:
    base = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
    return f"{base}:{qualifier}" if qualifier else base


def send_event(client, name: str, payload: dict) -> dict:
    res = client.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps(payload))
    assert res["StatusCode"] == 202 and res["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert res["Payload"].read() == b""
    return res


def recorded(case: str) -> dict:
    return load_snapshot("test_lambda_api.snapshot.json", f"TestLambdaEventInvokeConfig::{case}")


def aws_message(message: str, name: str, other: str = "") -> str:
    """A recorded message with this server's partition, region, account and names."""
    return (
        message.replace("<partition>", "aws").replace("<region>", REGION).replace("111111111111", ACCOUNT)
        .replace("<function-name:1>", name).replace("<resource:5>", other)
    )


# --------------------------------------------------------------------------
# 202, retries, age, destinations
# --------------------------------------------------------------------------


def test_event_is_accepted_with_202_and_runs_once(client, make_function, side_effects):
    name = make_function()
    token = unique_token()
    res = send_event(client, name, {"token": token})
    request_id = res["ResponseMetadata"]["RequestId"]
    wait_for(lambda: side_effects.has(token), timeout=20, what="the event to run")
    assert side_effects.get(token) == request_id, "the function sees the 202's request id"
    time.sleep(1.0)
    assert len(side_effects.all(token)) == 1, "a successful event runs once"


def test_function_errors_are_retried_twice_after_1_and_2_scaled_minutes(client, make_function, side_effects):
    name = make_function()
    token = unique_token()
    send_event(client, name, {"token": token, "fail": True})
    wait_for(lambda: len(side_effects.all(token)) >= 3, timeout=30, what="three attempts")
    time.sleep(60 * 3 * SCALE)  # a fourth attempt would come 3 scaled minutes later at the latest
    attempts = side_effects.all(token)
    assert len(attempts) == 3, attempts
    assert len({body for _, body in attempts}) == 1, "retries keep the request id"
    first_gap = attempts[1][0] - attempts[0][0]
    second_gap = attempts[2][0] - attempts[1][0]
    # 1 minute and 2 minutes, scaled (plus the invoke's own time and the dispatcher's wake-up).
    assert 0.55 <= first_gap <= 0.6 + 1.0, first_gap
    assert 1.15 <= second_gap <= 1.2 + 1.0, second_gap


def test_maximum_retry_attempts_zero_runs_once(client, make_function, side_effects):
    name = make_function()
    client.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
    token = unique_token()
    send_event(client, name, {"token": token, "fail": True})
    wait_for(lambda: side_effects.has(token), timeout=20, what="the attempt")
    time.sleep(60 * 2 * SCALE)
    assert len(side_effects.all(token)) == 1


def test_on_success_destination_receives_the_invocation_record(client, make_function, side_effects):
    destination = make_function(DESTINATION_HANDLER)
    name = make_function()
    put = client.put_function_event_invoke_config(
        FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": arn(destination)}}
    )
    assert put["DestinationConfig"] == {"OnSuccess": {"Destination": arn(destination)}, "OnFailure": {}}
    token = unique_token()
    request_id = send_event(client, name, {"token": token, "n": 1})["ResponseMetadata"]["RequestId"]
    record = json.loads(wait_for(lambda: side_effects.received.get(f"dest-{token}"), timeout=20, what="the record"))
    assert list(record) == ["version", "timestamp", "requestContext", "requestPayload", "responseContext", "responsePayload"]
    assert record["version"] == "1.0"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", record["timestamp"]), record["timestamp"]
    assert record["requestContext"] == {
        "requestId": request_id, "functionArn": arn(name, "$LATEST"), "condition": "Success", "approximateInvokeCount": 1,
    }
    assert record["requestPayload"] == {"token": token, "n": 1}
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
    assert record["responsePayload"] == {"ok": True, "token": token}


def test_on_failure_destination_after_retries_exhausted(client, make_function, side_effects):
    destination = make_function(DESTINATION_HANDLER)
    name = make_function()
    client.put_function_event_invoke_config(
        FunctionName=name, MaximumRetryAttempts=1, DestinationConfig={"OnFailure": {"Destination": arn(destination)}}
    )
    token = unique_token()
    request_id = send_event(client, name, {"token": token, "fail": True})["ResponseMetadata"]["RequestId"]
    record = json.loads(wait_for(lambda: side_effects.received.get(f"dest-{token}"), timeout=30, what="the record"))
    assert len(side_effects.all(token)) == 2
    assert record["requestContext"] == {
        "requestId": request_id, "functionArn": arn(name, "$LATEST"), "condition": "RetriesExhausted",
        "approximateInvokeCount": 2,
    }
    assert record["requestPayload"] == {"token": token, "fail": True}
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"}
    assert record["responsePayload"] == {"errorMessage": "intentional failure", "errorType": "Exception"}
    # Same keys as AWS's recorded record (test_lambda_destinations, test_retries).
    aws = load_snapshot("test_lambda_destinations.snapshot.json", "TestLambdaDestinationSqs::test_retries")
    aws_record = aws["queue_destination_payload"]["Messages"][0]["Body"]
    assert set(record) == set(aws_record)
    assert set(record["requestContext"]) == set(aws_record["requestContext"])
    assert set(record["responseContext"]) == set(aws_record["responseContext"])


def test_maximum_event_age_discards_the_event_with_event_age_exceeded(client, make_function, side_effects):
    """As AWS's test_maxeventage: 60 s of age and a 1 minute retry delay: one attempt, then EventAgeExceeded."""
    destination = make_function(DESTINATION_HANDLER)
    name = make_function()
    client.put_function_event_invoke_config(
        FunctionName=name, MaximumEventAgeInSeconds=60, MaximumRetryAttempts=2,
        DestinationConfig={"OnFailure": {"Destination": arn(destination)}},
    )
    token = unique_token()
    send_event(client, name, {"token": token, "fail": True})
    record = json.loads(wait_for(lambda: side_effects.received.get(f"dest-{token}"), timeout=30, what="the record"))
    assert record["requestContext"]["condition"] == "EventAgeExceeded"
    assert record["requestContext"]["approximateInvokeCount"] == 1
    assert record["responseContext"]["functionError"] == "Unhandled"
    time.sleep(60 * 2 * SCALE)
    assert len(side_effects.all(token)) == 1, "an expired event is not run again"


def test_throttled_events_are_retried_until_they_run(tmp_path, side_effects):
    """With one concurrent execution, events that find it busy get 429s and back off until they run."""
    srv = NimbusServer(tmp_path, extra_args=["--async-delay-scale", str(SCALE), "--concurrent-executions", "1"])
    srv.start()
    try:
        client = srv.client()
        name = f"e2e-async-{unique_token('f')}"
        client.create_function(
            FunctionName=name, Runtime="provided.al2023", Role=f"arn:aws:iam::{ACCOUNT}:role/r", Handler="x",
            Code={"ZipFile": bootstrap_zip(runtime_script(REPORTING_HANDLER))}, Timeout=30,
            Environment={"Variables": {"SIDE_EFFECT_URL": side_effects.url}},
        )
        client.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
        tokens = [unique_token() for _ in range(4)]
        for token in tokens:
            send_event(client, name, {"token": token, "sleep": 0.3})
        wait_for(lambda: all(side_effects.has(t) for t in tokens), timeout=60, what="every throttled event to run")
        # Throttles are not function errors: MaximumRetryAttempts=0 did not drop them.
        assert all(len(side_effects.all(t)) == 1 for t in tokens)
    finally:
        srv.stop()


def test_invoke_async_answers_202_and_queues_the_event(client, make_function, side_effects):
    name = make_function()
    token = unique_token()
    res = client.invoke_async(FunctionName=name, InvokeArgs=json.dumps({"token": token}))
    assert res["Status"] == 202 and res["ResponseMetadata"]["HTTPStatusCode"] == 202
    wait_for(lambda: side_effects.has(token), timeout=20, what="the InvokeAsync event to run")
    assert side_effects.get(token) == res["ResponseMetadata"]["RequestId"]


def test_invoke_async_errors(client, make_function, async_server):
    expect_error(client.invoke_async, "ResourceNotFoundException", 404,
                 f"Function not found: {arn('e2e-async-missing')}",
                 FunctionName="e2e-async-missing", InvokeArgs="{}")
    name = make_function()
    resp = raw_request(async_server.endpoint, "POST", f"/2014-11-13/functions/{name}/invoke-async/", body=b"{not json")
    assert_raw_error(resp, "InvalidRequestContentException", 400)


def test_deleting_a_function_drops_its_pending_events_and_configs(client, make_function, side_effects):
    name = make_function()
    client.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=2)
    token = unique_token()
    send_event(client, name, {"token": token, "fail": True})
    wait_for(lambda: side_effects.has(token), timeout=20, what="the first attempt")
    client.delete_function(FunctionName=name)
    # Same name again: a retry of the old event would run the new function.
    client.create_function(
        FunctionName=name, Runtime="provided.al2023", Role=f"arn:aws:iam::{ACCOUNT}:role/r", Handler="x",
        Code={"ZipFile": bootstrap_zip(runtime_script(REPORTING_HANDLER))},
        Environment={"Variables": {"SIDE_EFFECT_URL": side_effects.url}},
    )
    expect_error(client.get_function_event_invoke_config, "ResourceNotFoundException", 404,
                 f"The function {arn(name, '$LATEST')} doesn't have an EventInvokeConfig", FunctionName=name)
    time.sleep(60 * 3 * SCALE + 0.5)
    assert len(side_effects.all(token)) == 1, "the deleted function's retries must not run"


# --------------------------------------------------------------------------
# kill -9
# --------------------------------------------------------------------------


def test_kill_9_loses_no_accepted_event(tmp_path, side_effects):
    """Events running and waiting when the server is SIGKILLed all run after the restart."""
    srv = NimbusServer(tmp_path, extra_args=["--async-delay-scale", str(SCALE), "--concurrent-executions", "2"])
    srv.start()
    client = srv.client()
    name = f"e2e-async-{unique_token('f')}"
    client.create_function(
        FunctionName=name, Runtime="provided.al2023", Role=f"arn:aws:iam::{ACCOUNT}:role/r", Handler="x",
        Code={"ZipFile": bootstrap_zip(runtime_script(REPORTING_HANDLER))}, Timeout=30,
        Environment={"Variables": {"SIDE_EFFECT_URL": side_effects.url}},
    )
    # Each event reports only after sleeping 1.5 s: two run at once, the rest wait (throttled).
    tokens = [unique_token() for _ in range(12)]
    for token in tokens:
        send_event(client, name, {"token": token, "sleep": 1.5})
    time.sleep(0.8)
    srv.kill()
    ran_before = {t for t in tokens if side_effects.has(t)}
    assert len(ran_before) < len(tokens), "the kill came too late to test anything"
    srv.start()
    try:
        wait_for(lambda: all(side_effects.has(t) for t in tokens), timeout=90,
                 what="every accepted event to run after the restart")
    finally:
        srv.stop()


# --------------------------------------------------------------------------
# Event invoke config API
# --------------------------------------------------------------------------


def strip(resp: dict) -> dict:
    return {k: v for k, v in resp.items() if k not in ("ResponseMetadata", "LastModified")}


def expected(case: str, key: str, name: str, other: str = "") -> dict:
    want = {k: v for k, v in recorded(case)[key].items() if k not in ("ResponseMetadata", "LastModified")}
    return json.loads(aws_message(json.dumps(want), name, other))


def test_event_invoke_config_lifecycle(client, make_function):
    name = make_function()
    case = "test_lambda_eventinvokeconfig_lifecycle"
    put = client.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
    assert strip(put) == expected(case, "put_invokeconfig_retries_0", name)
    assert isinstance(put["LastModified"], __import__("datetime").datetime)
    put = client.put_function_event_invoke_config(FunctionName=name, MaximumEventAgeInSeconds=60)
    assert strip(put) == expected(case, "put_invokeconfig_eventage_60", name), "put replaces the whole config"
    upd = client.update_function_event_invoke_config(FunctionName=name, MaximumEventAgeInSeconds=60)
    assert strip(upd) == expected(case, "update_invokeconfig_eventage_nochange", name)
    upd = client.update_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=1)
    assert strip(upd) == expected(case, "update_invokeconfig_retries", name), "update keeps what it is not given"
    assert strip(client.get_function_event_invoke_config(FunctionName=name)) == expected(case, "get_invokeconfig", name)
    assert strip(client.get_function_event_invoke_config(FunctionName=name, Qualifier="$LATEST")) == expected(
        case, "get_invokeconfig_latest", name)
    listed = client.list_function_event_invoke_configs(FunctionName=name)
    want = expected(case, "list_single_invokeconfig", name)
    assert [strip(c) for c in listed["FunctionEventInvokeConfigs"]] == [strip(c) for c in want["FunctionEventInvokeConfigs"]]
    assert "NextMarker" not in listed
    deleted = client.delete_function_event_invoke_config(FunctionName=name)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert client.list_function_event_invoke_configs(FunctionName=name)["FunctionEventInvokeConfigs"] == []


def test_event_invoke_config_put_overwrites_and_update_merges(client, make_function):
    name = make_function()
    case = "test_lambda_eventinvokeconfig_exceptions"
    for key, kwargs in [
        ("put_pre_overwrite", dict(MaximumRetryAttempts=2, MaximumEventAgeInSeconds=60)),
        ("put_post_overwrite", dict(MaximumRetryAttempts=0)),
        ("second_overwrite_existing_response", dict(MaximumRetryAttempts=0)),
    ]:
        assert strip(client.put_function_event_invoke_config(FunctionName=name, **kwargs)) == expected(case, key, name)
    assert strip(client.get_function_event_invoke_config(FunctionName=name)) == expected(case, "get_post_overwrite", name)
    assert strip(client.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=2, MaximumEventAgeInSeconds=60)) \
        == expected(case, "pre_update_response", name)
    assert strip(client.update_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)) \
        == expected(case, "update_response", name)
    assert strip(client.update_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)) \
        == expected(case, "update_response_existing", name)
    assert strip(client.put_function_event_invoke_config(FunctionName=name, MaximumEventAgeInSeconds=21600, MaximumRetryAttempts=2)) \
        == expected(case, "put_maxevent_maxvalue_result", name)
    for shorthand in [f"{name}:$LATEST", arn(name)]:
        resp = client.put_function_event_invoke_config(FunctionName=shorthand, Qualifier="$LATEST", MaximumRetryAttempts=1)
        assert strip(resp) == expected(case, "put_shorthand_qualifier_match", name)


def test_event_invoke_config_destinations(client, make_function):
    name = make_function()
    other = make_function()
    case = "test_lambda_eventinvokeconfig_exceptions"
    put = client.put_function_event_invoke_config(FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": arn(other)}})
    assert strip(put) == expected(case, "put_destination_other_lambda", name, other)
    for key, config in [("put_destination_success_no_destination_arn", {"OnSuccess": {}}),
                        ("put_destination_failure_no_destination_arn", {"OnFailure": {}})]:
        assert strip(client.put_function_event_invoke_config(FunctionName=name, DestinationConfig=config)) == expected(case, key, name)
    # Destinations of other services are stored and returned (delivery comes later).
    queue = f"arn:aws:sqs:{REGION}:{ACCOUNT}:my-queue"
    bus = f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/default"
    put = client.put_function_event_invoke_config(
        FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": queue}, "OnFailure": {"Destination": bus}})
    assert put["DestinationConfig"] == {"OnSuccess": {"Destination": queue}, "OnFailure": {"Destination": bus}}
    got = client.get_function_event_invoke_config(FunctionName=name)
    assert got["DestinationConfig"] == put["DestinationConfig"]


def test_event_invoke_config_errors_match_aws(client, make_function, async_server):
    name = make_function()
    case = "test_lambda_eventinvokeconfig_exceptions"
    rec = recorded(case)

    def check(key: str, fn, other: str = "", **kwargs):
        err = rec[key]["Error"]
        status = rec[key]["ResponseMetadata"]["HTTPStatusCode"]
        expect_error(fn, err["Code"], status, aws_message(err["Message"], name, other), **kwargs)

    put = client.put_function_event_invoke_config
    missing = arn("doesnotexist")
    check("put_functionname_name_notfound", put, FunctionName="doesnotexist", MaximumRetryAttempts=1)
    check("put_functionname_arn_notfound", put, FunctionName=missing, MaximumRetryAttempts=1)
    check("put_functionname_nootherargs", put, FunctionName="doesnotexist")
    check("put_destination_lambda_doesntexist", put, FunctionName=name,
          DestinationConfig={"OnSuccess": {"Destination": missing}})
    check("put_destination_recursive", put, FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": arn(name)}})
    check("put_destination_invalid_service_arn", put, FunctionName=name,
          DestinationConfig={"OnSuccess": {"Destination": arn(name).replace(":lambda:", ":iam:")}})
    check("put_destination_invalid_arn_pattern", put, FunctionName=name,
          DestinationConfig={"OnFailure": {"Destination": arn(name).replace(":lambda:", ":_-/!lambda:")}})
    check("put_alias_doesnotexist", put, FunctionName=name, Qualifier="eventinvokealiasdoesnotexist", MaximumRetryAttempts=1)
    check("put_shorthand_qualifier_mismatch_1", put, FunctionName=f"{name}:1", Qualifier="$LATEST", MaximumRetryAttempts=1)
    check("put_shorthand_qualifier_mismatch_2", put, FunctionName=f"{name}:$LATEST", Qualifier="1", MaximumRetryAttempts=1)

    client.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
    client.delete_function_event_invoke_config(FunctionName=name, Qualifier="$LATEST")
    check("delete_function_not_found", client.delete_function_event_invoke_config, FunctionName=name)
    check("delete_function_doesnotexist", client.delete_function_event_invoke_config, FunctionName="doesnotexist")
    check("list_function_doesnotexist", client.list_function_event_invoke_configs, FunctionName="doesnotexist")
    check("get_function_doesnotexist", client.get_function_event_invoke_config, FunctionName="doesnotexist")
    check("get_qualifier_doesnotexist", client.get_function_event_invoke_config, FunctionName=name, Qualifier="doesnotexist")
    check("update_eventinvokeconfig_function_doesnotexist", client.update_function_event_invoke_config,
          FunctionName="doesnotexist", MaximumRetryAttempts=0)
    check("update_eventinvokeconfig_config_doesnotexist_without_qualifier", client.update_function_event_invoke_config,
          FunctionName=arn(name), MaximumRetryAttempts=0)
    # The recorded not-found answers of the generic "operations on a missing function" tests.
    api = "test_lambda_api.snapshot.json"
    nf = load_snapshot(api, "test_ops_on_nonexisting_fn[get_function_event_invoke_config]")["not_found_exception"]["Error"]
    expect_error(client.get_function_event_invoke_config, "ResourceNotFoundException", 404,
                 aws_message(nf["Message"], name).replace("<nonexisting-fn-name>", "e2e-missing"), FunctionName="e2e-missing")
    wr = load_snapshot(api, "test_get_function_wrong_region[get_function_event_invoke_config]")["wrong_region_exception"]["Error"]
    expect_error(client.get_function_event_invoke_config, "ResourceNotFoundException", 404,
                 wr["Message"].replace("<wrong-region>", "eu-west-1").replace("<region>", REGION),
                 FunctionName=f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:{name}")


@pytest.mark.parametrize("field,value,constraint", [
    ("MaximumRetryAttempts", 3, "Member must have value less than or equal to 2"),
    ("MaximumRetryAttempts", -1, "Member must have value greater than or equal to 0"),
    ("MaximumEventAgeInSeconds", 59, "Member must have value greater than or equal to 60"),
    ("MaximumEventAgeInSeconds", 21601, "Member must have value less than or equal to 21600"),
])
@pytest.mark.parametrize("method", ["PUT", "POST"])
def test_event_invoke_config_range_errors(async_server, make_function, field, value, constraint, method):
    """Out of botocore's ranges (sent raw: boto3 refuses values below its minimum)."""
    name = make_function()
    resp = raw_request(async_server.endpoint, method, fn_path(name, "/event-invoke-config").replace("2015-03-31", "2019-09-25"),
                       body={field: value})
    wire = field[0].lower() + field[1:]
    assert_raw_error(resp, "ValidationException", 400,
                     f"1 validation error detected: Value '{value}' at '{wire}' failed to satisfy constraint: {constraint}")


def test_list_event_invoke_configs_pages(async_server, client, make_function):
    name = make_function()
    client.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=1)
    first = client.list_function_event_invoke_configs(FunctionName=name, MaxItems=1)
    assert len(first["FunctionEventInvokeConfigs"]) == 1 and "NextMarker" not in first
    resp = raw_request(async_server.endpoint, "GET",
                       fn_path(name, "/event-invoke-config/list").replace("2015-03-31", "2019-09-25"), query={"MaxItems": "51"})
    assert_raw_error(resp, "ValidationException", 400,
                     "1 validation error detected: Value '51' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 50")


def test_events_to_an_alias_run_its_version_with_its_config(client, make_function, side_effects):
    """An Event invoke of an alias is stored with its qualifier, runs the alias's version, and
    uses the alias's own event invoke config and destination."""
    destination = make_function(DESTINATION_HANDLER)
    name = make_function()
    client.publish_version(FunctionName=name)
    client.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    client.put_function_event_invoke_config(
        FunctionName=name, Qualifier="live", DestinationConfig={"OnSuccess": {"Destination": arn(destination)}}
    )
    expect_error(client.put_function_event_invoke_config, "ResourceNotFoundException", 404,
                 FunctionName=name, Qualifier="nope", MaximumRetryAttempts=1)
    token = unique_token()
    res = client.invoke(FunctionName=name, Qualifier="live", InvocationType="Event", Payload=json.dumps({"token": token}))
    assert res["StatusCode"] == 202
    record = json.loads(wait_for(lambda: side_effects.received.get(f"dest-{token}"), timeout=20, what="the record"))
    assert record["requestContext"]["functionArn"] == arn(name, "live")
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "1"}
