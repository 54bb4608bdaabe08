"""Kinesis data streams, driven by boto3's `kinesis` client and the `aws kinesis` CLI.

Partition keys hash (MD5) onto shards that split the 128-bit key space evenly; records come
back in order per shard through iterators of every type, and survive a restart.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from datetime import datetime, timezone

import pytest
from botocore.exceptions import ClientError

from e2e_helpers import make_client, ACCESS_KEY, ACCOUNT, REGION, SECRET_KEY, unique_token

STREAM_NAME_PATTERN = "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"


def kinesis_client(endpoint: str, secret_key: str = SECRET_KEY):
    return make_client(endpoint, secret_key=secret_key, service="kinesis", read_timeout=60)


@pytest.fixture(scope="module")
def kinesis(server):
    return kinesis_client(server.endpoint)


@pytest.fixture
def stream(kinesis):
    """A fresh stream name; the stream is deleted at teardown."""
    name = unique_token("stream")
    yield name
    try:
        kinesis.delete_stream(StreamName=name)
    except Exception:  # noqa: BLE001 - best effort
        pass


def expect_error(fn, code: str, status: int, message: str | None = None, **kwargs) -> ClientError:
    """The streams API's error: botocore's code (from `__type`), status and message."""
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


def stream_arn(name: str) -> str:
    return f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{name}"


def not_found(name: str) -> str:
    return f"Stream {name} under account {ACCOUNT} not found."


def expected_shard(key: str, shards: int) -> str:
    """AWS's mapping, computed independently: MD5 as a 128-bit integer over evenly split ranges."""
    value = int(hashlib.md5(key.encode()).hexdigest(), 16)
    return f"shardId-{min(value // (2**128 // shards), shards - 1):012d}"


def read_all(kinesis, iterator: str, limit: int | None = None) -> list[dict]:
    records = []
    while True:
        out = kinesis.get_records(ShardIterator=iterator, **({"Limit": limit} if limit else {}))
        records += out["Records"]
        iterator = out["NextShardIterator"]
        if not out["Records"]:
            return records


def iterator(kinesis, name: str, shard: str, kind: str, **kwargs) -> str:
    return kinesis.get_shard_iterator(StreamName=name, ShardId=shard, ShardIteratorType=kind, **kwargs)["ShardIterator"]


# --------------------------------------------------------------------------
# Streams
# --------------------------------------------------------------------------


def test_create_describe_list_delete(kinesis, stream):
    kinesis.create_stream(StreamName=stream, ShardCount=2)
    kinesis.get_waiter("stream_exists").wait(StreamName=stream, WaiterConfig={"Delay": 1, "MaxAttempts": 5})
    description = kinesis.describe_stream(StreamName=stream)["StreamDescription"]
    assert (description["StreamName"], description["StreamARN"], description["StreamStatus"]) == (stream, stream_arn(stream), "ACTIVE")
    assert description["RetentionPeriodHours"] == 24 and description["HasMoreShards"] is False
    assert description["StreamModeDetails"] == {"StreamMode": "PROVISIONED"}
    assert [s["ShardId"] for s in description["Shards"]] == ["shardId-000000000000", "shardId-000000000001"]
    assert [s["HashKeyRange"] for s in description["Shards"]] == [
        {"StartingHashKey": "0", "EndingHashKey": "170141183460469231731687303715884105727"},
        {"StartingHashKey": "170141183460469231731687303715884105728", "EndingHashKey": "340282366920938463463374607431768211455"},
    ]
    assert abs(description["StreamCreationTimestamp"].timestamp() - time.time()) < 60

    summary = kinesis.describe_stream_summary(StreamARN=stream_arn(stream))["StreamDescriptionSummary"]
    assert (summary["StreamName"], summary["OpenShardCount"], summary["StreamStatus"]) == (stream, 2, "ACTIVE")

    paged = kinesis.describe_stream(StreamName=stream, Limit=1)["StreamDescription"]
    assert [s["ShardId"] for s in paged["Shards"]] == ["shardId-000000000000"] and paged["HasMoreShards"] is True
    rest = kinesis.describe_stream(StreamName=stream, ExclusiveStartShardId="shardId-000000000000")["StreamDescription"]
    assert [s["ShardId"] for s in rest["Shards"]] == ["shardId-000000000001"] and rest["HasMoreShards"] is False

    listed = kinesis.list_streams()
    assert stream in listed["StreamNames"]
    assert {"StreamName": stream, "StreamARN": stream_arn(stream), "StreamStatus": "ACTIVE"}.items() <= next(
        s for s in listed["StreamSummaries"] if s["StreamName"] == stream).items()

    kinesis.delete_stream(StreamARN=stream_arn(stream))
    kinesis.get_waiter("stream_not_exists").wait(StreamName=stream, WaiterConfig={"Delay": 1, "MaxAttempts": 5})
    expect_error(kinesis.describe_stream, "ResourceNotFoundException", 400, not_found(stream), StreamName=stream)
    assert stream not in kinesis.list_streams()["StreamNames"]


