"""Concurrency controls (issue 5): reserved concurrency, throttling with AWS's Reason and
Retry-After, the account limit and UnreservedConcurrentExecutions, and provisioned
concurrency on versions and aliases."""
import json
import threading
import time

from e2e_helpers import (
    ROLE,
    decode_log_result,
    expect_error,
    fn_path,
    invoke,
    load_snapshot,
    raw_request,
    snapshot_keys,
    wait_active,
    wait_for,
    zip_bytes,
)

RESERVED = load_snapshot("test_lambda_api.snapshot.json", "test_function_concurrency")
RESERVED_ERRORS = load_snapshot("test_lambda_api.snapshot.json", "test_function_concurrency_exceptions")
PROVISIONED = load_snapshot("test_lambda_api.snapshot.json", "test_lambda_provisioned_lifecycle")
PROVISIONED_ERRORS = load_snapshot("test_lambda_api.snapshot.json", "test_provisioned_concurrency_exceptions")

APP = r'''
import os, time
def handler(event, context):
    time.sleep(event.get("sleep", 0))
    return {"init": os.environ["AWS_LAMBDA_INITIALIZATION_TYPE"], "version": os.environ["AWS_LAMBDA_FUNCTION_VERSION"],
            "stream": os.environ["AWS_LAMBDA_LOG_STREAM_NAME"]}
'''


def create(client, name, **kwargs):
    client.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
                           Code={"ZipFile": zip_bytes([("app.py", APP, 0o644)])}, Timeout=30, **kwargs)
    return wait_active(client, name)


def recorded(snapshot: dict, key: str, server, name: str) -> str:
    return (snapshot[key]["Error"]["Message"]
            .replace("arn:<partition>:lambda:<region>:111111111111", f"arn:aws:lambda:{server.region}:{server.account}")
            .replace("<function-name:1>", name))


def invoke_raw(server, name: str, payload: dict, qualifier: str | None = None):
    return raw_request(server.endpoint, "POST", fn_path(name, "/invocations"), json.dumps(payload),
                       query={"Qualifier": qualifier} if qualifier else None)


def test_reserved_concurrency_api(server, functions):
    client = server.client()
    name = functions.name()
    create(client, name)
    before = client.get_account_settings()["AccountLimit"]
    put = client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
    assert {k: put[k] for k in snapshot_keys(put)} == {k: v for k, v in RESERVED["put_function_concurrency_with_reserved_1"].items() if k != "ResponseMetadata"}
    assert client.get_function_concurrency(FunctionName=name)["ReservedConcurrentExecutions"] == 1
    assert client.get_function(FunctionName=name)["Concurrency"] == {"ReservedConcurrentExecutions": 1}
    after = client.get_account_settings()["AccountLimit"]
    assert after["UnreservedConcurrentExecutions"] == before["UnreservedConcurrentExecutions"] - 1

    client.delete_function_concurrency(FunctionName=name)
    assert snapshot_keys(client.get_function_concurrency(FunctionName=name)) == snapshot_keys(RESERVED["get_function_concurrency_after_delete"])
    assert "Concurrency" not in client.get_function(FunctionName=name)
    assert client.get_account_settings()["AccountLimit"]["UnreservedConcurrentExecutions"] == before["UnreservedConcurrentExecutions"]

    expect_error(client.put_function_concurrency, "ResourceNotFoundException", 404,
                 recorded(RESERVED_ERRORS, "put_function_concurrency_with_function_name_doesnotexist", server, name).replace("doesnotexist", "doesnotexist"),
                 FunctionName="doesnotexist", ReservedConcurrentExecutions=1)
    expect_error(client.put_function_concurrency, "InvalidParameterValueException", 400,
                 RESERVED_ERRORS["put_function_concurrency_with_qualified_arn"]["Error"]["Message"],
                 FunctionName=server.arn(name) + ":1", ReservedConcurrentExecutions=1)
    limit = after["ConcurrentExecutions"]
    expect_error(client.put_function_concurrency, "InvalidParameterValueException", 400,
                 "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].",
                 FunctionName=name, ReservedConcurrentExecutions=limit)


