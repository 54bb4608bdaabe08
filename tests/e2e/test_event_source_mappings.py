"""SQS event source mappings: the API (compared with AWS's recorded responses), delivery
with AWS's exact event shape, deletion on success, retries and redrive on failure,
ReportBatchItemFailures, batch sizes, disable/enable, and kill -9.

Functions report every event they receive to the `side_effects` sink (one token per test).
"""

from __future__ import annotations

import json
import time
import uuid

import pytest

from e2e_helpers import ACCOUNT, REGION, expect_error, load_snapshot, unique_token, wait_for, zip_bytes
from test_queues import sqs_client

SNAPSHOT = "esm_sqs.snapshot.json"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/r"

# MODE=ok answers {"ok": true}; fail raises; partial reports the records whose body contains
# "fail" in batchItemFailures.
HANDLER = """
import json, os, urllib.request

def handler(event, context):
    req = urllib.request.Request(os.environ["SIDE_EFFECT_URL"] + "/" + os.environ["TOKEN"],
                                 data=json.dumps(event).encode(), method="POST")
    urllib.request.urlopen(req, timeout=5).read()
    mode = os.environ.get("MODE", "ok")
    if mode == "fail":
        raise Exception("intentional failure")
    if mode == "partial":
        return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in event["Records"] if "fail" in r["body"]]}
    return {"ok": True}
"""


@pytest.fixture(scope="module")
def sqs(server):
    return sqs_client(server.endpoint)


@pytest.fixture
def mappings(lambda_client):
    created: list[str] = []
    yield created
    for mapping in created:
        try:
            lambda_client.delete_event_source_mapping(UUID=mapping)
        except Exception:  # noqa: BLE001 - best effort
            pass


def make_queue(sqs, hint: str, **attributes) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=f"esm-{hint}-{uuid.uuid4().hex[:8]}", Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def make_function(functions, side_effects, mode: str = "ok") -> tuple[str, str]:
    token = unique_token("esm")
    name = functions.create(
        zip_bytes=zip_bytes([("app.py", HANDLER, 0o644)]), Runtime="python3.12", Handler="app.handler", Timeout=10,
        Environment={"Variables": {"SIDE_EFFECT_URL": side_effects.url, "TOKEN": token, "MODE": mode}},
    )["FunctionName"]
    return name, token


def events(side_effects, token: str) -> list[dict]:
    return [json.loads(body) for _, body in side_effects.all(token)]


def records(side_effects, token: str) -> list[dict]:
    return [r for e in events(side_effects, token) for r in e["Records"]]


def counts(sqs, url: str) -> tuple[int, int]:
    a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(a["ApproximateNumberOfMessages"]), int(a["ApproximateNumberOfMessagesNotVisible"])


def create(lambda_client, mappings, **kwargs) -> dict:
    resp = lambda_client.create_event_source_mapping(**kwargs)
    mappings.append(resp["UUID"])
    return resp


def shape(resp: dict) -> set:
    return set(resp) - {"ResponseMetadata"}


