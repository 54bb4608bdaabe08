"""Function URLs: the configuration API against AWS's recorded answers, and real HTTP
requests (curl and urllib) through the host-name and the /_nimbus/url/ path addressing."""
import base64
import json
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from e2e_helpers import ACCESS_KEY, REGION, SECRET_KEY, expect_error, load_snapshot, snapshot_keys, zip_bytes

APP = r'''
import base64, json

def handler(event, context):
    path = event["rawPath"]
    if path.startswith("/echo"):
        return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(event)}
    if path == "/dict":
        return {"hello": "world"}
    if path == "/string":
        return "hello"
    if path == "/list":
        return ["hello", 3, True]
    if path == "/teapot":
        return {"statusCode": "418", "body": "i'm a teapot", "cookies": ["a=1; Path=/", "b=2"], "headers": {"X-Custom": "yes"}}
    if path == "/binary":
        return {"statusCode": 200, "headers": {"content-type": "application/octet-stream"}, "isBase64Encoded": True,
                "body": base64.b64encode(bytes(range(256))).decode()}
    if path == "/fail":
        raise ValueError("boom")
    return {"statusCode": 404, "body": "nope"}
'''

API = "test_lambda_api.snapshot.json"
INVOKE = "test_lambda.snapshot.json"
VALIDATION = ("1 validation error detected: Value '{}' at 'qualifier' failed to satisfy constraint: "
              "Member must satisfy regular expression pattern: ((?!^\\d+$)^[0-9a-zA-Z-_]+$)")


@pytest.fixture
def app(functions):
    code = zip_bytes([("app.py", APP, 0o644)])
    return functions.create(zip_bytes=code, Runtime="python3.12", Handler="app.handler")["FunctionName"]


def url_id(url: str) -> str:
    return url.split("//")[1].split(".")[0]


def prefixed(server, url: str, path: str = "/") -> str:
    return f"{server.endpoint}/_nimbus/url/{url_id(url)}{path}"


def fetch(url: str, data: bytes | None = None, headers: dict | None = None, method: str | None = None):
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def curl(*args: str) -> tuple[int, dict, bytes]:
    out = subprocess.run(["curl", "-sS", "-i", "--max-time", "60", *args], capture_output=True, check=True, timeout=90).stdout
    head, _, body = out.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    status = int(lines[0].split()[1])
    headers: dict[str, list[str]] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.setdefault(name.strip().lower(), []).append(value.strip())
    return status, headers, body


def test_config_lifecycle_matches_recorded(lambda_client, app, server):
    recorded = load_snapshot(API, "TestLambdaUrl::test_url_config_lifecycle")
    created = lambda_client.create_function_url_config(FunctionName=app, AuthType="NONE")
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert snapshot_keys(created) == snapshot_keys(recorded["url_creation"])
    assert created["FunctionArn"] == server.arn(app)
    assert created["FunctionUrl"].startswith("http://") and ".lambda-url.us-east-1.localhost:" in created["FunctionUrl"]
    assert len(url_id(created["FunctionUrl"])) == 32 and url_id(created["FunctionUrl"]).isalnum()
    expect_error(lambda_client.create_function_url_config, "ResourceConflictException", 409,
                 recorded["failed_duplication"]["Error"]["Message"].replace("arn:<partition>:lambda:<region>:111111111111:function:<resource:1>", server.arn(app)),
                 FunctionName=app, AuthType="NONE")
    got = lambda_client.get_function_url_config(FunctionName=app)
    assert snapshot_keys(got) == snapshot_keys(recorded["get_url_config"])
    assert got["InvokeMode"] == "BUFFERED" and got["FunctionUrl"] == created["FunctionUrl"]
    updated = lambda_client.update_function_url_config(FunctionName=app, AuthType="AWS_IAM")
    assert snapshot_keys(updated) == snapshot_keys(recorded["updated_url_config"])
    assert updated["AuthType"] == "AWS_IAM" and updated["CreationTime"] == created["CreationTime"]
    assert lambda_client.delete_function_url_config(FunctionName=app)["ResponseMetadata"]["HTTPStatusCode"] == 204
    expect_error(lambda_client.get_function_url_config, "ResourceNotFoundException", 404,
                 recorded["failed_getter"]["Error"]["Message"], FunctionName=app)


