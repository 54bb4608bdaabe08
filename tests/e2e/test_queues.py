"""The SQS-compatible queue service, driven by boto3's `sqs` client and the `aws sqs` CLI.

Error codes are what botocore reports for SQS's JSON protocol: `Error.Code` is the
Query-protocol code from `x-amzn-query-error`, and the exception class is the model's shape.
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import threading
import time
import uuid

import pytest
from botocore.exceptions import ClientError

from e2e_helpers import make_client, ACCOUNT, REGION, SECRET_KEY, bootstrap_zip, runtime_script


def sqs_client(endpoint: str, secret_key: str = SECRET_KEY):
    return make_client(endpoint, secret_key=secret_key, service="sqs", read_timeout=60)


@pytest.fixture(scope="module")
def sqs(server):
    return sqs_client(server.endpoint)


@pytest.fixture
def queue(sqs):
    """A fresh queue's URL (deleted at teardown)."""
    created = []

    def make(hint="q", **attributes):
        name = f"e2e-{hint}-{uuid.uuid4().hex[:8]}"
        url = sqs.create_queue(QueueName=name, Attributes={k: str(v) for k, v in attributes.items()})["QueueUrl"]
        created.append(url)
        return url

    yield make
    for url in created:
        try:
            sqs.delete_queue(QueueUrl=url)
        except ClientError:
            pass


def arn_of(sqs, url: str) -> str:
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def expect_sqs_error(fn, shape: str, code: str, message: str | None = None, **kwargs) -> ClientError:
    """Calls fn, expects a 400 whose `Error.Code` is `code` and whose exception class is
    the modeled shape `shape` (when the model has it)."""
    try:
        result = fn(**kwargs)
    except ClientError as e:
        err = e.response["Error"]
        assert err["Code"] == code, f"expected {code}, got {e.response}"
        assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 400, e.response
        assert err.get("QueryErrorCode") == shape, e.response
        if message is not None:
            assert err["Message"] == message, f"\n expected: {message!r}\n      got: {err['Message']!r}"
        modeled = getattr(fn.__self__.exceptions, shape, None)
        if modeled is not None:
            assert isinstance(e, modeled), f"{type(e)} is not {shape}"
        return e
    raise AssertionError(f"expected {code} but the call succeeded: {result}")


def md5_of_attributes(attributes: dict) -> str:
    """SQS's MD5OfMessageAttributes, written from the SQS developer guide's description."""
    data = b""
    for name in sorted(attributes):
        value = attributes[name]
        for part in (name.encode(), value["DataType"].encode()):
            data += struct.pack(">I", len(part)) + part
        if "StringValue" in value:
            raw = value["StringValue"].encode()
            data += b"\x01" + struct.pack(">I", len(raw)) + raw
        else:
            raw = value["BinaryValue"]
            data += b"\x02" + struct.pack(">I", len(raw)) + raw
    return hashlib.md5(data).hexdigest()


# --------------------------------------------------------------------------
# Queues
# --------------------------------------------------------------------------


def test_create_get_list_delete_queue(sqs, server):
    name = f"e2e-lifecycle-{uuid.uuid4().hex[:8]}"
    url = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "45", "DelaySeconds": "2"})["QueueUrl"]
    host = server.endpoint.split("://", 1)[1]
    assert url == f"http://{host}/{ACCOUNT}/{name}"
    # Same name, same attributes: the same queue (idempotent).
    assert sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "45"})["QueueUrl"] == url
    assert sqs.get_queue_url(QueueName=name)["QueueUrl"] == url
    assert url in sqs.list_queues(QueueNamePrefix="e2e-lifecycle-")["QueueUrls"]
    assert "QueueUrls" not in sqs.list_queues(QueueNamePrefix=f"no-such-prefix-{uuid.uuid4().hex}")

    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["QueueArn"] == f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"
    assert attrs["VisibilityTimeout"] == "45"
    assert attrs["DelaySeconds"] == "2"
    assert attrs["MessageRetentionPeriod"] == "345600"
    assert attrs["MaximumMessageSize"] == "1048576"
    assert attrs["ReceiveMessageWaitTimeSeconds"] == "0"
    assert attrs["ApproximateNumberOfMessages"] == "0"
    assert attrs["ApproximateNumberOfMessagesNotVisible"] == "0"
    assert abs(int(attrs["CreatedTimestamp"]) - time.time()) < 60

    sqs.delete_queue(QueueUrl=url)
    expect_sqs_error(sqs.get_queue_url, "QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue",
                     "The specified queue does not exist.", QueueName=name)