def test_lifecycle_matches_aws(lambda_client, sqs, functions, side_effects, mappings):
    _, arn = make_queue(sqs, "life")
    name, _ = make_function(functions, side_effects)
    recorded = load_snapshot(SNAPSHOT, "test_event_source_mapping_default_batch_size")["create-event-source-mapping"]
    resp = create(lambda_client, mappings, EventSourceArn=arn, FunctionName=name)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert shape(resp) == shape(recorded)
    for key in ("BatchSize", "FunctionResponseTypes", "MaximumBatchingWindowInSeconds", "State", "StateTransitionReason"):
        assert resp[key] == recorded[key], key
    mapping = resp["UUID"]
    assert resp["EventSourceArn"] == arn
    assert resp["FunctionArn"] == f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
    assert resp["EventSourceMappingArn"] == f"arn:aws:lambda:{REGION}:{ACCOUNT}:event-source-mapping:{mapping}"
    assert abs(resp["LastModified"].timestamp() - time.time()) < 60

    got = lambda_client.get_event_source_mapping(UUID=mapping)
    assert (got["ResponseMetadata"]["HTTPStatusCode"], got["State"]) == (200, "Enabled")

    listed = lambda_client.list_event_source_mappings(FunctionName=name)["EventSourceMappings"]
    assert [m["UUID"] for m in listed] == [mapping]
    assert [m["UUID"] for m in lambda_client.list_event_source_mappings(EventSourceArn=arn)["EventSourceMappings"]] == [mapping]
    assert lambda_client.list_event_source_mappings(EventSourceArn=arn + "-other")["EventSourceMappings"] == []

    updated = lambda_client.update_event_source_mapping(
        UUID=mapping, BatchSize=50, MaximumBatchingWindowInSeconds=2, FunctionResponseTypes=["ReportBatchItemFailures"],
        ScalingConfig={"MaximumConcurrency": 3})
    assert (updated["ResponseMetadata"]["HTTPStatusCode"], updated["State"]) == (202, "Updating")
    assert (updated["BatchSize"], updated["MaximumBatchingWindowInSeconds"]) == (50, 2)
    assert updated["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert updated["ScalingConfig"] == {"MaximumConcurrency": 3}

    assert lambda_client.update_event_source_mapping(UUID=mapping, Enabled=False)["State"] == "Disabling"
    assert lambda_client.get_event_source_mapping(UUID=mapping)["State"] == "Disabled"
    assert lambda_client.update_event_source_mapping(UUID=mapping, Enabled=True)["State"] == "Enabling"

    deleted = lambda_client.delete_event_source_mapping(UUID=mapping)
    assert (deleted["ResponseMetadata"]["HTTPStatusCode"], deleted["State"]) == (202, "Deleting")
    expect_error(lambda_client.get_event_source_mapping, "ResourceNotFoundException", 404,
                 "The resource you requested does not exist.", UUID=mapping)


def test_qualified_function_and_paging(lambda_client, sqs, functions, side_effects, mappings):
    name, _ = make_function(functions, side_effects)
    version = lambda_client.publish_version(FunctionName=name)["Version"]
    arns = [make_queue(sqs, f"page{i}")[1] for i in range(3)]
    resp = create(lambda_client, mappings, EventSourceArn=arns[0], FunctionName=f"{name}:{version}", Enabled=False)
    assert resp["FunctionArn"] == f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}:{version}"
    assert resp["State"] == "Disabled"  # as AWS answers a mapping created disabled
    for arn in arns[1:]:
        create(lambda_client, mappings, EventSourceArn=arn, FunctionName=name, Enabled=False)
    first = lambda_client.list_event_source_mappings(FunctionName=name, MaxItems=2)
    assert len(first["EventSourceMappings"]) == 2 and "NextMarker" in first
    rest = lambda_client.list_event_source_mappings(FunctionName=name, MaxItems=2, Marker=first["NextMarker"])
    assert "NextMarker" not in rest
    assert {m["EventSourceArn"] for m in first["EventSourceMappings"] + rest["EventSourceMappings"]} == set(arns)


