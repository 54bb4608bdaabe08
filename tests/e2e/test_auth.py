"""SigV4 authentication on every API call."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from botocore import UNSIGNED
from botocore.config import Config
import boto3

from e2e_helpers import (
    ACCESS_KEY,
    REGION,
    SECRET_KEY,
    assert_raw_error,
    echo_zip,
    expect_error,
    fn_path,
    invoke,
    make_client,
    raw_request,
)


@pytest.mark.parametrize(
    "method,path,body",
    [
        ("GET", "/2015-03-31/functions/", None),
        ("GET", "/2016-08-19/account-settings/", None),
        ("GET", fn_path("anything"), None),
        ("POST", fn_path("anything", "/invocations"), b"{}"),
        ("POST", "/2015-03-31/functions", b"{}"),
        ("DELETE", fn_path("anything"), None),
    ],
)
def test_unsigned_requests_rejected(server, alive, method, path, body):
    resp = raw_request(server.endpoint, method, path, body, sign=False)
    assert_raw_error(resp, "MissingAuthenticationTokenException", 403)
    alive()


def test_unsigned_boto3_client(server, alive):
    client = boto3.session.Session().client(
        "lambda", endpoint_url=server.endpoint, region_name=REGION,
        config=Config(signature_version=UNSIGNED, retries={"total_max_attempts": 1}, read_timeout=30),
    )
    expect_error(client.list_functions, "MissingAuthenticationTokenException", 403)
    alive()


def test_unknown_access_key(server, alive):
    client = make_client(server.endpoint, "AKIDNOTKNOWNTONIMBUS", "whatever")
    expect_error(client.list_functions, "UnrecognizedClientException", 403)
    expect_error(client.get_account_settings, "UnrecognizedClientException", 403)
    alive()


def test_wrong_secret(server, alive):
    client = make_client(server.endpoint, ACCESS_KEY, SECRET_KEY + "-wrong")
    expect_error(client.list_functions, "InvalidSignatureException", 403)
    alive()


def test_wrong_secret_cannot_create_or_invoke(server, lambda_client, functions, alive, fn_name):
    functions.create(fn_name, echo_zip())
    bad = make_client(server.endpoint, ACCESS_KEY, "not-the-secret")
    expect_error(bad.invoke, "InvalidSignatureException", 403, FunctionName=fn_name, Payload=b"{}")
    expect_error(bad.delete_function, "InvalidSignatureException", 403, FunctionName=fn_name)
    other = functions.name()
    expect_error(bad.create_function, "InvalidSignatureException", 403, FunctionName=other, Runtime="provided.al2023",
                 Role="arn:aws:iam::000000000000:role/r", Handler="h", Code={"ZipFile": echo_zip()})
    # nothing happened
    assert lambda_client.get_function(FunctionName=fn_name)["Configuration"]["FunctionName"] == fn_name
    expect_error(lambda_client.get_function, "ResourceNotFoundException", 404, FunctionName=other)
    alive()


def test_body_tampered_after_signing(server, lambda_client, functions, alive, fn_name):
    functions.create(fn_name, echo_zip())
    resp = raw_request(server.endpoint, "POST", fn_path(fn_name, "/invocations"), b'{"amount": 1}', send_body=b'{"amount": 9}')
    assert_raw_error(resp, "InvalidSignatureException", 403)
    ok = raw_request(server.endpoint, "POST", fn_path(fn_name, "/invocations"), b'{"amount": 1}')
    assert ok.status == 200 and ok.body == b'{"amount": 1}', ok
    alive()


def test_expired_signature(server, alive):
    """AWS rejects signatures whose X-Amz-Date is more than 15 minutes off."""
    old = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) - dt.timedelta(hours=1)
    with mock.patch("botocore.auth.get_current_datetime", return_value=old):
        resp = raw_request(server.endpoint, "GET", "/2015-03-31/functions/")
    assert_raw_error(resp, "InvalidSignatureException", 403)
    alive()


def test_signed_request_for_other_service_rejected(server, alive):
    """A signature scoped to another service (s3) must not be accepted for lambda."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    import urllib3

    req = AWSRequest(method="GET", url=server.endpoint + "/2015-03-31/functions/")
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "s3", REGION).add_auth(req)
    p = req.prepare()
    r = urllib3.PoolManager().request("GET", p.url, headers=dict(p.headers.items()), timeout=30, retries=False)
    assert r.status == 403, (r.status, r.data)
    alive()


def test_credentials_from_environment_override(server_factory):
    srv = server_factory(
        "creds",
        env={"NIMBUS_ACCESS_KEY_ID": "e2e-custom-key", "NIMBUS_SECRET_ACCESS_KEY": "e2e-custom-secret"},
        access_key="e2e-custom-key",
        secret_key="e2e-custom-secret",
    )
    default = make_client(srv.endpoint)  # nimbus/nimbus is no longer valid
    expect_error(default.list_functions, "UnrecognizedClientException", 403)
    wrong_secret = make_client(srv.endpoint, "e2e-custom-key", "nimbus")
    expect_error(wrong_secret.list_functions, "InvalidSignatureException", 403)

    custom = srv.client()
    assert custom.list_functions()["Functions"] == []
    custom.create_function(FunctionName="authd", Runtime="provided.al2023", Role="arn:aws:iam::000000000000:role/r",
                           Handler="h", Code={"ZipFile": echo_zip()})
    from e2e_helpers import wait_active

    wait_active(custom, "authd")
    assert invoke(custom, "authd", {"a": 1})["Json"] == {"a": 1}


def test_signature_scoped_to_wrong_region(server, alive):
    resp = raw_request(server.endpoint, "GET", "/2015-03-31/functions/", region="eu-west-1")
    assert_raw_error(resp, "InvalidSignatureException", 403)
    alive()