def test_list_queues_pages_with_max_results(sqs, queue):
    prefix = f"e2e-page{uuid.uuid4().hex[:6]}"
    urls = sorted(queue(f"{prefix[4:]}-{i}") for i in range(3))
    first = sqs.list_queues(QueueNamePrefix=prefix, MaxResults=2)
    assert first["QueueUrls"] == urls[:2] and first["NextToken"]
    second = sqs.list_queues(QueueNamePrefix=prefix, MaxResults=2, NextToken=first["NextToken"])
    assert second["QueueUrls"] == urls[2:] and "NextToken" not in second


def test_create_queue_with_other_attributes_is_queue_name_exists(sqs, queue):
    url = queue("exists", VisibilityTimeout=30)
    name = url.rsplit("/", 1)[1]
    expect_sqs_error(sqs.create_queue, "QueueNameExists", "QueueAlreadyExists",
                     "A queue already exists with the same name and a different value for attribute VisibilityTimeout",
                     QueueName=name, Attributes={"VisibilityTimeout": "31"})


def test_set_queue_attributes(sqs, queue):
    url = queue("set")
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "120", "MessageRetentionPeriod": "600"})
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout", "MessageRetentionPeriod"])["Attributes"]
    assert attrs == {"VisibilityTimeout": "120", "MessageRetentionPeriod": "600"}


@pytest.mark.parametrize(
    "attributes, shape, code, message",
    [
        ({"VisibilityTimeout": "43201"}, "InvalidAttributeValue", "InvalidAttributeValue",
         "Invalid value for the parameter VisibilityTimeout."),
        ({"DelaySeconds": "abc"}, "InvalidAttributeValue", "InvalidAttributeValue",
         "Invalid value for the parameter DelaySeconds."),
        ({"MaximumMessageSize": "1023"}, "InvalidAttributeValue", "InvalidAttributeValue",
         "Invalid value for the parameter MaximumMessageSize."),
        ({"Colour": "blue"}, "InvalidAttributeName", "InvalidAttributeName", "Unknown Attribute Colour."),
    ],
)
def test_bad_queue_attributes(sqs, attributes, shape, code, message):
    expect_sqs_error(sqs.create_queue, shape, code, message,
                     QueueName=f"e2e-bad-{uuid.uuid4().hex[:8]}", Attributes=attributes)


def test_bad_queue_name_and_fifo(sqs):
    expect_sqs_error(sqs.create_queue, "InvalidParameterValueException", "InvalidParameterValue",
                     "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length",
                     QueueName="bad name!")
    expect_sqs_error(sqs.create_queue, "UnsupportedOperation", "AWS.SimpleQueueService.UnsupportedOperation",
                     QueueName="e2e-fifo.fifo", Attributes={"FifoQueue": "true"})


def test_operations_on_a_missing_queue(sqs, server):
    url = f"{server.endpoint}/{ACCOUNT}/e2e-missing-{uuid.uuid4().hex[:8]}"
    for call, kwargs in [
        (sqs.send_message, {"MessageBody": "x"}),
        (sqs.receive_message, {}),
        (sqs.get_queue_attributes, {"AttributeNames": ["All"]}),
        (sqs.purge_queue, {}),
        (sqs.delete_queue, {}),
    ]:
        expect_sqs_error(call, "QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue",
                         "The specified queue does not exist.", QueueUrl=url, **kwargs)


# --------------------------------------------------------------------------
# Messages
# --------------------------------------------------------------------------