def test_config_errors_match_recorded(lambda_client, app, server):
    recorded = load_snapshot(API, "TestLambdaUrl::test_url_config_exceptions")
    missing = "e2e-no-such-function-urls"
    for op, key in [(lambda_client.create_function_url_config, "create"), (lambda_client.update_function_url_config, "update")]:
        message = recorded[f"{key}_function_url_config_name_doesnotexist"]["Error"]["Message"]
        expect_error(op, "ResourceNotFoundException", 404, message, FunctionName=missing, AuthType="NONE")
    for op, key in [(lambda_client.get_function_url_config, "get"), (lambda_client.delete_function_url_config, "delete")]:
        message = recorded[f"{key}_function_url_config_name_doesnotexist"]["Error"]["Message"]
        expect_error(op, "ResourceNotFoundException", 404, message, FunctionName=missing)
        expect_error(op, "ResourceNotFoundException", 404, message, FunctionName=app)  # no config yet
        expect_error(op, "ResourceNotFoundException", 404, message, FunctionName=app, Qualifier="noalias")
    for qualifier in ["1", "2", "$LATEST"]:
        expect_error(lambda_client.create_function_url_config, "ValidationException", 400, VALIDATION.format(qualifier),
                     FunctionName=app, Qualifier=qualifier, AuthType="NONE")
        expect_error(lambda_client.get_function_url_config, "ValidationException", 400, VALIDATION.format(qualifier),
                     FunctionName=app, Qualifier=qualifier)
    assert recorded["create_function_url_config_qualifier_latest"]["Error"]["Message"] == VALIDATION.format("$LATEST")
    expect_error(lambda_client.create_function_url_config, "ResourceNotFoundException", 404, "Function does not exist",
                 FunctionName=app, Qualifier="noalias", AuthType="NONE")
    expect_error(lambda_client.create_function_url_config, "InvalidParameterValueException", 400,
                 recorded["create_function_url_config_qualifier_alias_doesnotmatch_arn"]["Error"]["Message"],
                 FunctionName=server.arn(app) + ":one", Qualifier="other", AuthType="NONE")
    expect_error(lambda_client.update_function_url_config, "ResourceNotFoundException", 404,
                 recorded["update_function_url_config_config_doesnotexist"]["Error"]["Message"], FunctionName=app)
    invalid = load_snapshot(INVOKE, "test_lambda_url_invalid_invoke_mode")["invoke_function_invalid_invoke_type"]
    expect_error(lambda_client.create_function_url_config, "ValidationException", 400, invalid["Error"]["Message"],
                 FunctionName=app, AuthType="NONE", InvokeMode="UNKNOWN")
    listing = load_snapshot(API, "test_url_config_list_paging")
    expect_error(lambda_client.list_function_url_configs, "ResourceNotFoundException", 404,
                 listing["list_function_notfound"]["Error"]["Message"], FunctionName=missing)


def test_alias_urls_listing_and_function_delete(lambda_client, functions, app):
    recorded = load_snapshot(API, "test_url_config_list_paging")
    assert lambda_client.list_function_url_configs(FunctionName=app)["FunctionUrlConfigs"] == recorded["list_all_empty"]["FunctionUrlConfigs"]
    version = lambda_client.publish_version(FunctionName=app)["Version"]
    lambda_client.create_alias(FunctionName=app, Name="urlalias", FunctionVersion=version)
    plain = lambda_client.create_function_url_config(FunctionName=app, AuthType="NONE")
    aliased = lambda_client.create_function_url_config(FunctionName=app, Qualifier="urlalias", AuthType="NONE")
    assert aliased["FunctionArn"].endswith(":urlalias") and aliased["FunctionUrl"] != plain["FunctionUrl"]
    listed = lambda_client.list_function_url_configs(FunctionName=app)["FunctionUrlConfigs"]
    assert [c["FunctionArn"] for c in listed] == [plain["FunctionArn"], aliased["FunctionArn"]]
    assert [set(c) for c in listed] == [set(c) for c in recorded["list_all"]["FunctionUrlConfigs"]]
    page = lambda_client.list_function_url_configs(FunctionName=app, MaxItems=1)
    assert len(page["FunctionUrlConfigs"]) == 1 and "NextMarker" in page
    rest = lambda_client.list_function_url_configs(FunctionName=app, Marker=page["NextMarker"])
    assert [c["FunctionArn"] for c in rest["FunctionUrlConfigs"]] == [aliased["FunctionArn"]]
    status, _, body = fetch(f"{lambda_client.meta.endpoint_url}/_nimbus/url/{url_id(aliased['FunctionUrl'])}/dict")
    assert (status, body) == (200, b'{"hello":"world"}')
    # Deleting the function deletes its URLs; a new function of that name has none.
    lambda_client.delete_function(FunctionName=app)
    functions.create(name=app, zip_bytes=zip_bytes([("app.py", APP, 0o644)]), Runtime="python3.12", Handler="app.handler")
    assert lambda_client.list_function_url_configs(FunctionName=app)["FunctionUrlConfigs"] == []
    status, headers, body = fetch(f"{lambda_client.meta.endpoint_url}/_nimbus/url/{url_id(plain['FunctionUrl'])}/dict")
    assert (status, body) == (403, b'{"Message":null}')


