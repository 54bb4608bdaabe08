"""Kinesis event source mappings: the API (compared with AWS's recorded responses), delivery
in order per shard with AWS's event shape, starting positions, retries, bisection,
ReportBatchItemFailures, record age, parallelization, the on-failure destination, and
checkpoints that survive kill -9.

Functions report every batch they receive to the `side_effects` sink (one token per test).
"""

from __future__ import annotations

import base64
import json
import time
import uuid

import pytest

from e2e_helpers import ACCOUNT, REGION, expect_error, load_snapshot, unique_token, wait_for, zip_bytes
from test_queues import sqs_client
from test_streams import kinesis_client

SNAPSHOT = "esm_kinesis.snapshot.json"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/r"

# Reports each batch, then:
#   MODE=ok       succeeds;
#   MODE=fail     raises if any record's data starts with "poison";
#   MODE=partial  reports records whose data starts with "fail" in batchItemFailures;
#   MODE=once     raises the first time this environment sees a record starting with "flaky";
#   MODE=slow     sleeps 0.3 s, then reports "done" (overlap shows parallel batches).
HANDLER = """
import base64, json, os, time, urllib.request

seen = set()

def report(token, body):
    req = urllib.request.Request(os.environ["SIDE_EFFECT_URL"] + "/" + token, data=json.dumps(body).encode(), method="POST")
    urllib.request.urlopen(req, timeout=5).read()

def handler(event, context):
    report(os.environ["TOKEN"], event)
    mode = os.environ.get("MODE", "ok")
    datas = [(r["kinesis"]["sequenceNumber"], base64.b64decode(r["kinesis"]["data"]).decode()) for r in event["Records"]]
    if mode == "fail" and any(d.startswith("poison") for _, d in datas):
        raise Exception("poison record")
    if mode == "partial":
        return {"batchItemFailures": [{"itemIdentifier": s} for s, d in datas if d.startswith("fail")]}
    if mode == "once":
        fresh = [s for s, d in datas if d.startswith("flaky") and s not in seen]
        seen.update(fresh)
        if fresh:
            raise Exception("flaky record, first attempt")
    if mode == "slow":
        time.sleep(0.3)
        report(os.environ["TOKEN"] + "-done", {"keys": [r["kinesis"]["partitionKey"] for r in event["Records"]]})
    return {"ok": True}
"""




@pytest.fixture(scope="module")
def kinesis(server):
    return kinesis_client(server.endpoint)


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


def make_stream(kinesis, hint: str, shards: int = 1) -> str:
    name = f"esm-{hint}-{uuid.uuid4().hex[:8]}"
    kinesis.create_stream(StreamName=name, ShardCount=shards)
    return kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]