def test_send_receive_delete_with_attributes_and_digests(sqs, queue):
    url = queue("msg")
    attributes = {
        "City": {"DataType": "String", "StringValue": "Any City"},
        "Count": {"DataType": "Number", "StringValue": "42"},
        "Blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xff"},
    }
    body = "héllo wörld ✓"
    sent = sqs.send_message(QueueUrl=url, MessageBody=body, MessageAttributes=attributes)
    assert sent["MD5OfMessageBody"] == hashlib.md5(body.encode()).hexdigest()
    assert sent["MD5OfMessageAttributes"] == md5_of_attributes(attributes)

    before = int(time.time() * 1000)
    got = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"], MessageSystemAttributeNames=["All"])["Messages"]
    assert len(got) == 1
    message = got[0]
    assert message["MessageId"] == sent["MessageId"]
    assert message["Body"] == body
    assert message["MD5OfBody"] == sent["MD5OfMessageBody"]
    assert message["MessageAttributes"] == attributes
    assert message["MD5OfMessageAttributes"] == md5_of_attributes(attributes)
    system = message["Attributes"]
    assert system["ApproximateReceiveCount"] == "1"
    assert system["SenderId"]
    assert abs(int(system["SentTimestamp"]) - before) < 10_000
    assert int(system["ApproximateFirstReceiveTimestamp"]) >= int(system["SentTimestamp"])

    # Only the named attributes come back, with the digest of those.
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
    again = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["City"], AttributeNames=["ApproximateReceiveCount"])["Messages"][0]
    assert again["MessageAttributes"] == {"City": attributes["City"]}
    assert again["MD5OfMessageAttributes"] == md5_of_attributes({"City": attributes["City"]})
    assert again["Attributes"] == {"ApproximateReceiveCount": "2"}
    assert again["ReceiptHandle"] != message["ReceiptHandle"]

    sqs.delete_message(QueueUrl=url, ReceiptHandle=again["ReceiptHandle"])
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])
    assert attrs["Attributes"] == {"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0"}
    assert "Messages" not in sqs.receive_message(QueueUrl=url)


def test_max_number_of_messages_and_counts(sqs, queue):
    url = queue("many")
    for i in range(5):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{i}")
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=3)["Messages"]
    assert len(got) == 3
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (attrs["ApproximateNumberOfMessages"], attrs["ApproximateNumberOfMessagesNotVisible"]) == ("2", "3")
    sqs.purge_queue(QueueUrl=url)
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (attrs["ApproximateNumberOfMessages"], attrs["ApproximateNumberOfMessagesNotVisible"]) == ("0", "0")


def test_long_poll_returns_when_a_message_arrives(sqs, queue, server):
    url = queue("poll")
    sender = sqs_client(server.endpoint)
    timer = threading.Timer(1.5, lambda: sender.send_message(QueueUrl=url, MessageBody="late"))
    start = time.monotonic()
    timer.start()
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10).get("Messages", [])
    elapsed = time.monotonic() - start
    timer.join()
    assert [m["Body"] for m in got] == ["late"]
    assert 1.3 < elapsed < 5, elapsed


def test_long_poll_on_an_empty_queue_waits_the_whole_time(sqs, queue):
    url = queue("empty", ReceiveMessageWaitTimeSeconds=2)
    start = time.monotonic()
    assert "Messages" not in sqs.receive_message(QueueUrl=url)  # the queue's own wait time
    assert 1.9 < time.monotonic() - start < 5


def test_visibility_timeout_expiry_and_delay(sqs, queue):
    url = queue("vis")
    sqs.send_message(QueueUrl=url, MessageBody="v")
    first = sqs.receive_message(QueueUrl=url, VisibilityTimeout=1)["Messages"][0]
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    time.sleep(1.3)
    second = sqs.receive_message(QueueUrl=url, AttributeNames=["ApproximateReceiveCount"])["Messages"][0]
    assert second["MessageId"] == first["MessageId"]
    assert second["Attributes"]["ApproximateReceiveCount"] == "2"
    # The old handle is stale: accepted, but the message stays.
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"])
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=second["ReceiptHandle"], VisibilityTimeout=0)
    third = sqs.receive_message(QueueUrl=url)["Messages"][0]
    assert third["MessageId"] == first["MessageId"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=third["ReceiptHandle"])

    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=1)
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesDelayed"])["Attributes"] == {
        "ApproximateNumberOfMessagesDelayed": "1"}
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5)["Messages"]
    assert [m["Body"] for m in got] == ["later"]