def test_errors_match_aws(lambda_client, sqs, functions, side_effects, mappings):
    _, arn = make_queue(sqs, "errors")
    name, _ = make_function(functions, side_effects)
    api = "test_lambda_api.snapshot.json"
    exceptions = load_snapshot(api, "test_event_source_mapping_exceptions")

    def recorded(entry):
        return entry["Error"]["Code"], entry["ResponseMetadata"]["HTTPStatusCode"], entry["Error"]["Message"]

    for key in ("get_unknown_uuid", "delete_unknown_uuid"):
        code, status, message = recorded(exceptions[key])
        call = lambda_client.get_event_source_mapping if key.startswith("get") else lambda_client.delete_event_source_mapping
        expect_error(call, code, status, message, UUID=str(uuid.uuid4()))
    expect_error(lambda_client.update_event_source_mapping, *recorded(exceptions["update_unknown_uuid"]),
                 UUID=str(uuid.uuid4()), BatchSize=5)
    expect_error(lambda_client.create_event_source_mapping, *recorded(exceptions["create_no_event_source_arn"]), FunctionName=name)
    expect_error(lambda_client.create_event_source_mapping, *recorded(exceptions["create_unknown_params"]),
                 EventSourceArn=arn, FunctionName=f"missing-{uuid.uuid4().hex[:8]}")
    expect_error(lambda_client.create_event_source_mapping, *recorded(exceptions["destination_config_failure"]),
                 EventSourceArn=arn, FunctionName=name, DestinationConfig={"OnFailure": {"Destination": arn}})

    missing = load_snapshot(SNAPSHOT, "test_esm_with_not_existing_sqs_queue")["error"]
    expect_error(lambda_client.create_event_source_mapping, *recorded(missing),
                 EventSourceArn=arn + "-missing", FunctionName=name)

    batching = load_snapshot(SNAPSHOT, "test_event_source_mapping_default_batch_size")
    expect_error(lambda_client.create_event_source_mapping, *recorded(batching["invalid-create-event-source-mapping"]),
                 EventSourceArn=arn, FunctionName=name, BatchSize=11)
    mapping = create(lambda_client, mappings, EventSourceArn=arn, FunctionName=name, Enabled=False)["UUID"]
    expect_error(lambda_client.update_event_source_mapping, *recorded(batching["invalid-update-event-source-mapping"]),
                 UUID=mapping, BatchSize=11)

    duplicate = load_snapshot(SNAPSHOT, "test_duplicate_event_source_mappings")["error"]
    code, status, _ = recorded(duplicate)
    expect_error(lambda_client.create_event_source_mapping, code, status,
                 f'An event source mapping with SQS arn (" {arn} ") and function (" {name} ") already exists. '
                 f"Please update or delete the existing mapping with UUID {mapping}",
                 EventSourceArn=arn, FunctionName=name)

    expect_error(lambda_client.create_event_source_mapping, "ValidationException", 400,
                 "1 validation error detected: Value '10001' at 'batchSize' failed to satisfy constraint: "
                 "Member must have value less than or equal to 10000",
                 EventSourceArn=arn, FunctionName=name, BatchSize=10001, MaximumBatchingWindowInSeconds=1)
    expect_error(lambda_client.update_event_source_mapping, "ValidationException", 400,
                 "1 validation error detected: Value '301' at 'maximumBatchingWindowInSeconds' failed to satisfy "
                 "constraint: Member must have value less than or equal to 300",
                 UUID=mapping, MaximumBatchingWindowInSeconds=301)
    table = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/t/stream/2025-01-01T00:00:00.000"
    expect_error(lambda_client.create_event_source_mapping, "InvalidParameterValueException", 400,
                 f"Unsupported event source: Nimbus polls only Amazon SQS queues and Kinesis streams, not dynamodb ({table}).",
                 EventSourceArn=table, FunctionName=name, StartingPosition="LATEST")
    expect_error(lambda_client.update_event_source_mapping, "InvalidParameterValueException", 400,
                 "Invalid filter pattern definition.", UUID=mapping,
                 FilterCriteria={"Filters": [{"Pattern": '{"body": {"a": "b"}}'}]})
    assert lambda_client.get_event_source_mapping(UUID=mapping)["BatchSize"] == 10, "a refused update changes nothing"


