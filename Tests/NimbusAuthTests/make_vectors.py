#!/usr/bin/env python3
"""Generates BotocoreVectors.swift: Lambda requests signed by real botocore.

Run from this folder:  python3 make_vectors.py > BotocoreVectors.swift

Each request is built by a real botocore Lambda client (or, for the
presigned and special cases, by botocore's signers directly), caught just
before it would be sent, and written out as a Swift literal with the exact
method, wire path, wire query, headers and body the server would receive.
The signing clock is frozen so that the output is stable.
"""

import datetime
import hashlib
import sys
from unittest import mock
from urllib.parse import urlsplit

import botocore
import botocore.auth
import botocore.session
from botocore.auth import S3SigV4QueryAuth, SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

ACCESS_KEY = "AKIDNIMBUSEXAMPLE"
SECRET_KEY = "nimbus/Secret+Key/EXAMPLE0123456789abcdef"
SESSION_TOKEN = "FQoGZXIvYXdzEXAMPLE//////////wEaDOpZc2Vzc2lvbg=="
REGION = "us-east-1"
ENDPOINT = "http://localhost:9000"
HOST = "localhost:9000"
SIGNED_AT = datetime.datetime(2026, 11, 23, 10, 15, 0)


# The canonical request and string to sign of the last signature botocore made.
SIGNED = {}
_canonical_request = SigV4Auth.canonical_request
_string_to_sign = SigV4Auth.string_to_sign


def _recording_canonical_request(self, request):
    SIGNED["canonicalRequest"] = _canonical_request(self, request)
    SIGNED["service"] = self._service_name
    SIGNED["region"] = self._region_name
    return SIGNED["canonicalRequest"]


def _recording_string_to_sign(self, request, canonical_request):
    SIGNED["stringToSign"] = _string_to_sign(self, request, canonical_request)
    return SIGNED["stringToSign"]


SigV4Auth.canonical_request = _recording_canonical_request
SigV4Auth.string_to_sign = _recording_string_to_sign


class Captured(Exception):
    """Raised from the before-send hook to stop botocore from sending."""

    def __init__(self, request):
        super().__init__("captured")
        self.request = request


def _capture(request, **kwargs):
    raise Captured(request)


def lambda_client(token=None, region=REGION):
    session = botocore.session.get_session()
    client = session.create_client(
        "lambda",
        region_name=region,
        endpoint_url=ENDPOINT,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        aws_session_token=token,
        config=Config(retries={"max_attempts": 0}),
    )
    client.meta.events.register("before-send.lambda.*", _capture)
    return client


def frozen_clock():
    return mock.patch.object(botocore.auth, "get_current_datetime", return_value=SIGNED_AT)


def normalized(name, value):
    """Pins the unsigned headers that change on every run, for stable output."""
    if name.lower() == "user-agent":
        return "Botocore/" + botocore.__version__ + " (pinned by make_vectors.py)"
    if name.lower() == "amz-sdk-invocation-id":
        return "00000000-0000-4000-8000-000000000000"
    return value


def text(value):
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8")
    return str(value)


def body_bytes(body):
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, (bytes, bytearray)):
        return bytes(body)
    return body.read()


def wire(name, note, method, url, headers, body, token=None, sent_body=None):
    parts = urlsplit(url)
    header_list = [(text(k), normalized(text(k), text(v))) for k, v in headers.items()]
    # urllib3 adds Host on the wire; botocore signs it from the URL.
    if not any(k.lower() == "host" for k, _ in header_list):
        header_list.append(("Host", HOST))
    data = body_bytes(body) if sent_body is None else sent_body
    signed = dict(SIGNED)
    SIGNED.clear()
    return {
        "name": name,
        "note": note,
        "method": method,
        "rawPath": parts.path,
        "rawQuery": parts.query if parts.query else None,
        "headers": header_list,
        "body": data.decode("utf-8"),
        "payloadSHA256Hex": hashlib.sha256(data).hexdigest(),
        "sessionToken": token,
        "signedService": signed["service"],
        "signedRegion": signed["region"],
        "canonicalRequest": signed["canonicalRequest"],
        "stringToSign": signed["stringToSign"],
    }