def test_redrive_to_dead_letter_queue(sqs, queue):
    dlq = queue("dlq")
    policy = json.dumps({"deadLetterTargetArn": arn_of(sqs, dlq), "maxReceiveCount": 2})
    source = queue("src", RedrivePolicy=policy, VisibilityTimeout=0)
    stored = json.loads(sqs.get_queue_attributes(QueueUrl=source, AttributeNames=["RedrivePolicy"])["Attributes"]["RedrivePolicy"])
    assert stored == {"deadLetterTargetArn": arn_of(sqs, dlq), "maxReceiveCount": 2}
    sent = sqs.send_message(QueueUrl=source, MessageBody="poison")
    for _ in range(2):
        assert [m["Body"] for m in sqs.receive_message(QueueUrl=source)["Messages"]] == ["poison"]
    assert "Messages" not in sqs.receive_message(QueueUrl=source)  # the third receive moves it
    moved = sqs.receive_message(QueueUrl=dlq)["Messages"]
    assert [(m["MessageId"], m["Body"]) for m in moved] == [(sent["MessageId"], "poison")]


def test_redrive_policy_must_name_an_existing_queue(sqs, queue):
    policy = json.dumps({"deadLetterTargetArn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:no-such-dlq", "maxReceiveCount": 3})
    expect_sqs_error(sqs.create_queue, "InvalidParameterValueException", "InvalidParameterValue",
                     f"Value {policy} for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.",
                     QueueName=f"e2e-nodlq-{uuid.uuid4().hex[:8]}", Attributes={"RedrivePolicy": policy})


def test_batches_with_partial_failures(sqs, queue):
    url = queue("batch", MaximumMessageSize=1024)
    result = sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "ok1", "MessageBody": "one"},
        {"Id": "big", "MessageBody": "x" * 2000},
        {"Id": "ok2", "MessageBody": "two", "MessageAttributes": {"k": {"DataType": "String", "StringValue": "v"}}},
        {"Id": "badattr", "MessageBody": "three", "MessageAttributes": {"k": {"DataType": "Date", "StringValue": "v"}}},
    ])
    assert sorted(e["Id"] for e in result["Successful"]) == ["ok1", "ok2"]
    ok2 = next(e for e in result["Successful"] if e["Id"] == "ok2")
    assert ok2["MD5OfMessageAttributes"] == md5_of_attributes({"k": {"DataType": "String", "StringValue": "v"}})
    failed = {e["Id"]: e for e in result["Failed"]}
    assert failed["big"] == {"Id": "big", "SenderFault": True, "Code": "InvalidParameterValue",
                             "Message": "One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes."}
    assert failed["badattr"]["Code"] == "InvalidParameterValue" and failed["badattr"]["SenderFault"] is True

    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert sorted(m["Body"] for m in got) == ["one", "two"]
    deleted = sqs.delete_message_batch(QueueUrl=url, Entries=[
        {"Id": "a", "ReceiptHandle": got[0]["ReceiptHandle"]},
        {"Id": "b", "ReceiptHandle": got[1]["ReceiptHandle"]},
        {"Id": "c", "ReceiptHandle": "not-a-handle"},
    ])
    assert sorted(e["Id"] for e in deleted["Successful"]) == ["a", "b"]
    assert [(e["Id"], e["Code"], e["SenderFault"]) for e in deleted["Failed"]] == [("c", "ReceiptHandleIsInvalid", True)]


def test_batch_request_errors(sqs, queue):
    url = queue("batcherr")
    expect_sqs_error(sqs.send_message_batch, "TooManyEntriesInBatchRequest",
                     "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
                     "Maximum number of entries per request are 10. You have sent 11.",
                     QueueUrl=url, Entries=[{"Id": f"e{i}", "MessageBody": "x"} for i in range(11)])
    expect_sqs_error(sqs.send_message_batch, "BatchEntryIdsNotDistinct", "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
                     "Id same repeated.",
                     QueueUrl=url, Entries=[{"Id": "same", "MessageBody": "x"}, {"Id": "same", "MessageBody": "y"}])
    expect_sqs_error(sqs.send_message_batch, "InvalidBatchEntryId", "AWS.SimpleQueueService.InvalidBatchEntryId",
                     QueueUrl=url, Entries=[{"Id": "bad id!", "MessageBody": "x"}])
    expect_sqs_error(sqs.delete_message_batch, "EmptyBatchRequest", "AWS.SimpleQueueService.EmptyBatchRequest",
                     "There should be at least one DeleteMessageBatchRequestEntry in the request.",
                     QueueUrl=url, Entries=[])