def test_on_demand_stream_has_four_shards(kinesis, stream):
    kinesis.create_stream(StreamName=stream, StreamModeDetails={"StreamMode": "ON_DEMAND"})
    summary = kinesis.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]
    assert summary["StreamModeDetails"] == {"StreamMode": "ON_DEMAND"} and summary["OpenShardCount"] == 4


def test_stream_errors(kinesis, stream):
    kinesis.create_stream(StreamName=stream, ShardCount=1)
    expect_error(kinesis.create_stream, "ResourceInUseException", 400,
                 f"Stream {stream} under account {ACCOUNT} already exists.", StreamName=stream, ShardCount=1)
    missing = unique_token("missing")
    for call in (kinesis.describe_stream, kinesis.describe_stream_summary, kinesis.delete_stream):
        expect_error(call, "ResourceNotFoundException", 400, not_found(missing), StreamName=missing)
    expect_error(kinesis.describe_stream_summary, "ResourceNotFoundException", 400, not_found(missing), StreamARN=stream_arn(missing))
    expect_error(kinesis.put_record, "ResourceNotFoundException", 400, not_found(missing),
                 StreamName=missing, PartitionKey="k", Data=b"x")
    expect_error(kinesis.create_stream, "ValidationException", 400,
                 f"1 validation error detected: Value 'bad name!' at 'streamName' failed to satisfy constraint: {STREAM_NAME_PATTERN}",
                 StreamName="bad name!", ShardCount=1)
    long_name = "s" * 129
    expect_error(kinesis.create_stream, "ValidationException", 400,
                 f"1 validation error detected: Value '{long_name}' at 'streamName' failed to satisfy constraint: "
                 "Member must have length less than or equal to 128", StreamName=long_name, ShardCount=1)
    expect_error(kinesis.describe_stream, "ValidationException", 400,
                 "1 validation error detected: Value '10001' at 'limit' failed to satisfy constraint: "
                 "Member must have value less than or equal to 10000", StreamName=stream, Limit=10001)
    expect_error(kinesis.list_streams, "ValidationException", 400,
                 "1 validation error detected: Value '10001' at 'limit' failed to satisfy constraint: "
                 "Member must have value less than or equal to 10000", Limit=10001)
    expect_error(kinesis.describe_stream, "ValidationException", 400, StreamARN="arn:aws:sqs:us-east-1:000000000000:queue")
    current = sum(kinesis.describe_stream_summary(StreamName=n)["StreamDescriptionSummary"]["OpenShardCount"]
                  for n in kinesis.list_streams(Limit=10000)["StreamNames"])
    expect_error(kinesis.create_stream, "LimitExceededException", 400,
                 f"This request would exceed the shard limit for the account {ACCOUNT} in {REGION}. Current shard count for the "
                 f"account: {current}. Limit: 500. Number of additional shards that would have resulted from this request: 600. "
                 "Refer to the AWS Service Limits page (http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) "
                 "for current limits and how to request higher limits.", StreamName=unique_token("big"), ShardCount=600)


def test_list_streams_pages(kinesis):
    prefix = unique_token("page")
    names = [f"{prefix}-{i}" for i in range(3)]
    for name in names:
        kinesis.create_stream(StreamName=name, ShardCount=1)
    try:
        first = kinesis.list_streams(ExclusiveStartStreamName=f"{prefix}-", Limit=2)
        assert first["StreamNames"] == names[:2] and first["HasMoreStreams"] is True
        second = kinesis.list_streams(NextToken=first["NextToken"], Limit=2)
        assert second["StreamNames"][:1] == names[2:]
        paginated = [n for page in kinesis.get_paginator("list_streams").paginate(PaginationConfig={"PageSize": 1})
                     for n in page["StreamNames"]]
        assert [n for n in paginated if n.startswith(prefix)] == names
    finally:
        for name in names:
            kinesis.delete_stream(StreamName=name)