def from_client(name, note, operation, token=None, region=REGION, **params):
    client = lambda_client(token, region)
    with frozen_clock():
        try:
            getattr(client, operation)(**params)
        except Captured as captured:
            r = captured.request
            return wire(name, note, r.method, r.url, r.headers, r.body, token)
    raise RuntimeError(f"{operation} was not captured")


def from_signer(name, note, signer, method, url, headers, body=b"", params=None, token=None, sent_body=None):
    request = AWSRequest(method=method, url=url, data=body, params=params)
    # HTTPHeaders appends on assignment, so a list of pairs can repeat names.
    pairs = headers.items() if isinstance(headers, dict) else headers
    for key, value in pairs:
        request.headers[key] = value
    with frozen_clock():
        signer.add_auth(request)
    prepared = request.prepare()
    # prepare() folds repeated headers into one; a server receives each
    # header as sent, which is what was signed, so keep the unprepared list.
    return wire(name, note, prepared.method, prepared.url, request.headers, prepared.body, token, sent_body)


def vectors():
    creds = Credentials(ACCESS_KEY, SECRET_KEY)
    out = [
        from_client(
            "createFunction",
            "POST create-function with a JSON body",
            "create_function",
            FunctionName="my-function",
            Runtime="python3.12",
            Role="arn:aws:iam::123456789012:role/lambda-role",
            Handler="app.handler",
            Code={"ZipFile": b"PK\x03\x04 not really a zip"},
            Description="Created by make_vectors.py",
            Timeout=30,
            Environment={"Variables": {"GREETING": "hello world"}},
        ),
        from_client(
            "listFunctionsPaged",
            "GET list-functions with Marker and MaxItems in the query",
            "list_functions",
            Marker="page+2/of=3 ~ok",
            MaxItems=2,
        ),
        from_client(
            "invokeArnQualifier",
            "invoke by full function ARN in the path and $LATEST as the qualifier",
            "invoke",
            FunctionName="arn:aws:lambda:us-east-1:123456789012:function:my-function",
            Qualifier="$LATEST",
            Payload=b'{"key": "value", "n": [1, 2, 3]}',
        ),
        from_client(
            "invokeArnWithVersionInPath",
            "invoke with the qualifier inside the ARN: ':' and '$' in the path",
            "invoke",
            FunctionName="arn:aws:lambda:us-east-1:123456789012:function:my-function:$LATEST",
            Payload=b"{}",
        ),
        from_client(
            "invokeClientContext",
            "invoke with X-Amz-Client-Context, X-Amz-Invocation-Type and X-Amz-Log-Type",
            "invoke",
            FunctionName="my-function",
            InvocationType="RequestResponse",
            LogType="Tail",
            ClientContext="eyJjdXN0b20iOnsiYSI6ICJiIn19",
            Payload=b'{"hello": "world"}',
        ),
        from_client(
            "getFunctionWithSessionToken",
            "GET get-function signed with temporary credentials (X-Amz-Security-Token)",
            "get_function",
            token=SESSION_TOKEN,
            FunctionName="my-function",
        ),
        from_client(
            "deleteFunction",
            "DELETE delete-function with a qualifier",
            "delete_function",
            FunctionName="my-function",
            Qualifier="7",
        ),
        from_signer(
            "dateHeaderInsteadOfAmzDate",
            "botocore's Date-header path: RFC 2822 Date header, no X-Amz-Date",
            SigV4Auth(creds, "lambda", REGION),
            "GET",
            ENDPOINT + "/2015-03-31/functions/my-function",
            {"Date": "placeholder"},
        ),
        from_signer(
            "repeatedAndPaddedHeaders",
            "a header sent twice and values with runs of spaces",
            SigV4Auth(creds, "lambda", REGION),
            "GET",
            ENDPOINT + "/2015-03-31/functions/my-function/configuration",
            [("X-Custom", "  first   value "), ("X-Custom", "second"), ("X-Other", 'a  "b   c"  d')],
        ),
        from_signer(
            "paramsEncodedWithPlus",
            "botocore params path: spec-encoded canonical query, '+' for space on the wire",
            SigV4Auth(creds, "lambda", REGION),
            "GET",
            ENDPOINT + "/2015-03-31/functions/",
            {},
            params={"Marker": "a b/c~d*e", "MaxItems": "2"},
        ),
        from_signer(
            "presignedGet",
            "presigned URL (SigV4QueryAuth) for get-function",
            SigV4QueryAuth(creds, "lambda", REGION, expires=900),
            "GET",
            ENDPOINT + "/2015-03-31/functions/my-function?Qualifier=%24LATEST",
            {},
        ),
        from_signer(
            "presignedWithSessionToken",
            "presigned URL signed with temporary credentials (X-Amz-Security-Token in the query)",
            SigV4QueryAuth(Credentials(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN), "lambda", REGION, expires=3600),
            "GET",
            "https://localhost:9000/2015-03-31/functions/?MaxItems=5",
            {},
            token=SESSION_TOKEN,
        ),
        from_signer(
            "presignedUnsignedPayload",
            "presigned with UNSIGNED-PAYLOAD (botocore's S3 presigner); the body is not covered",
            S3SigV4QueryAuth(creds, "lambda", REGION, expires=600),
            "POST",
            ENDPOINT + "/2015-03-31/functions/my-function/invocations",
            {},
            sent_body=b'{"any": "body"}',
        ),
        from_signer(
            "explicitContentSHA256",
            "X-Amz-Content-SHA256 sent and signed: it stands for the body in the canonical request",
            SigV4Auth(creds, "lambda", REGION),
            "PUT",
            ENDPOINT + "/2015-03-31/functions/my-function/code",
            {
                "Content-Type": "application/json",
                "X-Amz-Content-SHA256": hashlib.sha256(b'{"ZipFile": "UEsDBA=="}').hexdigest(),
            },
            body=b'{"ZipFile": "UEsDBA=="}',
        ),
        from_client(
            "otherRegion",
            "signed for eu-central-1: any region is accepted",
            "get_account_settings",
            region="eu-central-1",
        ),
        from_signer(
            "wrongService",
            "signed for the execute-api service instead of lambda",
            SigV4Auth(creds, "execute-api", REGION),
            "GET",
            ENDPOINT + "/2015-03-31/functions/my-function",
            {},
        ),
    ]
    return out