def test_invoke_mode_updates_match_recorded(lambda_client, app):
    recorded = load_snapshot(INVOKE, "test_lambda_update_function_url_config")
    created = lambda_client.create_function_url_config(FunctionName=app, AuthType="NONE", InvokeMode="BUFFERED")
    assert snapshot_keys(created) == snapshot_keys(recorded["create_lambda_url_config"])
    modified = lambda_client.update_function_url_config(FunctionName=app, InvokeMode="RESPONSE_STREAM")
    assert snapshot_keys(modified) == snapshot_keys(recorded["modify_lambda_url_config"]) and modified["InvokeMode"] == "RESPONSE_STREAM"
    unchanged = lambda_client.update_function_url_config(FunctionName=app)
    assert unchanged["InvokeMode"] == recorded["modify_lambda_url_config_none"]["InvokeMode"]
    assert lambda_client.get_function_url_config(FunctionName=app)["InvokeMode"] == "RESPONSE_STREAM"


def test_requests_through_host_name_and_prefix(lambda_client, app, server):
    url = lambda_client.create_function_url_config(FunctionName=app, AuthType="NONE")["FunctionUrl"]
    # curl resolves *.localhost to the loopback itself: the FunctionUrl works as is.
    status, headers, body = curl("-X", "POST", f"{url}echo/a%20b?x=1&x=2&y=z", "-H", "Content-Type: application/json",
                                 "-H", "Cookie: c1=v1; c2=v2", "-H", "X-Multi: one", "-H", "X-Multi: two", "-d", '{"k": 1}')
    assert status == 200, body
    event = json.loads(body)
    assert event["rawPath"] == "/echo/a%20b" and event["rawQueryString"] == "x=1&x=2&y=z"
    assert event["queryStringParameters"] == {"x": "1,2", "y": "z"}
    assert event["cookies"] == ["c1=v1", "c2=v2"] and "cookie" not in event["headers"]
    assert event["headers"]["x-multi"] == "one,two"
    assert event["body"] == '{"k": 1}' and event["isBase64Encoded"] is False
    ctx = event["requestContext"]
    assert ctx["apiId"] == url_id(url) and ctx["domainPrefix"] == url_id(url) and ctx["http"]["method"] == "POST"
    assert ctx["http"]["sourceIp"] == "127.0.0.1" and ctx["http"]["userAgent"].startswith("curl/")
    assert ctx["stage"] == "$default" and ctx["routeKey"] == "$default" and "authorizer" not in ctx
    assert headers["x-amzn-requestid"][0] == ctx["requestId"]

    # The same URL through the path prefix, with urllib; a binary body arrives base64.
    blob = bytes(range(256))
    status, _, body = fetch(prefixed(server, url, "/echo/bin"), data=blob, headers={"Content-Type": "application/octet-stream"})
    event = json.loads(body)
    assert status == 200 and event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == blob
    assert event["rawPath"] == "/echo/bin"
    status, _, body = fetch(prefixed(server, url, "/echo"))
    assert "body" not in json.loads(body) and json.loads(body)["rawQueryString"] == ""

    # The result mapping, as AWS's recorded answers (test_lambda_url_invocation).
    for path, case in [("/dict", "dict"), ("/string", "string"), ("/list", "list-mixed")]:
        recorded = load_snapshot(INVOKE, f"test_lambda_url_invocation[{case}]")["lambda_url_invocation"]
        status, headers, body = curl(f"{url.rstrip('/')}{path}")
        expected = recorded["content"] if isinstance(recorded["content"], str) else json.dumps(recorded["content"], separators=(",", ":"))
        assert (status, body.decode()) == (recorded["statuscode"], expected)
        assert headers["content-type"] == [recorded["headers"]["Content-Type"]]
        assert headers["content-length"] == [recorded["headers"]["Content-Length"]]
    status, headers, body = curl(f"{url}teapot")
    assert (status, body) == (418, b"i'm a teapot")
    assert headers["set-cookie"] == ["a=1; Path=/", "b=2"] and headers["x-custom"] == ["yes"]
    status, headers, body = fetch(prefixed(server, url, "/binary"))
    assert (status, body, headers["Content-Type"]) == (200, bytes(range(256)), "application/octet-stream")
    status, _, body = curl(f"{url}fail")
    assert (status, body) == (502, b"Internal Server Error")
    status, headers, body = curl(f"http://{'0' * 32}.lambda-url.us-east-1.localhost:{server.port}/")
    assert (status, body, headers["x-amzn-errortype"]) == (403, b'{"Message":null}', ["AccessDeniedException"])