def test_delivery_has_aws_event_shape_and_deletes_on_success(lambda_client, sqs, functions, side_effects, mappings):
    url, arn = make_queue(sqs, "deliver")
    name, token = make_function(functions, side_effects)
    attrs = {"WeeksOn": {"DataType": "Number", "StringValue": "6"}, "Author": {"DataType": "String", "StringValue": "John Grisham"},
             "Title": {"DataType": "String", "StringValue": "The Whistler"}}
    sent = sqs.send_message(QueueUrl=url, MessageBody='{"destination": "x", "fail_attempts": 0}', MessageAttributes=attrs)
    plain = sqs.send_message(QueueUrl=url, MessageBody="plain")
    create(lambda_client, mappings, EventSourceArn=arn, FunctionName=name)
    wait_for(lambda: len(records(side_effects, token)) >= 2, timeout=30, what="both messages delivered")
    by_id = {r["messageId"]: r for r in records(side_effects, token)}

    recorded = load_snapshot(SNAPSHOT, "test_message_body_and_attributes_passed_correctly")
    expected = recorded["first_attempt"]["Messages"][0]["Body"]["event"]["Records"][0]
    record = by_id[sent["MessageId"]]
    assert list(record) == list(expected)
    assert list(record["attributes"]) == list(expected["attributes"])
    assert record["messageAttributes"] == expected["messageAttributes"]
    assert record["md5OfMessageAttributes"] == expected["md5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    assert record["body"] == '{"destination": "x", "fail_attempts": 0}'
    assert record["md5OfBody"] == sent["MD5OfMessageBody"]
    assert (record["eventSource"], record["eventSourceARN"], record["awsRegion"]) == ("aws:sqs", arn, REGION)
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert record["attributes"]["SenderId"] == ACCOUNT
    assert abs(int(record["attributes"]["SentTimestamp"]) / 1000 - time.time()) < 60
    assert int(record["attributes"]["ApproximateFirstReceiveTimestamp"]) >= int(record["attributes"]["SentTimestamp"])
    assert record["receiptHandle"]

    no_attrs = load_snapshot(SNAPSHOT, "TestSQSEventSourceMapping::test_sqs_event_source_mapping")["events"][0]["Records"][0]
    assert list(by_id[plain["MessageId"]]) == list(no_attrs)
    assert by_id[plain["MessageId"]]["md5OfMessageAttributes"] is None
    assert by_id[plain["MessageId"]]["messageAttributes"] == {}

    wait_for(lambda: counts(sqs, url) == (0, 0), timeout=15, what="the queue to be empty after success")
    time.sleep(1.5)
    assert len(records(side_effects, token)) == 2, "a successful batch is not delivered again"


def test_failure_retries_after_visibility_timeout_then_dead_letter_queue(lambda_client, sqs, functions, side_effects, mappings):
    dlq_url, dlq_arn = make_queue(sqs, "dlq")
    url, arn = make_queue(sqs, "failing", VisibilityTimeout="1",
                          RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"}))
    name, token = make_function(functions, side_effects, mode="fail")
    sent = sqs.send_message(QueueUrl=url, MessageBody='{"fail_attempts": 2}')
    create(lambda_client, mappings, EventSourceArn=arn, FunctionName=name, BatchSize=1)
    moved = wait_for(lambda: sqs.receive_message(QueueUrl=dlq_url, WaitTimeSeconds=1).get("Messages"), timeout=30,
                     what="the message in the dead-letter queue")
    assert [(m["MessageId"], m["Body"]) for m in moved] == [(sent["MessageId"], '{"fail_attempts": 2}')]
    attempts = records(side_effects, token)
    assert [r["attributes"]["ApproximateReceiveCount"] for r in attempts] == ["1", "2"]
    assert {r["messageId"] for r in attempts} == {sent["MessageId"]}
    assert attempts[0]["receiptHandle"] != attempts[1]["receiptHandle"]
    assert counts(sqs, url) == (0, 0)


def test_report_batch_item_failures_deletes_only_successes(lambda_client, sqs, functions, side_effects, mappings):
    url, arn = make_queue(sqs, "partial", VisibilityTimeout="3")
    name, token = make_function(functions, side_effects, mode="partial")
    bodies = ["ok-1", "fail-2", "fail-3", "ok-4"]
    ids = {sqs.send_message(QueueUrl=url, MessageBody=b)["MessageId"]: b for b in bodies}
    mapping = create(lambda_client, mappings, EventSourceArn=arn, FunctionName=name, BatchSize=10,
                     FunctionResponseTypes=["ReportBatchItemFailures"])
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    # The failed two come back after the visibility timeout, again and again; the others once.
    wait_for(lambda: sum(1 for r in records(side_effects, token) if r["attributes"]["ApproximateReceiveCount"] == "2") >= 2,
             timeout=30, what="the failed messages delivered again")
    lambda_client.update_event_source_mapping(UUID=mapping["UUID"], Enabled=False)
    seen: dict[str, list[str]] = {}
    for r in records(side_effects, token):
        seen.setdefault(ids[r["messageId"]], []).append(r["attributes"]["ApproximateReceiveCount"])
    assert seen["ok-1"] == ["1"] and seen["ok-4"] == ["1"]
    assert seen["fail-2"][:2] == ["1", "2"] and seen["fail-3"][:2] == ["1", "2"]


def test_batch_size_and_batching_window(lambda_client, sqs, functions, side_effects, mappings):
    url, arn = make_queue(sqs, "batch")
    name, token = make_function(functions, side_effects)
    for i in range(7):
        sqs.send_message(QueueUrl=url, MessageBody=f"small-{i}")
    create(lambda_client, mappings, EventSourceArn=arn, FunctionName=name, BatchSize=3)
    wait_for(lambda: len(records(side_effects, token)) >= 7, timeout=30, what="seven messages")
    sizes = [len(e["Records"]) for e in events(side_effects, token)]
    assert max(sizes) <= 3 and sum(sizes) == 7

    url2, arn2 = make_queue(sqs, "bigbatch")
    name2, token2 = make_function(functions, side_effects)
    for start in (0, 10):
        sqs.send_message_batch(QueueUrl=url2, Entries=[{"Id": str(i), "MessageBody": f"big-{i}"} for i in range(start, min(start + 10, 15))])
    create(lambda_client, mappings, EventSourceArn=arn2, FunctionName=name2, BatchSize=20, MaximumBatchingWindowInSeconds=2)
    wait_for(lambda: events(side_effects, token2), timeout=30, what="the batch")
    time.sleep(1)
    assert [len(e["Records"]) for e in events(side_effects, token2)] == [15], "one batch gathered over several receives"


def test_disabled_mapping_does_not_poll_until_enabled(lambda_client, sqs, functions, side_effects, mappings):
    url, arn = make_queue(sqs, "disabled")
    name, token = make_function(functions, side_effects)
    mapping = create(lambda_client, mappings, EventSourceArn=arn, FunctionName=name)["UUID"]
    lambda_client.update_event_source_mapping(UUID=mapping, Enabled=False)
    time.sleep(0.5)
    sent = sqs.send_message(QueueUrl=url, MessageBody="waits")["MessageId"]
    time.sleep(2)
    assert counts(sqs, url) == (1, 0) and not side_effects.has(token)
    lambda_client.update_event_source_mapping(UUID=mapping, Enabled=True)
    wait_for(lambda: side_effects.has(token), timeout=20, what="delivery after enabling")
    assert [r["messageId"] for r in records(side_effects, token)] == [sent]
    lambda_client.delete_event_source_mapping(UUID=mapping)
    time.sleep(0.5)
    sqs.send_message(QueueUrl=url, MessageBody="after delete")
    time.sleep(2)
    assert counts(sqs, url) == (1, 0), "a deleted mapping no longer polls"


def test_mappings_survive_kill_9_and_lose_nothing(server_factory, side_effects):
    srv = server_factory("esm-kill")
    lam = srv.client()
    sqs = sqs_client(srv.endpoint)
    token = unique_token("esm")
    lam.create_function(
        FunctionName="esm-kill", Runtime="python3.12", Role=ROLE, Handler="app.handler", Timeout=10,
        Code={"ZipFile": zip_bytes([("app.py", HANDLER, 0o644)])},
        Environment={"Variables": {"SIDE_EFFECT_URL": side_effects.url, "TOKEN": token, "MODE": "ok"}},
    )
    url = sqs.create_queue(QueueName="esm-kill", Attributes={"VisibilityTimeout": "1"})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    mapping = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="esm-kill", Enabled=False)["UUID"]
    # Sent while the mapping does not poll, then the server dies just after enabling it.
    sent = {sqs.send_message(QueueUrl=url, MessageBody=f"m{i}")["MessageId"] for i in range(5)}
    lam.update_event_source_mapping(UUID=mapping, Enabled=True)
    srv.kill()
    srv.start()
    lam = srv.client()
    sqs = sqs_client(srv.endpoint)
    assert lam.get_event_source_mapping(UUID=mapping)["State"] == "Enabled"
    sent.add(sqs.send_message(QueueUrl=url, MessageBody="after restart")["MessageId"])
    wait_for(lambda: sent <= {r["messageId"] for r in records(side_effects, token)}, timeout=40, what="every message delivered")
    wait_for(lambda: counts(sqs, url) == (0, 0), timeout=15, what="the queue to be empty")


# (recorded test id, a body that matches, one that does not); the patterns come from the recording.
FILTER_CASES = [
    ("single-filter", {"testItem": "test24"}, {"testItem": "test25"}),
    ("or-filter", {"testItem": "test45"}, {"testItem": "test46"}),
    ("and-filter", {"testItem": "test45", "test2": "go"}, {"testItem": "test45", "test2": "stop"}),
    ("exists-filter", {"test2": "7411"}, {"test3": "7411"}),
    ("numeric-bigger", {"my-number": 101}, {"my-number": 100}),
    ("numeric-smaller", {"my-number": 99}, {"my-number": 100}),
    ("numeric-range", {"my-number": 100}, {"my-number": 200}),
    ("numeric-prefix", {"test2": "us-1-48454"}, {"test2": "us-2-48454"}),
    ("prefix", {"my-key": "yes-value"}, "yes-value as plain text"),
]


def test_filter_criteria_deliver_only_matching_messages_and_delete_the_rest(lambda_client, sqs, functions, side_effects, mappings):
    name, token = make_function(functions, side_effects)
    queues = {}
    for case, matching, not_matching in FILTER_CASES:
        recorded = load_snapshot(SNAPSHOT, f"test_sqs_event_filter[{case}]")
        criteria = recorded["create_event_source_mapping_response"]["FilterCriteria"]
        wire = {"Filters": [{"Pattern": json.dumps(f["Pattern"])} for f in criteria["Filters"]]}
        url, arn = make_queue(sqs, "filter")
        resp = create(lambda_client, mappings, EventSourceArn=arn, FunctionName=name, FilterCriteria=wire)
        assert json.loads(resp["FilterCriteria"]["Filters"][0]["Pattern"]) == criteria["Filters"][0]["Pattern"]
        expected = recorded["invocation_events"][0]["Records"][0]["body"]
        queues[arn] = (url, json.dumps(matching), expected)
        for body in (matching, not_matching):
            sqs.send_message(QueueUrl=url, MessageBody=body if isinstance(body, str) else json.dumps(body))
    wait_for(lambda: {r["eventSourceARN"] for r in records(side_effects, token)} == set(queues), timeout=30,
             what="one delivery per queue")
    for arn, (url, matching, expected) in queues.items():
        wait_for(lambda: counts(sqs, url) == (0, 0), timeout=15, what="both messages gone (one delivered, one filtered out)")
        got = [r["body"] for r in records(side_effects, token) if r["eventSourceARN"] == arn]
        assert got == [matching] and json.loads(got[0]) == expected


def test_invalid_filter_patterns_are_refused_as_aws_does(lambda_client, sqs, functions, side_effects, mappings):
    name, _ = make_function(functions, side_effects)
    _, arn = make_queue(sqs, "badfilter")
    recorded = load_snapshot(SNAPSHOT, "test_sqs_invalid_event_filter[simple string]")["create_event_source_mapping_exception"]
    for pattern in ("simple string", "{\"body\": \"not-a-list\"}", "{\"body\": {\"n\": [{\"numeric\": [\">\"]}]}}", "{not json"):
        expect_error(lambda_client.create_event_source_mapping, recorded["Error"]["Code"], 400, recorded["Error"]["Message"],
                     EventSourceArn=arn, FunctionName=name, FilterCriteria={"Filters": [{"Pattern": pattern}]})
    assert lambda_client.list_event_source_mappings(EventSourceArn=arn)["EventSourceMappings"] == []


def test_half_failing_function_and_kill_9_during_delivery_lose_nothing(server_factory, side_effects):
    """Half the messages always fail (reported in batchItemFailures); the server is killed
    while batches are in flight. Afterwards every good message was delivered, every bad one
    is in the dead-letter queue, and the queue is empty."""
    srv = server_factory("esm-half")
    lam = srv.client()
    sqs = sqs_client(srv.endpoint)
    token = unique_token("esm")
    lam.create_function(
        FunctionName="esm-half", Runtime="python3.12", Role=ROLE, Handler="app.handler", Timeout=10,
        Code={"ZipFile": zip_bytes([("app.py", HANDLER, 0o644)])},
        Environment={"Variables": {"SIDE_EFFECT_URL": side_effects.url, "TOKEN": token, "MODE": "partial"}},
    )
    dlq = sqs.create_queue(QueueName="esm-half-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = sqs.create_queue(QueueName="esm-half", Attributes={
        "VisibilityTimeout": "2", "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"})})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    good, bad = set(), set()
    for i in range(60):
        body = f"fail {i}" if i % 2 else f"good {i}"
        (bad if i % 2 else good).add(sqs.send_message(QueueUrl=url, MessageBody=body)["MessageId"])
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="esm-half", BatchSize=4,
                                    FunctionResponseTypes=["ReportBatchItemFailures"])
    wait_for(lambda: len(records(side_effects, token)) >= 12, timeout=30, what="delivery to be under way")
    srv.kill()
    srv.start()
    sqs = sqs_client(srv.endpoint)
    wait_for(lambda: good <= {r["messageId"] for r in records(side_effects, token)}, timeout=60, what="every good message")
    in_dlq: set[str] = set()

    def drain():
        for m in sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
            in_dlq.add(m["MessageId"])
            sqs.delete_message(QueueUrl=dlq, ReceiptHandle=m["ReceiptHandle"])
        return in_dlq == bad

    wait_for(drain, timeout=60, what="every failing message in the dead-letter queue")
    wait_for(lambda: counts(sqs, url) == (0, 0), timeout=20, what="the queue to be empty")