def make_queue(sqs, hint: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=f"esm-{hint}-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def make_function(functions, side_effects, mode: str = "ok") -> tuple[str, str]:
    token = unique_token("kesm")
    name = functions.create(
        zip_bytes=zip_bytes([("app.py", HANDLER, 0o644)]), Runtime="python3.12", Handler="app.handler", Timeout=10,
        Environment={"Variables": {"SIDE_EFFECT_URL": side_effects.url, "TOKEN": token, "MODE": mode}},
    )["FunctionName"]
    return name, token


def put(kinesis, arn: str, data: str, key: str = "k") -> str:
    return kinesis.put_record(StreamARN=arn, Data=data.encode(), PartitionKey=key)["SequenceNumber"]


def batches(side_effects, token: str) -> list[list[dict]]:
    return [json.loads(body)["Records"] for _, body in side_effects.all(token)]


def delivered(side_effects, token: str) -> list[dict]:
    return [r for batch in batches(side_effects, token) for r in batch]


def data_of(record: dict) -> str:
    return base64.b64decode(record["kinesis"]["data"]).decode()


def create(lambda_client, mappings, **kwargs) -> dict:
    resp = lambda_client.create_event_source_mapping(**kwargs)
    mappings.append(resp["UUID"])
    return resp


def failure_records(sqs, url: str, want: int, timeout: float = 30) -> list[dict]:
    got: list[dict] = []

    def poll():
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
            got.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        return len(got) >= want

    wait_for(poll, timeout=timeout, what=f"{want} failure record(s)")
    return got


def test_create_matches_aws(lambda_client, kinesis, functions, side_effects, mappings):
    arn = make_stream(kinesis, "create")
    name, _ = make_function(functions, side_effects)
    recorded = load_snapshot(SNAPSHOT, "test_create_kinesis_event_source_mapping")["create_event_source_mapping_response"]
    resp = create(lambda_client, mappings, EventSourceArn=arn, FunctionName=name, StartingPosition="LATEST")
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert set(resp) == set(recorded)
    for key in ("BatchSize", "BisectBatchOnFunctionError", "DestinationConfig", "FunctionResponseTypes", "LastProcessingResult",
                "MaximumBatchingWindowInSeconds", "MaximumRecordAgeInSeconds", "MaximumRetryAttempts", "ParallelizationFactor",
                "StartingPosition", "State", "StateTransitionReason", "TumblingWindowInSeconds"):
        assert resp[key] == recorded[key], key
    assert resp["EventSourceArn"] == arn
    assert resp["FunctionArn"] == f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
    got = lambda_client.get_event_source_mapping(UUID=resp["UUID"])
    assert got["State"] == "Enabled" and got["StartingPosition"] == "LATEST"

    updated = lambda_client.update_event_source_mapping(
        UUID=resp["UUID"], MaximumRetryAttempts=3, BisectBatchOnFunctionError=True, ParallelizationFactor=2,
        MaximumRecordAgeInSeconds=120, BatchSize=500)
    assert (updated["State"], updated["MaximumRetryAttempts"], updated["BisectBatchOnFunctionError"]) == ("Updating", 3, True)
    got = lambda_client.get_event_source_mapping(UUID=resp["UUID"])
    assert (got["ParallelizationFactor"], got["MaximumRecordAgeInSeconds"], got["BatchSize"]) == (2, 120, 500)


def test_errors_match_aws(lambda_client, kinesis, sqs, functions, side_effects, mappings):
    arn = make_stream(kinesis, "errors")
    name, _ = make_function(functions, side_effects)
    recorded = load_snapshot("test_lambda_api.snapshot.json", "test_create_event_source_validation_kinesis")
    for case, kwargs in (("no_starting_position", {}), ("invalid_starting_position", {"StartingPosition": "invalid"})):
        error = recorded[case]["Error"]
        expect_error(lambda_client.create_event_source_mapping, error["Code"], 400, error["Message"],
                     EventSourceArn=arn, FunctionName=name, **kwargs)

    missing = arn + "-missing"
    expect_error(lambda_client.create_event_source_mapping, "InvalidParameterValueException", 400, f"Stream not found: {missing}",
                 EventSourceArn=missing, FunctionName=name, StartingPosition="LATEST")

    first = create(lambda_client, mappings, EventSourceArn=arn, FunctionName=name, StartingPosition="LATEST")
    expect_error(
        lambda_client.create_event_source_mapping, "ResourceConflictException", 409,
        f'The event source arn (" {arn} ") and function (" {name} ") provided mapping already exists. '
        f"Please update or delete the existing mapping with UUID {first['UUID']}",
        EventSourceArn=arn, FunctionName=name, StartingPosition="LATEST")

    other = make_stream(kinesis, "errors2")
    for field, value, constraint in (
        ("ParallelizationFactor", 11, "Member must have value less than or equal to 10"),
        ("MaximumRetryAttempts", 10001, "Member must have value less than or equal to 10000"),
        ("MaximumRecordAgeInSeconds", 604801, "Member must have value less than or equal to 604800"),
    ):
        lower = field[0].lower() + field[1:]
        expect_error(
            lambda_client.create_event_source_mapping, "ValidationException", 400,
            f"1 validation error detected: Value '{value}' at '{lower}' failed to satisfy constraint: {constraint}",
            EventSourceArn=other, FunctionName=name, StartingPosition="LATEST", **{field: value})
    expect_error(lambda_client.create_event_source_mapping, "InvalidParameterValueException", 400,
                 EventSourceArn=other, FunctionName=name, StartingPosition="LATEST",
                 DestinationConfig={"OnFailure": {"Destination": f"arn:aws:sns:{REGION}:{ACCOUNT}:topic"}})
    expect_error(lambda_client.create_event_source_mapping, "InvalidParameterValueException", 400,
                 "TumblingWindowInSeconds is not supported by Nimbus yet; leave it at 0.",
                 EventSourceArn=other, FunctionName=name, StartingPosition="LATEST", TumblingWindowInSeconds=30)
    expect_error(lambda_client.create_event_source_mapping, "InvalidParameterValueException", 400,
                 "MaximumRecordAgeInSeconds must be -1 (no limit) or between 60 and 604800.",
                 EventSourceArn=other, FunctionName=name, StartingPosition="LATEST", MaximumRecordAgeInSeconds=30)
    expect_error(lambda_client.create_event_source_mapping, "InvalidParameterValueException", 400,
                 "1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null.",
                 EventSourceArn=other, FunctionName=name)
    assert lambda_client.list_event_source_mappings(EventSourceArn=other)["EventSourceMappings"] == []
    _, queue_arn = make_queue(sqs, "errors")
    expect_error(lambda_client.create_event_source_mapping, "InvalidParameterValueException", 400,
                 "Unsupported DestinationConfig parameter for given event source mapping type.",
                 EventSourceArn=queue_arn, FunctionName=name,
                 DestinationConfig={"OnFailure": {"Destination": queue_arn}})


def test_delivery_in_order_per_shard_with_aws_shape(lambda_client, kinesis, functions, side_effects, mappings):
    arn = make_stream(kinesis, "order", shards=2)
    name, token = make_function(functions, side_effects)
    create(lambda_client, mappings, EventSourceArn=arn, FunctionName=name, StartingPosition="TRIM_HORIZON", BatchSize=7)
    sent: dict[str, tuple[str, str]] = {}
    for i in range(40):
        key = f"key-{i % 6}"
        out = kinesis.put_record(StreamARN=arn, Data=f"record {i}".encode(), PartitionKey=key)
        sent[out["SequenceNumber"]] = (out["ShardId"], key)
    wait_for(lambda: len(delivered(side_effects, token)) >= 40, timeout=30, what="40 records delivered")
    records = delivered(side_effects, token)
    assert sorted(r["kinesis"]["sequenceNumber"] for r in records) == sorted(sent)  # each exactly once
    assert all(len(b) <= 7 for b in batches(side_effects, token))

    recorded = load_snapshot(SNAPSHOT, "test_create_kinesis_event_source_mapping")["kinesis_records"]["Records"][0]
    record = records[0]
    assert set(record) == set(recorded) and set(record["kinesis"]) == set(recorded["kinesis"])
    assert (record["eventSource"], record["eventName"], record["eventVersion"]) == ("aws:kinesis", "aws:kinesis:record", "1.0")
    assert record["kinesis"]["kinesisSchemaVersion"] == "1.0"
    assert record["eventSourceARN"] == arn and record["awsRegion"] == REGION
    assert record["invokeIdentityArn"] == lambda_client.get_function_configuration(FunctionName=name)["Role"]
    shard, _ = sent[record["kinesis"]["sequenceNumber"]]
    assert record["eventID"] == f"{shard}:{record['kinesis']['sequenceNumber']}"
    assert abs(record["kinesis"]["approximateArrivalTimestamp"] - time.time()) < 120

    by_shard: dict[str, list[int]] = {}
    for r in records:
        by_shard.setdefault(r["eventID"].split(":")[0], []).append(int(r["kinesis"]["sequenceNumber"]))
    assert set(by_shard) == {shard for shard, _ in sent.values()}
    for sequence in by_shard.values():
        assert sequence == sorted(sequence)


def test_latest_and_at_timestamp_start_where_asked(lambda_client, kinesis, functions, side_effects, mappings):
    arn = make_stream(kinesis, "start")
    put(kinesis, arn, "before")
    time.sleep(2.2)  # boto3 sends StartingPositionTimestamp in whole seconds
    middle = time.time()
    put(kinesis, arn, "middle")
    latest_fn, latest_token = make_function(functions, side_effects)
    stamp_fn, stamp_token = make_function(functions, side_effects)
    horizon_fn, horizon_token = make_function(functions, side_effects)
    create(lambda_client, mappings, EventSourceArn=arn, FunctionName=latest_fn, StartingPosition="LATEST")
    create(lambda_client, mappings, EventSourceArn=arn, FunctionName=stamp_fn, StartingPosition="AT_TIMESTAMP",
           StartingPositionTimestamp=middle - 0.1)
    create(lambda_client, mappings, EventSourceArn=arn, FunctionName=horizon_fn, StartingPosition="TRIM_HORIZON")
    put(kinesis, arn, "after")
    wait_for(lambda: len(delivered(side_effects, horizon_token)) >= 3, timeout=30, what="TRIM_HORIZON to see all three")
    wait_for(lambda: len(delivered(side_effects, latest_token)) >= 1, timeout=30, what="LATEST to see the new record")
    wait_for(lambda: len(delivered(side_effects, stamp_token)) >= 2, timeout=30, what="AT_TIMESTAMP to see two")
    time.sleep(1)
    assert [data_of(r) for r in delivered(side_effects, horizon_token)] == ["before", "middle", "after"]
    assert [data_of(r) for r in delivered(side_effects, latest_token)] == ["after"]
    assert [data_of(r) for r in delivered(side_effects, stamp_token)] == ["middle", "after"]


def test_retries_exhausted_go_to_the_on_failure_queue(lambda_client, kinesis, sqs, functions, side_effects, mappings):
    arn = make_stream(kinesis, "retry")
    url, queue_arn = make_queue(sqs, "retry-dlq")
    name, token = make_function(functions, side_effects, mode="fail")
    recorded = load_snapshot(SNAPSHOT, "test_kinesis_event_source_mapping_with_on_failure_destination_config")
    resp = create(lambda_client, mappings, EventSourceArn=arn, FunctionName=name, StartingPosition="TRIM_HORIZON",
                  BatchSize=1, MaximumRetryAttempts=1, DestinationConfig={"OnFailure": {"Destination": queue_arn}})
    assert resp["DestinationConfig"] == {"OnFailure": {"Destination": queue_arn}}
    poison = put(kinesis, arn, "poison 1")
    good = put(kinesis, arn, "good after")
    [body] = failure_records(sqs, url, 1)
    expected = recorded["sqs_payload"]["Messages"][0]["Body"]
    assert set(body) == set(expected)
    assert set(body["requestContext"]) == set(expected["requestContext"])
    assert body["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert body["requestContext"]["approximateInvokeCount"] == 2  # the first try and one retry, as recorded
    assert body["requestContext"]["functionArn"] == f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
    assert body["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"}
    info = body["KinesisBatchInfo"]
    assert set(info) == set(expected["KinesisBatchInfo"])
    assert (info["shardId"], info["startSequenceNumber"], info["endSequenceNumber"], info["batchSize"], info["streamArn"]) == (
        "shardId-000000000000", poison, poison, 1, arn)
    # The shard moved on: the next record is delivered after the discarded one.
    wait_for(lambda: good in [r["kinesis"]["sequenceNumber"] for r in delivered(side_effects, token)], timeout=20,
             what="the record after the poison one")
    sequences = [r["kinesis"]["sequenceNumber"] for r in delivered(side_effects, token)]
    assert sequences == [poison, poison, good]


def test_bisect_isolates_the_bad_record(lambda_client, kinesis, sqs, functions, side_effects, mappings):
    arn = make_stream(kinesis, "bisect")
    url, queue_arn = make_queue(sqs, "bisect-dlq")
    name, token = make_function(functions, side_effects, mode="fail")
    create(lambda_client, mappings, EventSourceArn=arn, FunctionName=name, StartingPosition="TRIM_HORIZON", Enabled=False,
           BatchSize=8, MaximumRetryAttempts=1, BisectBatchOnFunctionError=True,
           DestinationConfig={"OnFailure": {"Destination": queue_arn}})
    mapping = lambda_client.list_event_source_mappings(FunctionName=name)["EventSourceMappings"][0]["UUID"]
    sequences = [put(kinesis, arn, "poison" if i == 5 else f"fine {i}") for i in range(8)]
    lambda_client.update_event_source_mapping(UUID=mapping, Enabled=True)
    [body] = failure_records(sqs, url, 1)
    info = body["KinesisBatchInfo"]
    assert (info["startSequenceNumber"], info["endSequenceNumber"], info["batchSize"]) == (sequences[5], sequences[5], 1)
    # Every good record was delivered in a batch that succeeded (one without the poison).
    def succeeded():
        return {r["kinesis"]["sequenceNumber"] for b in batches(side_effects, token)
                if "poison" not in [data_of(r) for r in b] for r in b}

    wait_for(lambda: succeeded() == set(sequences) - {sequences[5]}, timeout=20, what="every good record to succeed")
    assert len(batches(side_effects, token)[0]) == 8  # the whole batch came first


def test_report_batch_item_failures_retries_from_the_lowest_failure(lambda_client, kinesis, sqs, functions, side_effects,
                                                                    mappings):
    arn = make_stream(kinesis, "partial")
    url, queue_arn = make_queue(sqs, "partial-dlq")
    name, token = make_function(functions, side_effects, mode="partial")
    create(lambda_client, mappings, EventSourceArn=arn, FunctionName=name, StartingPosition="TRIM_HORIZON", Enabled=False,
           BatchSize=3, MaximumRetryAttempts=3, FunctionResponseTypes=["ReportBatchItemFailures"],
           DestinationConfig={"OnFailure": {"Destination": queue_arn}})
    mapping = lambda_client.list_event_source_mappings(FunctionName=name)["EventSourceMappings"][0]["UUID"]
    sequences = [put(kinesis, arn, data) for data in ("ok 0", "fail 1", "ok 2")]
    lambda_client.update_event_source_mapping(UUID=mapping, Enabled=True)
    [body] = failure_records(sqs, url, 1)
    recorded = load_snapshot(SNAPSHOT, "test_kinesis_report_batch_item_failures")["sqs_payload"]["Messages"][0]["Body"]
    assert body["requestContext"]["approximateInvokeCount"] == recorded["requestContext"]["approximateInvokeCount"] == 4
    assert body["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST", "functionError": None}
    # Discarded from the failed record on; the record before it was never sent again.
    assert (body["KinesisBatchInfo"]["startSequenceNumber"], body["KinesisBatchInfo"]["endSequenceNumber"]) == (
        sequences[1], sequences[2])
    seen = [[r["kinesis"]["sequenceNumber"] for r in b] for b in batches(side_effects, token)]
    assert seen == [sequences] + [sequences[1:]] * 3


def test_failed_half_is_retried_in_order_and_nothing_is_lost(lambda_client, kinesis, functions, side_effects, mappings):
    arn = make_stream(kinesis, "half")
    name, token = make_function(functions, side_effects, mode="once")
    create(lambda_client, mappings, EventSourceArn=arn, FunctionName=name, StartingPosition="TRIM_HORIZON", BatchSize=4)
    sequences = [put(kinesis, arn, ("flaky" if i % 2 else "steady") + f" {i}") for i in range(20)]
    wait_for(lambda: sequences[-1] in [r["kinesis"]["sequenceNumber"] for r in delivered(side_effects, token)], timeout=40,
             what="the last record")
    seen = [r["kinesis"]["sequenceNumber"] for r in delivered(side_effects, token)]
    assert set(seen) == set(sequences)
    # Retries repeat a batch from its start, so the first deliveries are in stream order.
    first = list(dict.fromkeys(seen))
    assert first == sequences


def test_parallelization_keeps_each_key_in_order(lambda_client, kinesis, functions, side_effects, mappings):
    arn = make_stream(kinesis, "parallel")
    name, token = make_function(functions, side_effects, mode="slow")
    create(lambda_client, mappings, EventSourceArn=arn, FunctionName=name, StartingPosition="TRIM_HORIZON", Enabled=False,
           BatchSize=2, ParallelizationFactor=4)
    mapping = lambda_client.list_event_source_mappings(FunctionName=name)["EventSourceMappings"][0]["UUID"]
    sent = [(f"key-{i % 8}", put(kinesis, arn, f"r{i}", key=f"key-{i % 8}")) for i in range(32)]
    lambda_client.update_event_source_mapping(UUID=mapping, Enabled=True)
    wait_for(lambda: len(delivered(side_effects, token)) >= 32, timeout=60, what="32 records")
    for key in {k for k, _ in sent}:
        got = [r["kinesis"]["sequenceNumber"] for r in delivered(side_effects, token) if r["kinesis"]["partitionKey"] == key]
        assert got == [s for k, s in sent if k == key]
    # Batches overlapped: some batch started before an earlier one had finished.
    starts = [t for t, _ in side_effects.all(token)]
    ends = [t for t, _ in side_effects.all(token + "-done")]
    wait_for(lambda: len(side_effects.all(token + "-done")) >= len(starts), timeout=10, what="every batch done")
    ends = [t for t, _ in side_effects.all(token + "-done")]
    assert any(starts[i + 1] < ends[i] for i in range(min(len(starts), len(ends)) - 1))


def test_records_older_than_the_maximum_age_are_discarded(lambda_client, kinesis, sqs, functions, side_effects, mappings):
    arn = make_stream(kinesis, "age")
    url, queue_arn = make_queue(sqs, "age-dlq")
    name, token = make_function(functions, side_effects, mode="fail")
    create(lambda_client, mappings, EventSourceArn=arn, FunctionName=name, StartingPosition="TRIM_HORIZON", BatchSize=1,
           MaximumRecordAgeInSeconds=60, DestinationConfig={"OnFailure": {"Destination": queue_arn}})
    poison = put(kinesis, arn, "poison forever")
    [body] = failure_records(sqs, url, 1, timeout=90)
    recorded = load_snapshot(SNAPSHOT, "test_kinesis_maximum_record_age_exceeded[expire-while-retrying]")
    expected = recorded["record_age_exceeded_payload"]["Messages"][0]["Body"]
    assert set(body) == set(expected)  # no responseContext
    assert body["requestContext"]["condition"] == "RecordAgeExceeded"
    assert body["requestContext"]["approximateInvokeCount"] >= 2
    assert body["KinesisBatchInfo"]["startSequenceNumber"] == poison


def test_checkpoints_survive_kill_9_and_nothing_is_lost_or_reordered(server_factory, side_effects):
    srv = server_factory("kesm-kill")
    lam = srv.client()
    kinesis = kinesis_client(srv.endpoint)
    token = unique_token("kesm")
    lam.create_function(
        FunctionName="kesm-kill", Runtime="python3.12", Role=ROLE, Handler="app.handler", Timeout=10,
        Code={"ZipFile": zip_bytes([("app.py", HANDLER, 0o644)])},
        Environment={"Variables": {"SIDE_EFFECT_URL": side_effects.url, "TOKEN": token, "MODE": "slow"}},
    )
    kinesis.create_stream(StreamName="kesm-kill", ShardCount=2)
    arn = kinesis.describe_stream_summary(StreamName="kesm-kill")["StreamDescriptionSummary"]["StreamARN"]
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="kesm-kill", StartingPosition="TRIM_HORIZON", BatchSize=5)
    shard_of: dict[str, str] = {}
    for i in range(120):
        out = kinesis.put_record(StreamARN=arn, Data=f"r{i}".encode(), PartitionKey=f"p{i % 10}")
        shard_of[out["SequenceNumber"]] = out["ShardId"]
    # Kill the server in the middle of delivery (batches take 0.3 s each).
    wait_for(lambda: len(delivered(side_effects, token)) >= 20, timeout=30, what="delivery to be under way")
    srv.kill()
    killed_at = time.monotonic()
    srv.start()
    wait_for(lambda: set(shard_of) <= {r["kinesis"]["sequenceNumber"] for r in delivered(side_effects, token)}, timeout=90,
             what="every record delivered")
    for epoch in (lambda t: t < killed_at, lambda t: t > killed_at):
        per_shard: dict[str, list[int]] = {}
        for arrived, body in side_effects.all(token):
            if epoch(arrived):
                for r in json.loads(body)["Records"]:
                    per_shard.setdefault(r["eventID"].split(":")[0], []).append(int(r["kinesis"]["sequenceNumber"]))
        for sequence in per_shard.values():
            assert sequence == sorted(sequence) and len(sequence) == len(set(sequence))


def test_filter_criteria_route_records_by_data(lambda_client, kinesis, functions, side_effects, mappings):
    arn = make_stream(kinesis, "filter")
    recorded = load_snapshot(SNAPSHOT, "test_kinesis_event_filtering_json_pattern")
    tokens = {}
    for which in ("function_1", "function_2"):
        name, token = make_function(functions, side_effects)
        pattern = json.dumps({"data": {"event_type": [which]}})
        resp = create(lambda_client, mappings, EventSourceArn=arn, FunctionName=name, StartingPosition="TRIM_HORIZON",
                      BatchSize=1, FilterCriteria={"Filters": [{"Pattern": pattern}]})
        assert json.loads(resp["FilterCriteria"]["Filters"][0]["Pattern"]) == {"data": {"event_type": [which]}}
        tokens[which] = token
    put(kinesis, arn, "not json at all")
    put(kinesis, arn, json.dumps({"event_type": "function_3", "message": "nobody"}))
    put(kinesis, arn, json.dumps({"event_type": "function_1", "message": "foo"}))
    put(kinesis, arn, json.dumps({"event_type": "function_2", "message": "bar"}))
    for which in tokens:
        wait_for(lambda: delivered(side_effects, tokens[which]), timeout=30, what=f"{which}'s record")
    time.sleep(1)
    first = [json.loads(data_of(r)) for r in delivered(side_effects, tokens["function_1"])]
    assert first == json.loads(recorded["kinesis-record-lambda-payload"])  # [{"event_type": "function_1", "message": "foo"}]
    assert [json.loads(data_of(r))["message"] for r in delivered(side_effects, tokens["function_2"])] == ["bar"]
    expect_error(lambda_client.create_event_source_mapping, "InvalidParameterValueException", 400, "Invalid filter pattern definition.",
                 EventSourceArn=arn, FunctionName=name, StartingPosition="LATEST",
                 FilterCriteria={"Filters": [{"Pattern": "{\"data\": {\"x\": \"not-a-list\"}}"}]})