def swift_string(value):
    """A Swift string literal (or nil) for a Python string."""
    if value is None:
        return "nil"
    escapes = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
    out = []
    for ch in value:
        if ch in escapes:
            out.append(escapes[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append("\\u{%x}" % ord(ch))
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def render(vs):
    lines = [
        "// Generated by make_vectors.py with botocore " + botocore.__version__ + ". Do not edit.",
        "",
        "/// Lambda requests signed by real botocore, exactly as a server receives them.",
        "enum BotocoreVectors {",
        "    static let accessKeyId = " + swift_string(ACCESS_KEY),
        "    static let secretAccessKey = " + swift_string(SECRET_KEY),
        "    static let region = " + swift_string(REGION),
        "    static let signedAt = " + swift_string(SIGNED_AT.strftime("%Y%m%dT%H%M%SZ")),
        "    /// `signedAt` as seconds since 1970.",
        "    static let signedAtEpoch: Double = "
        + str(int((SIGNED_AT - datetime.datetime(1970, 1, 1)).total_seconds())),
        "",
        "    static let all: [BotocoreVector] = [",
    ]
    for v in vs:
        lines.append("        BotocoreVector(")
        lines.append("            name: " + swift_string(v["name"]) + ",")
        lines.append("            note: " + swift_string(v["note"]) + ",")
        lines.append("            method: " + swift_string(v["method"]) + ",")
        lines.append("            rawPath: " + swift_string(v["rawPath"]) + ",")
        lines.append("            rawQuery: " + swift_string(v["rawQuery"]) + ",")
        lines.append("            headers: [")
        for k, val in v["headers"]:
            lines.append("                (" + swift_string(k) + ", " + swift_string(val) + "),")
        lines.append("            ],")
        lines.append("            body: " + swift_string(v["body"]) + ",")
        lines.append("            payloadSHA256Hex: " + swift_string(v["payloadSHA256Hex"]) + ",")
        lines.append("            sessionToken: " + swift_string(v["sessionToken"]) + ",")
        lines.append("            signedService: " + swift_string(v["signedService"]) + ",")
        lines.append("            signedRegion: " + swift_string(v["signedRegion"]) + ",")
        lines.append("            canonicalRequest: " + swift_string(v["canonicalRequest"]) + ",")
        lines.append("            stringToSign: " + swift_string(v["stringToSign"]))
        lines.append("        ),")
    lines.append("    ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render(vectors()))
