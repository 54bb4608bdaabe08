"""Control-plane API: Create/Get/List/Update/Delete/GetAccountSettings.

Field sets are compared with real-AWS recordings in
/work/shared/reference/aws-recorded-responses/test_lambda_api.snapshot.json.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from urllib.parse import urlparse

import pytest

from e2e_helpers import (
    ACCOUNT,
    LAST_MODIFIED_RE,
    REGION,
    ROLE,
    UUID_RE,
    echo_zip,
    expect_error,
    invoke,
    json_reply_zip,
    load_snapshot,
    sha256_b64,
    snapshot_keys,
    wait_active,
    wait_updated,
)

LIFECYCLE = load_snapshot("test_lambda_api.snapshot.json", "TestLambdaFunction::test_function_lifecycle")
LIST_SNAPSHOT = load_snapshot("test_lambda_api.snapshot.json", "TestLambdaFunction::test_list_functions")


def arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


def assert_recent_last_modified(value: str):
    assert LAST_MODIFIED_RE.match(value), f"LastModified format: {value!r}"
    ts = dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f%z")
    now = dt.datetime.now(dt.timezone.utc)
    assert abs((now - ts).total_seconds()) < 300, f"LastModified {value} is not close to now ({now.isoformat()}): wrong clock/timezone?"


def test_create_function_response_shape(lambda_client, functions, fn_name):
    code = echo_zip()
    resp = functions.create(fn_name, code, wait=False)

    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 201
    expected_keys = snapshot_keys(LIFECYCLE["create_response"]["CreateFunctionResponse"])
    assert snapshot_keys(resp) == expected_keys, (
        f"field set differs from AWS: missing={expected_keys - snapshot_keys(resp)} extra={snapshot_keys(resp) - expected_keys}"
    )
    assert resp["FunctionName"] == fn_name
    assert resp["FunctionArn"] == arn(fn_name)
    assert resp["Runtime"] == "provided.al2023"
    assert resp["Role"] == ROLE
    assert resp["Handler"] == "bootstrap.handler"
    assert resp["CodeSize"] == len(code)
    assert resp["CodeSha256"] == sha256_b64(code)
    assert resp["Description"] == ""
    assert resp["Timeout"] == 3
    assert resp["MemorySize"] == 128
    assert_recent_last_modified(resp["LastModified"])
    assert resp["Version"] == "$LATEST"
    assert re.fullmatch(UUID_RE, resp["RevisionId"]), resp["RevisionId"]
    assert resp["State"] == "Pending"
    assert resp["StateReason"] == "The function is being created."
    assert resp["StateReasonCode"] == "Creating"
    assert resp["PackageType"] == "Zip"
    assert resp["Architectures"] == ["x86_64"]
    assert resp["EphemeralStorage"] == {"Size": 512}
    assert resp["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{fn_name}"}
    assert resp["TracingConfig"] == {"Mode": "PassThrough"}
    assert resp["Environment"] == {"Variables": {}}
    assert resp["SnapStart"] == {"ApplyOn": "None", "OptimizationStatus": "Off"}
    assert resp["RuntimeVersionConfig"]["RuntimeVersionArn"].startswith(f"arn:aws:lambda:{REGION}::runtime:")


def test_get_function_after_create(lambda_client, functions, fn_name):
    code = echo_zip()
    created = functions.create(fn_name, code, wait=False, Description="first", Environment={"Variables": {"ENV_A": "1"}})
    wait_active(lambda_client, fn_name)

    got = lambda_client.get_function(FunctionName=fn_name)
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert set(got) - {"ResponseMetadata"} >= {"Configuration", "Code"}
    assert got["Code"]["RepositoryType"] == "S3"
    loc = urlparse(got["Code"]["Location"])
    assert loc.scheme in ("http", "https") and loc.netloc, got["Code"]["Location"]

    cfg = got["Configuration"]
    expected_keys = snapshot_keys(LIFECYCLE["get_function_response"]["Configuration"])
    assert set(cfg) == expected_keys, f"missing={expected_keys - set(cfg)} extra={set(cfg) - expected_keys}"
    assert cfg["State"] == "Active"
    assert cfg["LastUpdateStatus"] == "Successful"
    assert cfg["FunctionArn"] == arn(fn_name)
    assert cfg["CodeSha256"] == sha256_b64(code)
    assert cfg["CodeSize"] == len(code)
    assert cfg["Description"] == "first"
    assert cfg["Environment"] == {"Variables": {"ENV_A": "1"}}
    assert cfg["LastModified"] == created["LastModified"]
    assert cfg["Version"] == "$LATEST"

    conf = lambda_client.get_function_configuration(FunctionName=fn_name)
    conf.pop("ResponseMetadata")
    assert conf == cfg


def test_update_function_configuration(lambda_client, functions, fn_name):
    created = functions.create(fn_name, Runtime="provided.al2")
    before = lambda_client.get_function_configuration(FunctionName=fn_name)

    upd = lambda_client.update_function_configuration(
        FunctionName=fn_name,
        Environment={"Variables": {"ENV_A": "a", "ENV_B": "b b"}},
        Timeout=10,
        MemorySize=512,
        Handler="other.handler",
        Runtime="provided.al2023",
        Description="Changed-Description",
        EphemeralStorage={"Size": 1024},
    )
    assert upd["ResponseMetadata"]["HTTPStatusCode"] == 200
    expected_keys = snapshot_keys(LIFECYCLE["update_func_conf_response"])
    assert snapshot_keys(upd) == expected_keys, f"missing={expected_keys - snapshot_keys(upd)} extra={snapshot_keys(upd) - expected_keys}"
    assert upd["LastUpdateStatus"] == "InProgress"
    assert upd["LastUpdateStatusReason"] == "The function is being created."
    assert upd["LastUpdateStatusReasonCode"] == "Creating"
    assert upd["State"] == "Active"
    assert upd["Environment"] == {"Variables": {"ENV_A": "a", "ENV_B": "b b"}}
    assert upd["Timeout"] == 10
    assert upd["MemorySize"] == 512
    assert upd["Handler"] == "other.handler"
    assert upd["Runtime"] == "provided.al2023"
    assert upd["Description"] == "Changed-Description"
    assert upd["EphemeralStorage"] == {"Size": 1024}
    assert upd["CodeSha256"] == created["CodeSha256"]
    assert re.fullmatch(UUID_RE, upd["RevisionId"])
    assert upd["RevisionId"] != before["RevisionId"]
    assert_recent_last_modified(upd["LastModified"])
    assert upd["LastModified"] >= before["LastModified"]

    after = wait_updated(lambda_client, fn_name)
    expected_keys = snapshot_keys(LIFECYCLE["get_function_response_postupdate"]["Configuration"])
    assert set(after) - {"ResponseMetadata"} == expected_keys
    for key in ("Environment", "Timeout", "MemorySize", "Handler", "Runtime", "Description", "EphemeralStorage"):
        assert after[key] == upd[key], key
    assert after["RevisionId"] != before["RevisionId"]

    # A partial update leaves the other fields alone.
    upd2 = lambda_client.update_function_configuration(FunctionName=fn_name, Timeout=20)
    assert upd2["Timeout"] == 20
    assert upd2["MemorySize"] == 512
    assert upd2["Environment"] == {"Variables": {"ENV_A": "a", "ENV_B": "b b"}}
    assert upd2["Description"] == "Changed-Description"
    assert upd2["RevisionId"] != upd["RevisionId"]


def test_update_function_code(lambda_client, functions, fn_name):
    created = functions.create(fn_name, json_reply_zip({"version": 1}))
    new_code = json_reply_zip({"version": 2})
    assert sha256_b64(new_code) != created["CodeSha256"]

    upd = lambda_client.update_function_code(FunctionName=fn_name, ZipFile=new_code)
    assert upd["ResponseMetadata"]["HTTPStatusCode"] == 200
    expected_keys = snapshot_keys(LIFECYCLE["update_code_response"])
    assert snapshot_keys(upd) == expected_keys, f"missing={expected_keys - snapshot_keys(upd)} extra={snapshot_keys(upd) - expected_keys}"
    assert upd["CodeSha256"] == sha256_b64(new_code)
    assert upd["CodeSize"] == len(new_code)
    assert upd["LastUpdateStatus"] == "InProgress"
    assert upd["LastUpdateStatusReasonCode"] == "Creating"
    assert upd["RevisionId"] != created["RevisionId"]

    after = wait_updated(lambda_client, fn_name)
    assert after["CodeSha256"] == sha256_b64(new_code)
    assert after["CodeSize"] == len(new_code)
    got = lambda_client.get_function(FunctionName=fn_name)
    assert got["Configuration"]["CodeSha256"] == sha256_b64(new_code)


def test_delete_function(lambda_client, functions, fn_name):
    functions.create(fn_name)
    resp = lambda_client.delete_function(FunctionName=fn_name)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 204
    msg = f"Function not found: {arn(fn_name)}"
    expect_error(lambda_client.get_function, "ResourceNotFoundException", 404, msg, FunctionName=fn_name)
    expect_error(lambda_client.delete_function, "ResourceNotFoundException", 404, msg, FunctionName=fn_name)
    names = [f["FunctionName"] for f in lambda_client.get_paginator("list_functions").paginate().build_full_result()["Functions"]]
    assert fn_name not in names


def test_recreate_after_delete(lambda_client, functions, fn_name):
    first = functions.create(fn_name, json_reply_zip({"generation": 1}))
    lambda_client.delete_function(FunctionName=fn_name)
    second = functions.create(fn_name, json_reply_zip({"generation": 2}))
    assert second["CodeSha256"] != first["CodeSha256"]
    assert invoke(lambda_client, fn_name)["Json"]["generation"] == 2


def _list_all_manual(client, page_size):
    pages, marker = [], None
    for _ in range(1000):
        kwargs = {"MaxItems": page_size}
        if marker:
            kwargs["Marker"] = marker
        resp = client.list_functions(**kwargs)
        pages.append(resp["Functions"])
        marker = resp.get("NextMarker")
        if not marker:
            return pages
    raise AssertionError("ListFunctions never stopped returning NextMarker")


def test_list_functions_pagination(lambda_client, functions):
    names = {functions.create(functions.name(), wait=False)["FunctionName"] for _ in range(5)}

    pages = _list_all_manual(lambda_client, 2)
    assert all(len(p) <= 2 for p in pages), [len(p) for p in pages]
    assert len(pages) >= 3
    listed = [f["FunctionName"] for p in pages for f in p]
    assert len(listed) == len(set(listed)), f"duplicates across pages: {listed}"
    assert names <= set(listed)

    # boto3's paginator must walk every page too.
    full = lambda_client.get_paginator("list_functions").paginate(PaginationConfig={"PageSize": 2}).build_full_result()
    via_paginator = [f["FunctionName"] for f in full["Functions"]]
    assert sorted(via_paginator) == sorted(listed)

    # Without MaxItems everything (well below AWS's 50 cap) comes in one page.
    one = lambda_client.list_functions()
    assert names <= {f["FunctionName"] for f in one["Functions"]}


def test_list_functions_entry_shape(lambda_client, functions, fn_name):
    code = echo_zip()
    functions.create(fn_name, code)
    entries = [
        f
        for f in lambda_client.get_paginator("list_functions").paginate().build_full_result()["Functions"]
        if f["FunctionName"] == fn_name
    ]
    assert len(entries) == 1
    entry = entries[0]
    expected_keys = set(LIST_SNAPSHOT["list_default"]["Functions"][0])
    assert set(entry) == expected_keys, f"missing={expected_keys - set(entry)} extra={set(entry) - expected_keys}"
    assert entry["FunctionArn"] == arn(fn_name)
    assert entry["CodeSha256"] == sha256_b64(code)
    assert entry["Version"] == "$LATEST"


@pytest.mark.parametrize("form", ["name", "partial_arn", "full_arn"])
def test_name_forms_get_invoke_delete(lambda_client, functions, fn_name, form):
    functions.create(fn_name, json_reply_zip({"who": "me"}))
    ident = {"name": fn_name, "partial_arn": f"{ACCOUNT}:function:{fn_name}", "full_arn": arn(fn_name)}[form]

    got = lambda_client.get_function(FunctionName=ident)
    assert got["Configuration"]["FunctionName"] == fn_name
    assert got["Configuration"]["FunctionArn"] == arn(fn_name)
    conf = lambda_client.get_function_configuration(FunctionName=ident)
    assert conf["FunctionName"] == fn_name

    res = invoke(lambda_client, ident, {})
    assert res["StatusCode"] == 200 and res["Json"]["who"] == "me"

    assert lambda_client.delete_function(FunctionName=ident)["ResponseMetadata"]["HTTPStatusCode"] == 204
    expect_error(lambda_client.get_function, "ResourceNotFoundException", 404, f"Function not found: {arn(fn_name)}", FunctionName=fn_name)


def test_create_with_explicit_settings(lambda_client, functions, fn_name):
    resp = functions.create(
        fn_name,
        wait=False,
        Runtime="provided",
        Description="my description",
        Timeout=900,
        MemorySize=10240,
        EphemeralStorage={"Size": 10240},
        Environment={"Variables": {"K1": "v1", "K2": ""}},
        Architectures=["x86_64"],
    )
    assert resp["Runtime"] == "provided"
    assert resp["Description"] == "my description"
    assert resp["Timeout"] == 900
    assert resp["MemorySize"] == 10240
    assert resp["EphemeralStorage"] == {"Size": 10240}
    assert resp["Environment"] == {"Variables": {"K1": "v1", "K2": ""}}
    cfg = wait_active(lambda_client, fn_name)
    assert (cfg["Timeout"], cfg["MemorySize"], cfg["Runtime"]) == (900, 10240, "provided")


def test_account_settings(lambda_client, functions):
    before = lambda_client.get_account_settings()
    assert before["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert set(before) - {"ResponseMetadata"} == {"AccountLimit", "AccountUsage"}
    assert set(before["AccountLimit"]) == {
        "TotalCodeSize",
        "CodeSizeUnzipped",
        "CodeSizeZipped",
        "ConcurrentExecutions",
        "UnreservedConcurrentExecutions",
    }
    assert set(before["AccountUsage"]) == {"TotalCodeSize", "FunctionCount"}
    limit = before["AccountLimit"]
    assert limit["CodeSizeUnzipped"] == 262144000
    assert limit["CodeSizeZipped"] == 52428800
    assert all(isinstance(v, int) and v > 0 for v in limit.values()), limit
    assert limit["UnreservedConcurrentExecutions"] <= limit["ConcurrentExecutions"]

    code = echo_zip()
    functions.create(functions.name(), code, wait=False)
    after = lambda_client.get_account_settings()
    assert after["AccountUsage"]["FunctionCount"] == before["AccountUsage"]["FunctionCount"] + 1
    assert after["AccountUsage"]["TotalCodeSize"] == before["AccountUsage"]["TotalCodeSize"] + len(code)

    # Usage agrees with ListFunctions.
    listed = lambda_client.get_paginator("list_functions").paginate().build_full_result()["Functions"]
    assert after["AccountUsage"]["FunctionCount"] == len(listed)


def test_cli_create_and_get(aws_cli, tmp_path, functions, fn_name):
    code = echo_zip()
    (tmp_path / "fn.zip").write_bytes(code)
    proc = aws_cli(
        "lambda", "create-function",
        "--function-name", fn_name,
        "--runtime", "provided.al2",
        "--role", ROLE,
        "--handler", "bootstrap",
        "--zip-file", f"fileb://{tmp_path / 'fn.zip'}",
    )
    functions.created.append(fn_name)
    out = json.loads(proc.stdout)
    assert out["FunctionArn"] == arn(fn_name)
    assert out["CodeSha256"] == sha256_b64(code)

    proc = aws_cli("lambda", "get-function", "--function-name", fn_name)
    assert json.loads(proc.stdout)["Configuration"]["FunctionName"] == fn_name
    proc = aws_cli("lambda", "list-functions")
    assert fn_name in [f["FunctionName"] for f in json.loads(proc.stdout)["Functions"]]


def test_custom_account_and_region(server_factory):
    """--account-id / --region flow into ARNs, log groups and the runtime env."""
    srv = server_factory("acct", extra_args=["--account-id", "123456789012", "--region", "eu-west-1"],
                         account="123456789012", region="eu-west-1")
    client = srv.client()
    from e2e_helpers import bootstrap_zip, runtime_script

    zip_ = bootstrap_zip(runtime_script('respond_json "{\\"region\\": \\"$AWS_REGION\\"}"'))
    resp = client.create_function(FunctionName="regional", Runtime="provided.al2023", Role="arn:aws:iam::123456789012:role/r",
                                  Handler="x", Code={"ZipFile": zip_})
    assert resp["FunctionArn"] == "arn:aws:lambda:eu-west-1:123456789012:function:regional"
    wait_active(client, "regional")
    assert client.get_function(FunctionName="arn:aws:lambda:eu-west-1:123456789012:function:regional")["Configuration"]["FunctionName"] == "regional"
    res = invoke(client, "regional", {})
    assert res["Json"] == {"region": "eu-west-1"}
    expect_error(client.get_function, "ResourceNotFoundException", 404,
                 "Function not found: arn:aws:lambda:eu-west-1:123456789012:function:nope", FunctionName="nope")


@pytest.mark.parametrize("form", ["name:$LATEST", "full_arn:$LATEST"])
def test_qualified_name_forms(lambda_client, functions, fn_name, form):
    functions.create(fn_name, json_reply_zip({"who": "qualified"}))
    ident = {"name:$LATEST": f"{fn_name}:$LATEST", "full_arn:$LATEST": f"{arn(fn_name)}:$LATEST"}[form]
    res = invoke(lambda_client, ident, {})
    assert res["StatusCode"] == 200 and res["Json"]["who"] == "qualified"
    assert res["ExecutedVersion"] == "$LATEST"
    assert lambda_client.get_function_configuration(FunctionName=ident)["FunctionName"] == fn_name


def test_list_functions_caps_pages_at_50(server_factory):
    """ListFunctions returns at most 50 items per response even if MaxItems is higher."""
    srv = server_factory("many")
    client = srv.client()
    code = echo_zip()
    for i in range(55):
        client.create_function(FunctionName=f"many-{i:02d}", Runtime="provided.al2023", Role=ROLE, Handler="b",
                               Code={"ZipFile": code})
    first = client.list_functions(MaxItems=1000)
    assert len(first["Functions"]) == 50
    assert first.get("NextMarker")
    rest = client.list_functions(Marker=first["NextMarker"], MaxItems=1000)
    assert len(rest["Functions"]) == 5 and not rest.get("NextMarker")
    names = [f["FunctionName"] for f in first["Functions"] + rest["Functions"]]
    assert sorted(names) == [f"many-{i:02d}" for i in range(55)]
    assert client.get_account_settings()["AccountUsage"]["FunctionCount"] == 55


def test_code_location_downloads_the_zip(lambda_client, functions, fn_name):
    """FunctionCodeLocation.Location is 'a presigned URL that you can use to download the deployment package'."""
    import hashlib
    import urllib3

    code = json_reply_zip({"download": "me"})
    functions.create(fn_name, code)
    loc = lambda_client.get_function(FunctionName=fn_name)["Code"]["Location"]
    r = urllib3.PoolManager().request("GET", loc, timeout=urllib3.Timeout(connect=5, read=30), retries=False)
    assert r.status == 200, (r.status, r.data[:200])
    assert hashlib.sha256(r.data).digest() == hashlib.sha256(code).digest()


def test_functions_with_identical_code_are_independent(lambda_client, functions):
    """Two functions uploaded with byte-identical zips: deleting or updating one must not affect the other."""
    code = json_reply_zip({"shared": True})
    a, b = functions.name(), functions.name()
    functions.create(a, code)
    functions.create(b, code)
    assert invoke(lambda_client, a, {})["Json"]["shared"] is True
    lambda_client.delete_function(FunctionName=a)
    res = invoke(lambda_client, b, {})  # b is cold: its code must still be there
    assert "FunctionError" not in res, res["Body"]
    assert res["Json"]["shared"] is True
    functions.create(a, code)
    lambda_client.update_function_code(FunctionName=a, ZipFile=json_reply_zip({"shared": False}))
    wait_updated(lambda_client, a)
    assert invoke(lambda_client, a, {})["Json"]["shared"] is False
    lambda_client.update_function_configuration(FunctionName=b, Description="cold again")  # force a fresh environment
    wait_updated(lambda_client, b)
    res = invoke(lambda_client, b, {})
    assert "FunctionError" not in res, res["Body"]
    assert res["Json"]["shared"] is True


def test_concurrent_creates_of_same_name(lambda_client, functions, fn_name):
    """Racing creates of one name: exactly one wins, the rest get ResourceConflictException."""
    from concurrent.futures import ThreadPoolExecutor

    from botocore.exceptions import ClientError

    def attempt(i):
        try:
            lambda_client.create_function(FunctionName=fn_name, Runtime="provided.al2023", Role=ROLE, Handler="b",
                                          Code={"ZipFile": json_reply_zip({"winner": i})})
            return ("ok", i)
        except ClientError as e:
            return (e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"])

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(attempt, range(8)))
    winners = [r for r in results if r[0] == "ok"]
    assert len(winners) == 1, results
    assert all(r == ("ResourceConflictException", 409) for r in results if r[0] != "ok"), results
    wait_active(lambda_client, fn_name)
    assert invoke(lambda_client, fn_name, {})["Json"]["winner"] == winners[0][1]


def test_dead_letter_config_is_kept_and_removable(lambda_client, functions):
    """DeadLetterConfig is stored and reported (delivery needs queues, a later issue)."""
    name = functions.name()
    queue = "arn:aws:sqs:us-east-1:000000000000:dlq"
    created = functions.create(name, DeadLetterConfig={"TargetArn": queue})
    assert created["DeadLetterConfig"] == {"TargetArn": queue}
    assert lambda_client.get_function_configuration(FunctionName=name)["DeadLetterConfig"] == {"TargetArn": queue}
    lambda_client.update_function_configuration(FunctionName=name, DeadLetterConfig={"TargetArn": ""})
    assert "DeadLetterConfig" not in lambda_client.get_function_configuration(FunctionName=name)
    expect_error(lambda_client.update_function_configuration, "InvalidParameterValueException", 400,
                 "Invalid dead letter queue ARN: ARNs must start with 'arn:': dlq", FunctionName=name,
                 DeadLetterConfig={"TargetArn": "dlq"})
    expect_error(functions.create, "InvalidParameterValueException", 400,
                 "Invalid dead letter queue ARN: ARNs must start with 'arn:': ", name=name + "x",
                 DeadLetterConfig={"TargetArn": ""})