def test_list_shards(kinesis, stream):
    kinesis.create_stream(StreamName=stream, ShardCount=3)
    shards = kinesis.list_shards(StreamName=stream)["Shards"]
    assert [s["ShardId"] for s in shards] == [f"shardId-00000000000{i}" for i in range(3)]
    assert shards[1]["HashKeyRange"]["StartingHashKey"] == str(2**128 // 3)
    assert all(len(s["SequenceNumberRange"]["StartingSequenceNumber"]) == 56 for s in shards)
    first = kinesis.list_shards(StreamARN=stream_arn(stream), MaxResults=2)
    assert [s["ShardId"] for s in first["Shards"]] == ["shardId-000000000000", "shardId-000000000001"]
    rest = kinesis.list_shards(NextToken=first["NextToken"])
    assert [s["ShardId"] for s in rest["Shards"]] == ["shardId-000000000002"] and "NextToken" not in rest
    after = kinesis.list_shards(StreamName=stream, ExclusiveStartShardId="shardId-000000000000")["Shards"]
    assert [s["ShardId"] for s in after] == ["shardId-000000000001", "shardId-000000000002"]
    expect_error(kinesis.list_shards, "InvalidArgumentException", 400,
                 "NextToken and StreamName cannot be provided together.", StreamName=stream, NextToken=first["NextToken"])
    expect_error(kinesis.list_shards, "InvalidArgumentException", 400, "Either NextToken or StreamName should be provided.")
    expect_error(kinesis.list_shards, "ResourceNotFoundException", 400, not_found("nope-x"), StreamName="nope-x")


def test_retention_period(kinesis, stream):
    kinesis.create_stream(StreamName=stream, ShardCount=1)
    kinesis.increase_stream_retention_period(StreamName=stream, RetentionPeriodHours=48)
    assert kinesis.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]["RetentionPeriodHours"] == 48
    expect_error(kinesis.increase_stream_retention_period, "InvalidArgumentException", 400,
                 f"Requested retention period (30 hours) for stream {stream} can not be shorter than existing retention period "
                 "(48 hours). Use DecreaseRetentionPeriod API.", StreamName=stream, RetentionPeriodHours=30)
    expect_error(kinesis.decrease_stream_retention_period, "InvalidArgumentException", 400,
                 f"Requested retention period (50 hours) for stream {stream} can not be longer than existing retention period "
                 "(48 hours). Use IncreaseRetentionPeriod API.", StreamName=stream, RetentionPeriodHours=50)
    expect_error(kinesis.decrease_stream_retention_period, "InvalidArgumentException", 400,
                 "Minimum allowed retention period is 24 hours. Requested retention period (23 hours) is too short.",
                 StreamName=stream, RetentionPeriodHours=23)
    expect_error(kinesis.increase_stream_retention_period, "InvalidArgumentException", 400,
                 "Maximum allowed retention period is 8760 hours. Requested retention period (8761 hours) is too long.",
                 StreamName=stream, RetentionPeriodHours=8761)
    kinesis.decrease_stream_retention_period(StreamARN=stream_arn(stream), RetentionPeriodHours=24)
    assert kinesis.describe_stream(StreamName=stream)["StreamDescription"]["RetentionPeriodHours"] == 24
    expect_error(kinesis.increase_stream_retention_period, "ResourceNotFoundException", 400, not_found("nope-y"),
                 StreamName="nope-y", RetentionPeriodHours=48)


# --------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------


def put_hundred(kinesis, name: str) -> dict[str, list[tuple[str, str, bytes]]]:
    """100 records over 10 partition keys (half through PutRecord, half through PutRecords); per shard, in order."""
    by_shard: dict[str, list[tuple[str, str, bytes]]] = {}
    for i in range(50):
        key, data = f"key-{i % 10}", f"record-{i}".encode()
        out = kinesis.put_record(StreamName=name, PartitionKey=key, Data=data)
        assert out["ShardId"] == expected_shard(key, 4)
        by_shard.setdefault(out["ShardId"], []).append((out["SequenceNumber"], key, data))
    entries = [{"PartitionKey": f"key-{i % 10}", "Data": f"record-{i}".encode()} for i in range(50, 100)]
    out = kinesis.put_records(StreamARN=stream_arn(name), Records=entries)
    assert out["FailedRecordCount"] == 0 and len(out["Records"]) == 50
    for entry, result in zip(entries, out["Records"]):
        assert result["ShardId"] == expected_shard(entry["PartitionKey"], 4)
        by_shard.setdefault(result["ShardId"], []).append((result["SequenceNumber"], entry["PartitionKey"], entry["Data"]))
    return by_shard