def test_message_errors(sqs, queue):
    url = queue("msgerr")
    expect_sqs_error(sqs.send_message, "InvalidParameterValueException", "InvalidParameterValue",
                     "One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes.",
                     QueueUrl=url, MessageBody="x" * (1048576 + 1))
    expect_sqs_error(sqs.send_message, "InvalidMessageContents", "InvalidMessageContents",
                     QueueUrl=url, MessageBody="bell \x07")
    expect_sqs_error(sqs.receive_message, "InvalidParameterValueException", "InvalidParameterValue",
                     "Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.",
                     QueueUrl=url, MaxNumberOfMessages=11)
    expect_sqs_error(sqs.receive_message, "InvalidParameterValueException", "InvalidParameterValue",
                     "Value 21 for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.",
                     QueueUrl=url, WaitTimeSeconds=21)
    expect_sqs_error(sqs.delete_message, "ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid",
                     'The input receipt handle "garbage" is not a valid receipt handle.',
                     QueueUrl=url, ReceiptHandle="garbage")
    sqs.send_message(QueueUrl=url, MessageBody="m")
    handle = sqs.receive_message(QueueUrl=url)["Messages"][0]["ReceiptHandle"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=handle)
    expect_sqs_error(sqs.change_message_visibility, "MessageNotInflight", "AWS.SimpleQueueService.MessageNotInflight",
                     QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=10)
    expect_sqs_error(sqs.get_queue_attributes, "InvalidAttributeName", "InvalidAttributeName",
                     "Unknown Attribute Nope.", QueueUrl=url, AttributeNames=["Nope"])


def test_wrong_secret_is_refused(server, queue):
    bad = sqs_client(server.endpoint, secret_key="wrong")
    with pytest.raises(ClientError) as info:
        bad.list_queues()
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert info.value.response["Error"]["Code"] == "InvalidSignatureException"


def test_messages_survive_kill_9(server_factory):
    srv = server_factory("queues-kill")
    client = sqs_client(srv.endpoint)
    url = client.create_queue(QueueName="durable", Attributes={"VisibilityTimeout": "1"})["QueueUrl"]
    sent = [client.send_message(QueueUrl=url, MessageBody=f"m{i}")["MessageId"] for i in range(20)]
    in_flight = client.receive_message(QueueUrl=url, MaxNumberOfMessages=2)["Messages"]
    client.delete_message(QueueUrl=url, ReceiptHandle=in_flight[0]["ReceiptHandle"])
    srv.kill()
    srv.start()
    client = sqs_client(srv.endpoint)
    url = client.get_queue_url(QueueName="durable")["QueueUrl"]
    time.sleep(1.1)  # the second message's visibility timeout runs out
    received = {}
    while True:
        got = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=60).get("Messages", [])
        if not got:
            break
        received.update({m["MessageId"]: m["Body"] for m in got})
    assert sorted(received) == sorted(set(sent) - {in_flight[0]["MessageId"]})


def test_aws_cli(aws_cli):
    name = f"e2e-cli-{uuid.uuid4().hex[:8]}"
    url = json.loads(aws_cli("sqs", "create-queue", "--queue-name", name).stdout)["QueueUrl"]
    try:
        sent = json.loads(aws_cli("sqs", "send-message", "--queue-url", url, "--message-body", "from the cli",
                                  "--message-attributes", '{"k":{"DataType":"String","StringValue":"v"}}').stdout)
        got = json.loads(aws_cli("sqs", "receive-message", "--queue-url", url, "--message-attribute-names", "All",
                                 "--wait-time-seconds", "1").stdout)["Messages"]
        assert [(m["MessageId"], m["Body"]) for m in got] == [(sent["MessageId"], "from the cli")]
        aws_cli("sqs", "delete-message", "--queue-url", url, "--receipt-handle", got[0]["ReceiptHandle"])
        missing = aws_cli("sqs", "get-queue-url", "--queue-name", f"{name}-missing", check=False)
        assert missing.returncode != 0
        assert b"AWS.SimpleQueueService.NonExistentQueue" in missing.stderr
    finally:
        aws_cli("sqs", "delete-queue", "--queue-url", url)