def test_a_reservation_of_zero_throttles_every_invoke(server, functions):
    client = server.client()
    name = functions.name()
    create(client, name)
    client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    resp = invoke_raw(server, name, {})
    assert resp.status == 429 and resp.error_type == "TooManyRequestsException"
    body = json.loads(resp.body)
    # As AWS sends it (test_lambda.snapshot.json: Reason, Type and a lowercase message).
    assert body == {"Type": "User", "message": "Rate Exceeded.", "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded"}
    # No Retry-After: AWS's recorded reserved-concurrency throttles have no retryAfterSeconds.
    assert "retry-after" not in resp.headers
    expect_error(client.invoke, "TooManyRequestsException", 429, "Rate Exceeded.", FunctionName=name)
    client.delete_function_concurrency(FunctionName=name)
    assert invoke(client, name, {})["StatusCode"] == 200


def test_reserved_concurrency_caps_parallel_invokes(server, functions):
    client = server.client()
    name = functions.name()
    create(client, name)
    client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
    invoke(client, name, {})  # warm, so the slow invoke below is running when the second arrives
    results = {}

    def slow():
        results["slow"] = invoke_raw(server, name, {"sleep": 2})

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.5)
    second = invoke_raw(server, name, {})
    thread.join()
    assert results["slow"].status == 200
    assert second.status == 429
    assert json.loads(second.body)["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"


def test_the_account_limit_throttles_unreserved_functions(server_factory):
    srv = server_factory("limit", extra_args=["--concurrent-executions", "2"])
    client = srv.client()
    create(client, "limited")
    assert client.get_account_settings()["AccountLimit"]["ConcurrentExecutions"] == 2
    invoke(client, "limited", {})
    results = []
    threads = [threading.Thread(target=lambda: results.append(invoke_raw(srv, "limited", {"sleep": 2}))) for _ in range(2)]
    for t in threads:
        t.start()
    time.sleep(0.7)
    third = invoke_raw(srv, "limited", {})
    for t in threads:
        t.join()
    assert sorted(r.status for r in results) == [200, 200]
    assert third.status == 429
    assert json.loads(third.body)["Reason"] == "ConcurrentInvocationLimitExceeded"


def test_provisioned_concurrency_keeps_initialized_environments(server, functions):
    client = server.client()
    name = functions.name()
    create(client, name)
    client.publish_version(FunctionName=name)
    put = client.put_provisioned_concurrency_config(FunctionName=name, Qualifier="1", ProvisionedConcurrentExecutions=2)
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert snapshot_keys(put) == snapshot_keys(PROVISIONED["put_provisioned_on_version"])
    assert put["Status"] == "IN_PROGRESS" and put["RequestedProvisionedConcurrentExecutions"] == 2

    ready = wait_for(lambda: (c := client.get_provisioned_concurrency_config(FunctionName=name, Qualifier="1"))["Status"] == "READY" and c,
                     timeout=30, what="provisioned concurrency READY")
    assert ready["AllocatedProvisionedConcurrentExecutions"] == 2 and ready["AvailableProvisionedConcurrentExecutions"] == 2

    resp = invoke(client, name, {}, Qualifier="1", LogType="Tail")
    assert resp["Json"]["init"] == "provisioned-concurrency" and resp["Json"]["version"] == "1"
    assert "Init Duration" not in decode_log_result(resp)  # initialized ahead of the invoke
    # $LATEST is not provisioned: an on-demand cold start.
    assert invoke(client, name, {})["Json"]["init"] == "on-demand"

    listed = client.list_provisioned_concurrency_configs(FunctionName=name)["ProvisionedConcurrencyConfigs"]
    assert [c["FunctionArn"] for c in listed] == [server.arn(name) + ":1"]

    client.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    expect_error(client.put_provisioned_concurrency_config, "ResourceConflictException", 409,
                 PROVISIONED["put_provisioned_on_alias_versionconflict"]["Error"]["Message"],
                 FunctionName=name, Qualifier="live", ProvisionedConcurrentExecutions=1)
    client.delete_provisioned_concurrency_config(FunctionName=name, Qualifier="1")
    expect_error(client.get_provisioned_concurrency_config, "ProvisionedConcurrencyConfigNotFoundException", 404,
                 PROVISIONED["get_provisioned_version_postdelete"]["Error"]["Message"], FunctionName=name, Qualifier="1")
    client.put_provisioned_concurrency_config(FunctionName=name, Qualifier="live", ProvisionedConcurrentExecutions=1)
    expect_error(client.put_provisioned_concurrency_config, "ResourceConflictException", 409,
                 PROVISIONED["put_provisioned_on_version_conflict"]["Error"]["Message"],
                 FunctionName=name, Qualifier="1", ProvisionedConcurrentExecutions=1)
    wait_for(lambda: client.get_provisioned_concurrency_config(FunctionName=name, Qualifier="live")["Status"] == "READY",
             timeout=30, what="alias provisioned READY")
    assert invoke(client, name, {}, Qualifier="live")["Json"]["init"] == "provisioned-concurrency"
    client.delete_alias(FunctionName=name, Name="live")
    assert client.list_provisioned_concurrency_configs(FunctionName=name)["ProvisionedConcurrencyConfigs"] == []


def test_provisioned_concurrency_errors_match_aws(server, functions):
    client = server.client(parameter_validation=False)
    name = functions.name()
    create(client, name)
    client.publish_version(FunctionName=name)
    cases = [
        ("get", "get_provisioned_config_doesnotexist", dict(FunctionName=name, Qualifier="1")),
        ("get", "get_provisioned_functionname_doesnotexist", dict(FunctionName="doesnotexist", Qualifier="noalias")),
        ("get", "get_provisioned_qualifier_doesnotexist", dict(FunctionName=name, Qualifier="noalias")),
        ("get", "get_provisioned_version_doesnotexist", dict(FunctionName=name, Qualifier="10")),
        ("get", "get_provisioned_latest", dict(FunctionName=name, Qualifier="$LATEST")),
        ("list", "list_provisioned_functionname_doesnotexist", dict(FunctionName="doesnotexist")),
        ("delete", "delete_provisioned_functionname_doesnotexist", dict(FunctionName="doesnotexist", Qualifier="1")),
        ("delete", "delete_provisioned_qualifier_doesnotexist", dict(FunctionName=name, Qualifier="noalias")),
        ("delete", "delete_provisioned_version_doesnotexist", dict(FunctionName=name, Qualifier="10")),
        ("delete", "delete_provisioned_latest", dict(FunctionName=name, Qualifier="$LATEST")),
        ("put", "put_provisioned_invalid_param_0", dict(FunctionName=name, Qualifier="1", ProvisionedConcurrentExecutions=0)),
        ("put", "put_provisioned_functionname_doesnotexist_alias", dict(FunctionName="doesnotexist", Qualifier="noalias", ProvisionedConcurrentExecutions=1)),
        ("put", "put_provisioned_functionname_doesnotexist_version", dict(FunctionName="doesnotexist", Qualifier="1", ProvisionedConcurrentExecutions=1)),
        ("put", "put_provisioned_qualifier_doesnotexist", dict(FunctionName=name, Qualifier="doesnotexist", ProvisionedConcurrentExecutions=1)),
        ("put", "put_provisioned_version_doesnotexist", dict(FunctionName=name, Qualifier="10", ProvisionedConcurrentExecutions=1)),
        ("put", "put_provisioned_latest", dict(FunctionName=name, Qualifier="$LATEST", ProvisionedConcurrentExecutions=1)),
    ]
    calls = {"get": client.get_provisioned_concurrency_config, "list": client.list_provisioned_concurrency_configs,
             "delete": client.delete_provisioned_concurrency_config, "put": client.put_provisioned_concurrency_config}
    for op, key, params in cases:
        error = PROVISIONED_ERRORS[key]["Error"]
        status = PROVISIONED_ERRORS[key]["ResponseMetadata"]["HTTPStatusCode"]
        expected = recorded(PROVISIONED_ERRORS, key, server, name)
        expect_error(calls[op], error["Code"], status, expected, **params)
    assert client.delete_provisioned_concurrency_config(FunctionName=name, Qualifier="1")["ResponseMetadata"]["HTTPStatusCode"] == 204