def test_hundred_records_read_back_in_order_with_every_iterator_type(kinesis, stream):
    kinesis.create_stream(StreamName=stream, ShardCount=4)
    start = datetime.now(timezone.utc)
    time.sleep(0.05)
    by_shard = put_hundred(kinesis, stream)
    assert len(by_shard) > 1
    sequences = [s for records in by_shard.values() for s, _, _ in records]
    assert len(set(sequences)) == 100 and len({len(s) for s in sequences}) == 1
    for shard, expected in by_shard.items():
        seqs = [s for s, _, _ in expected]
        assert seqs == sorted(seqs) and seqs == sorted(seqs, key=int)

        records = read_all(kinesis, iterator(kinesis, stream, shard, "TRIM_HORIZON"), limit=3)
        assert [(r["SequenceNumber"], r["PartitionKey"], r["Data"]) for r in records] == expected
        assert all(isinstance(r["ApproximateArrivalTimestamp"], datetime) for r in records)

        at = read_all(kinesis, iterator(kinesis, stream, shard, "AT_SEQUENCE_NUMBER", StartingSequenceNumber=seqs[1]))
        assert [r["SequenceNumber"] for r in at] == seqs[1:]
        after = read_all(kinesis, iterator(kinesis, stream, shard, "AFTER_SEQUENCE_NUMBER", StartingSequenceNumber=seqs[1]))
        assert [r["SequenceNumber"] for r in after] == seqs[2:]
        stamped = read_all(kinesis, iterator(kinesis, stream, shard, "AT_TIMESTAMP", Timestamp=start))
        assert [r["SequenceNumber"] for r in stamped] == seqs

    shard = next(iter(by_shard))
    latest = iterator(kinesis, stream, shard, "LATEST")
    assert kinesis.get_records(ShardIterator=latest)["Records"] == []
    key = next(k for k in (f"late-{i}" for i in range(100)) if expected_shard(k, 4) == shard)
    put = kinesis.put_record(StreamName=stream, PartitionKey=key, Data=b"late")
    out = kinesis.get_records(ShardIterator=latest)
    assert [(r["SequenceNumber"], r["Data"]) for r in out["Records"]] == [(put["SequenceNumber"], b"late")]
    assert out["MillisBehindLatest"] == 0
    assert kinesis.get_records(ShardIterator=out["NextShardIterator"])["Records"] == []

    behind = kinesis.get_records(ShardIterator=iterator(kinesis, stream, shard, "TRIM_HORIZON"), Limit=1)
    assert behind["MillisBehindLatest"] >= 0 and len(behind["Records"]) == 1
    future = kinesis.get_records(ShardIterator=iterator(kinesis, stream, shard, "AT_TIMESTAMP", Timestamp=time.time() + 60))
    assert future["Records"] == []


def test_explicit_hash_key_picks_the_shard(kinesis, stream):
    kinesis.create_stream(StreamName=stream, ShardCount=2)
    low = kinesis.put_record(StreamName=stream, PartitionKey="b", Data=b"x", ExplicitHashKey="0")
    high = kinesis.put_record(StreamName=stream, PartitionKey="a", Data=b"x", ExplicitHashKey=str(2**127))
    assert (low["ShardId"], high["ShardId"]) == ("shardId-000000000000", "shardId-000000000001")
    expect_error(kinesis.put_record, "InvalidArgumentException", 400,
                 f"Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was {2**128}",
                 StreamName=stream, PartitionKey="a", Data=b"x", ExplicitHashKey=str(2**128))
    expect_error(kinesis.put_record, "ValidationException", 400,
                 "1 validation error detected: Value '01' at 'explicitHashKey' failed to satisfy constraint: "
                 "Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})",
                 StreamName=stream, PartitionKey="a", Data=b"x", ExplicitHashKey="01")


