"""Error bodies carry the fields AWS sends for each error type, as the recorded AWS
responses show them through boto3: `Type` and `Message` for ResourceNotFoundException,
`Type` and a lowercase `message` for the other modeled types (plus `Reason` for a throttle),
no `Type` for a few InvalidParameterValue errors, and nothing besides `Error` for
ValidationException."""
from __future__ import annotations

import glob
import json
from collections import Counter

import pytest
from botocore.exceptions import ClientError

from e2e_helpers import REFERENCE_DIR, ROLE, fn_path, raw_request, snapshot_keys, zip_bytes

APP = "def handler(event, context):\n    return event\n"


def recorded_keys(code: str, message: str | None = None) -> set:
    """The top-level keys of every recorded AWS error of `code` (and `message`), as boto3 saw them."""
    seen: list[set] = []

    def walk(node):
        if isinstance(node, dict):
            error = node.get("Error")
            if isinstance(error, dict) and error.get("Code") == code and (message is None or message in (error.get("Message") or "")):
                seen.append(snapshot_keys(node))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in glob.glob(str(REFERENCE_DIR / "*.snapshot.json")):
        walk(json.load(open(path)))
    assert seen, f"no recording of {code}"
    # The shape most recordings show (a few other operations, such as code signing
    # configs, answer without Type; pass `message` to pick those out).
    counts = Counter(frozenset(keys) for keys in seen)
    return set(counts.most_common(1)[0][0])


def error_of(call, **kwargs) -> dict:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    return caught.value.response


@pytest.fixture(scope="module")
def function(server):
    client = server.client()
    name = "e2e-error-bodies"
    client.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
                           Code={"ZipFile": zip_bytes([("app.py", APP, 0o644)])})
    client.get_waiter("function_active_v2").wait(FunctionName=name)
    yield name
    client.delete_function(FunctionName=name)


def test_each_error_type_has_awss_fields(server, function):
    client = server.client(parameter_validation=False)  # let the server see MemorySize=100
    version = client.publish_version(FunctionName=function)["Version"]
    cases = [
        ("ResourceNotFoundException", None, error_of(client.get_function, FunctionName="e2e-error-bodies-missing")),
        ("ResourceConflictException", None, error_of(
            client.create_function, FunctionName=function, Runtime="python3.12", Role=ROLE, Handler="app.handler",
            Code={"ZipFile": zip_bytes([("app.py", APP, 0o644)])})),
        ("PreconditionFailedException", None, error_of(
            client.update_function_configuration, FunctionName=function, Timeout=5, RevisionId="not-the-revision")),
        ("InvalidParameterValueException", "We currently do not support adding policies for $LATEST",
         error_of(client.add_permission, FunctionName=function, Qualifier="$LATEST", StatementId="s", Action="lambda:InvokeFunction",
                  Principal="s3.amazonaws.com")),
        ("ProvisionedConcurrencyConfigNotFoundException", None, error_of(
            client.get_provisioned_concurrency_config, FunctionName=function, Qualifier=version)),
        ("ValidationException", None, error_of(client.update_function_configuration, FunctionName=function, MemorySize=100)),
    ]
    for code, message, response in cases:
        assert response["Error"]["Code"] == code, response
        assert snapshot_keys(response) == recorded_keys(code, message), (code, response)


def test_a_throttle_and_a_type_less_invalid_parameter(server, function):
    client = server.client()
    client.put_function_concurrency(FunctionName=function, ReservedConcurrentExecutions=0)
    try:
        throttle = error_of(client.invoke, FunctionName=function)
    finally:
        client.delete_function_concurrency(FunctionName=function)
    assert snapshot_keys(throttle) == recorded_keys("TooManyRequestsException") == {"Error", "Reason", "Type", "message"}

    version = client.publish_version(FunctionName=function)["Version"]
    latest = error_of(client.create_alias, FunctionName=function, Name="mixed", FunctionVersion="$LATEST",
                      RoutingConfig={"AdditionalVersionWeights": {version: 0.5}})
    message = "$LATEST is not supported for an alias pointing to more than 1 version"
    assert latest["Error"]["Message"] == message
    assert snapshot_keys(latest) == recorded_keys("InvalidParameterValueException", message) == {"Error", "message"}


def test_a_bad_signature_is_a_bare_message(server):
    resp = raw_request(server.endpoint, "GET", fn_path("anything"), secret_key="wrong-secret")
    assert resp.status == 403 and resp.error_type == "InvalidSignatureException"
    body = json.loads(resp.body)
    assert list(body) == ["message"] and body["message"].startswith("The request signature we calculated does not match")