def test_change_message_visibility_batch(sqs, queue):
    url = queue("cmvb")
    for body in ("a", "b"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=60)["Messages"]
    assert len(got) == 2
    result = sqs.change_message_visibility_batch(QueueUrl=url, Entries=[
        {"Id": "now", "ReceiptHandle": got[0]["ReceiptHandle"], "VisibilityTimeout": 0},
        {"Id": "bad", "ReceiptHandle": "nope", "VisibilityTimeout": 0},
    ])
    assert [e["Id"] for e in result["Successful"]] == ["now"]
    assert [(e["Id"], e["Code"]) for e in result["Failed"]] == [("bad", "ReceiptHandleIsInvalid")]
    again = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["MessageId"] for m in again] == [got[0]["MessageId"]]


def test_async_dead_letters_and_on_failure_records_arrive_in_queues(server_factory):
    """Asynchronous invocation delivers to Nimbus's own queues: the DeadLetterConfig gets the
    event with RequestID/ErrorCode/ErrorMessage attributes, the OnFailure destination the record."""
    srv = server_factory("queues-async", extra_args=["--async-delay-scale", "0.01"])
    sqs_c, lam = sqs_client(srv.endpoint), srv.client()
    dlq = sqs_c.create_queue(QueueName="dead-letters")["QueueUrl"]
    dest = sqs_c.create_queue(QueueName="failures")["QueueUrl"]
    name = "fails-always"
    lam.create_function(
        FunctionName=name, Runtime="provided.al2023", Role=f"arn:aws:iam::{ACCOUNT}:role/r", Handler="x",
        Code={"ZipFile": bootstrap_zip(runtime_script("""fail_json '{"errorMessage":"boom","errorType":"Exception"}'"""))},
        DeadLetterConfig={"TargetArn": arn_of(sqs_c, dlq)},
    )
    lam.put_function_event_invoke_config(
        FunctionName=name, MaximumRetryAttempts=0, DestinationConfig={"OnFailure": {"Destination": arn_of(sqs_c, dest)}})
    request_id = lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"n": 1}')["ResponseMetadata"]["RequestId"]

    letter = sqs_c.receive_message(QueueUrl=dlq, WaitTimeSeconds=20, MessageAttributeNames=["All"])["Messages"][0]
    assert json.loads(letter["Body"]) == {"n": 1}
    attributes = letter["MessageAttributes"]
    assert attributes["RequestID"] == {"DataType": "String", "StringValue": request_id}
    assert attributes["ErrorMessage"] == {"DataType": "String", "StringValue": "boom"}
    assert attributes["ErrorCode"]["DataType"] == "Number"
    assert letter["MD5OfMessageAttributes"] == md5_of_attributes(attributes)

    record = json.loads(sqs_c.receive_message(QueueUrl=dest, WaitTimeSeconds=20)["Messages"][0]["Body"])
    assert record["requestContext"]["requestId"] == request_id
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestPayload"] == {"n": 1}


def test_a_long_poll_does_not_hold_up_shutdown(server_factory):
    """A client waiting 20 s in ReceiveMessage gets an empty answer when the server stops,
    so Ctrl-C (SIGTERM) takes a moment, not the rest of the wait."""
    srv = server_factory("long-poll")
    client = sqs_client(srv.endpoint)
    url = client.create_queue(QueueName="waiting")["QueueUrl"]
    answers: list = []

    def poll():
        try:
            answers.append(client.receive_message(QueueUrl=url, WaitTimeSeconds=20).get("Messages", []))
        except Exception as error:  # noqa: BLE001 (recorded for the assertion)
            answers.append(error)

    waiter = threading.Thread(target=poll)
    waiter.start()
    time.sleep(1.0)  # the poll is waiting on the server now
    started = time.monotonic()
    assert srv.stop(timeout=15) == 0
    elapsed = time.monotonic() - started
    waiter.join(timeout=15)
    assert answers == [[]], answers
    assert elapsed < 5, f"shutdown took {elapsed:.1f} s with a long poll open"