def test_cors(lambda_client, app, server):
    cors = {"AllowOrigins": ["https://example.com"], "AllowMethods": ["GET", "POST"], "AllowHeaders": ["x-custom"],
            "ExposeHeaders": ["x-custom"], "MaxAge": 300, "AllowCredentials": True}
    created = lambda_client.create_function_url_config(FunctionName=app, AuthType="NONE", Cors=cors)
    assert created["Cors"] == cors and lambda_client.get_function_url_config(FunctionName=app)["Cors"] == cors
    url = created["FunctionUrl"]
    status, headers, body = curl("-X", "OPTIONS", f"{url}teapot", "-H", "Origin: https://example.com",
                                 "-H", "Access-Control-Request-Method: POST")
    assert status == 200 and body == b""
    assert headers["access-control-allow-origin"] == ["https://example.com"]
    assert headers["access-control-allow-methods"] == ["GET,POST"] and headers["access-control-max-age"] == ["300"]
    assert headers["access-control-allow-headers"] == ["x-custom"] and headers["access-control-allow-credentials"] == ["true"]
    status, headers, _ = curl(f"{url}teapot", "-H", "Origin: https://example.com")
    assert status == 418 and headers["access-control-allow-origin"] == ["https://example.com"]
    assert headers["access-control-expose-headers"] == ["x-custom"]
    status, headers, _ = curl(f"{url}teapot", "-H", "Origin: https://evil.example")
    assert status == 418 and "access-control-allow-origin" not in headers
    expect_error(lambda_client.update_function_url_config, "ValidationException", 400,
                 "1 validation error detected: Value '86401' at 'cors.maxAge' failed to satisfy constraint: Member must have value less than or equal to 86400",
                 FunctionName=app, Cors={"MaxAge": 86401})


def test_aws_iam_auth(lambda_client, app, server):
    url = lambda_client.create_function_url_config(FunctionName=app, AuthType="AWS_IAM")["FunctionUrl"]
    forbidden = load_snapshot(INVOKE, "test_lambda_url_persists_after_alias_delete")["invoke_deleted_alias_url_response_delayed"]
    status, headers, body = curl(f"{url}echo")
    assert (status, json.loads(body)) == (403, forbidden["content"])
    assert headers["x-amzn-errortype"] == [forbidden["headers"]["x-amzn-ErrorType"]]
    for target in [f"{url}echo?q=1", prefixed(server, url, "/echo?q=1")]:
        request = AWSRequest(method="POST", url=target, data=b"signed", headers={"Content-Type": "text/plain"})
        SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "lambda", REGION).add_auth(request)
        args = [f"-H{k}: {v}" for k, v in request.headers.items()]
        status, _, body = curl("-X", "POST", target, *args, "--data-binary", "signed")
        assert status == 200, body
        event = json.loads(body)
        assert event["body"] == "signed" and event["requestContext"]["authorizer"]["iam"]["accessKey"] == ACCESS_KEY
    request = AWSRequest(method="GET", url=f"{url}echo", headers={})
    SigV4Auth(Credentials(ACCESS_KEY, "wrong-secret"), "lambda", REGION).add_auth(request)
    status, _, body = curl(f"{url}echo", *[f"-H{k}: {v}" for k, v in request.headers.items()])
    assert (status, json.loads(body)) == (403, forbidden["content"])


def test_response_stream_url_and_invoke_with_response_stream(lambda_client, app, server):
    url = lambda_client.create_function_url_config(FunctionName=app, AuthType="NONE", InvokeMode="RESPONSE_STREAM")["FunctionUrl"]
    status, headers, body = curl("--raw", f"{url}dict")
    assert status == 200 and headers["transfer-encoding"] == ["chunked"]
    assert b'{"hello": "world"}' in body
    resp = lambda_client.invoke_with_response_stream(FunctionName=app, Payload=json.dumps({"rawPath": "/dict"}), LogType="Tail")
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200 and resp["ExecutedVersion"] == "$LATEST"
    events = list(resp["EventStream"])
    assert json.loads(b"".join(e["PayloadChunk"]["Payload"] for e in events if "PayloadChunk" in e)) == {"hello": "world"}
    complete = events[-1]["InvokeComplete"]
    assert "ErrorCode" not in complete and "START RequestId" in base64.b64decode(complete["LogResult"]).decode()
    failed = list(lambda_client.invoke_with_response_stream(FunctionName=app, Payload=json.dumps({"rawPath": "/fail"}))["EventStream"])
    assert failed[-1]["InvokeComplete"]["ErrorCode"] == "Unhandled" and "boom" in failed[-1]["InvokeComplete"]["ErrorDetails"]
    expect_error(lambda_client.invoke_with_response_stream, "ResourceNotFoundException", 404,
                 f"Function not found: {server.arn('e2e-no-such-fn-stream')}", FunctionName="e2e-no-such-fn-stream")