def test_put_errors(kinesis, stream):
    kinesis.create_stream(StreamName=stream, ShardCount=1)
    long_key = "k" * 257
    expect_error(kinesis.put_record, "ValidationException", 400,
                 f"1 validation error detected: Value '{long_key}' at 'partitionKey' failed to satisfy constraint: "
                 "Member must have length less than or equal to 256", StreamName=stream, PartitionKey=long_key, Data=b"x")
    expect_error(kinesis.put_records, "ValidationException", 400,
                 f"1 validation error detected: Value '{long_key}' at 'records.2.member.partitionKey' failed to satisfy constraint: "
                 "Member must have length less than or equal to 256",
                 StreamName=stream, Records=[{"PartitionKey": "a", "Data": b"x"}, {"PartitionKey": long_key, "Data": b"x"}])
    err = expect_error(kinesis.put_records, "ValidationException", 400, StreamName=stream,
                       Records=[{"PartitionKey": "a", "Data": b"x"}] * 501)
    assert "Member must have length less than or equal to 500" in err.response["Error"]["Message"]
    big = 1024 * 1024 + 1
    expect_error(kinesis.put_record, "ValidationException", 400,
                 f"1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim={big} cap={big}]' at 'data' failed to "
                 "satisfy constraint: Member must have length less than or equal to 1048576",
                 StreamName=stream, PartitionKey="a", Data=b"x" * big)
    # Nothing of a refused batch was written.
    assert kinesis.get_records(ShardIterator=iterator(kinesis, stream, "shardId-000000000000", "TRIM_HORIZON"))["Records"] == []


def test_undecodable_data_is_refused(server, stream, kinesis):
    """Base64 botocore would never send: posted raw, signed as boto3 signs."""
    kinesis.create_stream(StreamName=stream, ShardCount=1)
    for data, message in (
        ("abc", "'abc' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: 3"),
        ("ab!d", "'ab!d' can not be converted to a Blob: Invalid Base64 character: '!'"),
    ):
        status, body = raw_call(server.endpoint, "PutRecord", {"StreamName": stream, "PartitionKey": "k", "Data": data})
        assert (status, body) == (400, {"__type": "SerializationException", "message": message})


def raw_call(endpoint: str, operation: str, payload: dict) -> tuple[int, dict]:
    import urllib.error
    import urllib.request

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    body = json.dumps(payload).encode()
    request = AWSRequest(method="POST", url=endpoint + "/", data=body, headers={
        "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": f"Kinesis_20131202.{operation}"})
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "kinesis", REGION).add_auth(request)
    prepared = urllib.request.Request(endpoint + "/", data=body, headers=dict(request.headers.items()), method="POST")
    try:
        with urllib.request.urlopen(prepared, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_iterator_errors(kinesis, stream, server):
    kinesis.create_stream(StreamName=stream, ShardCount=2)
    put = kinesis.put_record(StreamName=stream, PartitionKey="a", Data=b"x", ExplicitHashKey="0")
    shard0, shard1 = "shardId-000000000000", "shardId-000000000001"
    expect_error(kinesis.get_shard_iterator, "ResourceNotFoundException", 400,
                 f"Shard shardId-000000000007 in stream {stream} under account {ACCOUNT} does not exist",
                 StreamName=stream, ShardId="shardId-000000000007", ShardIteratorType="LATEST")
    expect_error(kinesis.get_shard_iterator, "ResourceNotFoundException", 400,
                 f"Shard {shard0} in stream nope-z under account {ACCOUNT} does not exist",
                 StreamName="nope-z", ShardId=shard0, ShardIteratorType="LATEST")
    expect_error(kinesis.get_shard_iterator, "InvalidArgumentException", 400,
                 "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or "
                 "(2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified AT_SEQUENCE_NUMBER and no "
                 "StartingSequenceNumber.", StreamName=stream, ShardId=shard0, ShardIteratorType="AT_SEQUENCE_NUMBER")
    expect_error(kinesis.get_shard_iterator, "InvalidArgumentException", 400,
                 "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or "
                 "(2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified LATEST and also a "
                 "StartingSequenceNumber.", StreamName=stream, ShardId=shard0, ShardIteratorType="LATEST",
                 StartingSequenceNumber=put["SequenceNumber"])
    expect_error(kinesis.get_shard_iterator, "InvalidArgumentException", 400,
                 f"Invalid StartingSequenceNumber. It encodes {shard0}, while it was used in a call to a shard with {shard1}",
                 StreamName=stream, ShardId=shard1, ShardIteratorType="AT_SEQUENCE_NUMBER", StartingSequenceNumber=put["SequenceNumber"])
    expect_error(kinesis.get_shard_iterator, "InvalidArgumentException", 400,
                 f"StartingSequenceNumber 12345 used in GetShardIterator on shard {shard0} in stream {stream} under account "
                 f"{ACCOUNT} is invalid.", StreamName=stream, ShardId=shard0, ShardIteratorType="AT_SEQUENCE_NUMBER",
                 StartingSequenceNumber="12345")
    expect_error(kinesis.get_shard_iterator, "ValidationException", 400,
                 "1 validation error detected: Value 'abc' at 'startingSequenceNumber' failed to satisfy constraint: "
                 "Member must satisfy regular expression pattern: 0|([1-9]\\d{0,128})",
                 StreamName=stream, ShardId=shard0, ShardIteratorType="AT_SEQUENCE_NUMBER", StartingSequenceNumber="abc")
    expect_error(kinesis.get_shard_iterator, "ValidationException", 400, StreamName=stream, ShardId=shard0, ShardIteratorType="OLDEST")
    expect_error(kinesis.get_records, "InvalidArgumentException", 400, "Invalid ShardIterator.", ShardIterator="not-an-iterator")
    it = iterator(kinesis, stream, shard0, "TRIM_HORIZON")
    expect_error(kinesis.get_records, "ValidationException", 400,
                 "1 validation error detected: Value '10001' at 'limit' failed to satisfy constraint: "
                 "Member must have value less than or equal to 10000", ShardIterator=it, Limit=10001)
    # An iterator of a deleted (and recreated) stream is not honoured.
    kinesis.delete_stream(StreamName=stream)
    kinesis.create_stream(StreamName=stream, ShardCount=2)
    expect_error(kinesis.get_records, "ResourceNotFoundException", 400,
                 f"Shard {shard0} in stream {stream} under account {ACCOUNT} does not exist", ShardIterator=it)


def test_expired_iterator(kinesis, stream):
    """An iterator issued more than 5 minutes ago (forged: the token is Nimbus's own format) has expired."""
    kinesis.create_stream(StreamName=stream, ShardCount=1)
    token = base64.b64decode(iterator(kinesis, stream, "shardId-000000000000", "TRIM_HORIZON")).decode()
    parts = token.split("/", 5)
    parts[1] = str(int(parts[1]) - 301_000)
    old = base64.b64encode("/".join(parts).encode()).decode()
    err = expect_error(kinesis.get_records, "ExpiredIteratorException", 400, ShardIterator=old)
    message = err.response["Error"]["Message"]
    assert message.startswith("Iterator expired. The iterator was created at time ")
    assert message.endswith(" which is further in the future than the tolerated delay of 300000 milliseconds.")


def test_wrong_signature_is_refused(server):
    bad = kinesis_client(server.endpoint, secret_key="wrong")
    err = expect_error(bad.list_streams, "InvalidSignatureException", 403)
    assert err.response["Error"]["Message"]


def test_records_survive_a_restart(server_factory):
    srv = server_factory("streams")
    client = kinesis_client(srv.endpoint)
    client.create_stream(StreamName="kept", ShardCount=4)
    by_shard = put_hundred(client, "kept")
    srv.kill()
    srv.start()
    client = kinesis_client(srv.endpoint)
    for shard, expected in by_shard.items():
        records = read_all(client, iterator(client, "kept", shard, "TRIM_HORIZON"))
        assert [(r["SequenceNumber"], r["PartitionKey"], r["Data"]) for r in records] == expected
    more = client.put_record(StreamName="kept", PartitionKey="key-0", Data=b"after")
    assert more["SequenceNumber"] > by_shard[more["ShardId"]][-1][0]


def test_aws_kinesis_cli(aws_cli, kinesis):
    name = unique_token("cli")
    aws_cli("kinesis", "create-stream", "--stream-name", name, "--shard-count", "1")
    try:
        aws_cli("kinesis", "wait", "stream-exists", "--stream-name", name)
        # aws CLI v1 sends --data as raw text, which botocore base64-encodes.
        put = json.loads(aws_cli("kinesis", "put-record", "--stream-name", name, "--partition-key", "k", "--data", "hello cli",
                                 "--output", "json").stdout)
        assert put["ShardId"] == "shardId-000000000000"
        it = json.loads(aws_cli("kinesis", "get-shard-iterator", "--stream-name", name, "--shard-id", put["ShardId"],
                                "--shard-iterator-type", "TRIM_HORIZON", "--output", "json").stdout)["ShardIterator"]
        out = json.loads(aws_cli("kinesis", "get-records", "--shard-iterator", it, "--output", "json").stdout)
        assert [(r["SequenceNumber"], base64.b64decode(r["Data"])) for r in out["Records"]] == [(put["SequenceNumber"], b"hello cli")]
        proc = aws_cli("kinesis", "describe-stream", "--stream-name", unique_token("missing"), check=False)
        assert proc.returncode != 0 and b"ResourceNotFoundException" in proc.stderr
    finally:
        kinesis.delete_stream(StreamName=name)
