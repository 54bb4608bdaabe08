"""Real handler code, deployed the way Lambda users deploy it: libraries from PyPI vendored
into the zip. AWS's own runtime interface client (awslambdaric) as a custom runtime, an
ASGI app behind mangum, aws-lambda-powertools logging, and the Node.js cases of the
runtime suite (timeout, heavy init, /tmp reuse).
"""
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from e2e_helpers import decode_log_result, invoke, zip_bytes

# Wheels for the sandbox's interpreter (/usr/bin/python3), whatever runs the tests.
SANDBOX_PYTHON = subprocess.run(["/usr/bin/python3", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                                capture_output=True, text=True, check=True).stdout.strip()


@pytest.fixture(scope="session")
def vendored(tmp_path_factory) -> Path:
    """awslambdaric, mangum and aws-lambda-powertools, installed for the sandbox's Python."""
    target = tmp_path_factory.mktemp("vendored")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--target", str(target),
         "--python-version", SANDBOX_PYTHON, "--implementation", "cp", "--platform", "manylinux2014_x86_64",
         "--only-binary=:all:", "awslambdaric", "mangum", "aws-lambda-powertools"],
        check=True, capture_output=True, timeout=300,
    )
    return target


def package(vendored: Path, files: dict[str, tuple[str, int]]) -> bytes:
    """A deployment zip: the vendored libraries plus `files` (name -> (text, mode))."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(vendored.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                info = zipfile.ZipInfo(str(path.relative_to(vendored)))
                info.external_attr = (0o755 if os.access(path, os.X_OK) else 0o644) << 16
                archive.writestr(info, path.read_bytes(), zipfile.ZIP_DEFLATED)
        for name, (text, mode) in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = mode << 16
            archive.writestr(info, text, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


APP = '''
import json, os

def echo(event, context):
    return {"event": event, "function_name": context.function_name, "memory": context.memory_limit_in_mb,
            "has_time": context.get_remaining_time_in_millis() > 0}

def fails(event, context):
    raise KeyError("missing-key")

def custom_error(event, context):
    class PaymentDeclined(Exception):
        pass
    raise PaymentDeclined("card declined")
'''

RIC_BOOTSTRAP = '''#!/bin/sh
cd "$LAMBDA_TASK_ROOT"
exec /usr/bin/python3 -m awslambdaric "$_HANDLER"
'''


@pytest.fixture(scope="session")
def ric_zip(vendored):
    return package(vendored, {"app.py": (APP, 0o644), "bootstrap": (RIC_BOOTSTRAP, 0o755)})


@pytest.fixture(scope="session")
def app_zip():
    return zip_bytes([("app.py", APP, 0o644)])


@pytest.mark.parametrize("handler,payload", [
    ("app.echo", {"x": 1, "nested": {"list": [1, 2.5, "three", None, True]}, "unicode": "héllo ✓"}),
    ("app.echo", [1, 2, 3]),
    ("app.echo", "just a string"),
])
def test_awslambdaric_and_builtin_runtime_agree_on_results(lambda_client, functions, ric_zip, app_zip, handler, payload):
    ric = functions.create(zip_bytes=ric_zip, Runtime="provided.al2023", Handler=handler)["FunctionName"]
    builtin = functions.create(zip_bytes=app_zip, Runtime="python3.12", Handler=handler)["FunctionName"]
    a = invoke(lambda_client, ric, json.dumps(payload).encode())
    b = invoke(lambda_client, builtin, json.dumps(payload).encode())
    assert "FunctionError" not in a, a["Body"]
    assert "FunctionError" not in b, b["Body"]
    strip = lambda body: {k: v for k, v in body.items() if k != "function_name"}  # noqa: E731
    assert strip(a["Json"]) == strip(b["Json"])
    # As on AWS, whose Python runtime is awslambdaric: the memory size is a string.
    assert a["Json"]["event"] == payload and a["Json"]["memory"] == "128"


@pytest.mark.parametrize("handler,error_type,message", [
    ("app.fails", "KeyError", "'missing-key'"),
    ("app.custom_error", "PaymentDeclined", "card declined"),
    ("nosuchmodule.handler", "Runtime.ImportModuleError", "Unable to import module 'nosuchmodule': No module named 'nosuchmodule'"),
    ("app.nosuchfunction", "Runtime.HandlerNotFound", "Handler 'nosuchfunction' missing on module 'app'"),
])
def test_awslambdaric_and_builtin_runtime_agree_on_errors(lambda_client, functions, ric_zip, app_zip, handler, error_type, message):
    ric = functions.create(zip_bytes=ric_zip, Runtime="provided.al2023", Handler=handler)["FunctionName"]
    builtin = functions.create(zip_bytes=app_zip, Runtime="python3.12", Handler=handler)["FunctionName"]
    for name in (ric, builtin):
        resp = invoke(lambda_client, name, {})
        assert resp["FunctionError"] == "Unhandled"
        body = resp["Json"]
        assert body["errorType"] == error_type, (name, body)
        assert body["errorMessage"] == message, (name, body)
        assert isinstance(body["stackTrace"], list)


ASGI_APP = '''
import json
from mangum import Mangum

async def app(scope, receive, send):
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    reply = {"method": scope["method"], "path": scope["path"], "query": scope["query_string"].decode(),
             "body": body.decode(), "header": dict(scope["headers"]).get(b"x-demo", b"").decode()}
    await send({"type": "http.response.start", "status": 201, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": json.dumps(reply).encode()})

handler = Mangum(app, lifespan="off")
'''

HTTP_API_EVENT = {
    "version": "2.0",
    "routeKey": "$default",
    "rawPath": "/orders/42",
    "rawQueryString": "expand=items",
    "headers": {"content-type": "application/json", "x-demo": "yes", "host": "abc.execute-api.us-east-1.amazonaws.com"},
    "queryStringParameters": {"expand": "items"},
    "requestContext": {
        "accountId": "000000000000", "apiId": "abc", "domainName": "abc.execute-api.us-east-1.amazonaws.com",
        "domainPrefix": "abc", "requestId": "req-1", "routeKey": "$default", "stage": "$default",
        "time": "23/Nov/2026:12:00:00 +0000", "timeEpoch": 1795435200000,
        "http": {"method": "POST", "path": "/orders/42", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "test"},
    },
    "body": "{\"qty\": 3}",
    "isBase64Encoded": False,
}


def test_asgi_app_behind_mangum(lambda_client, functions, vendored):
    code = package(vendored, {"web.py": (ASGI_APP, 0o644)})
    name = functions.create(zip_bytes=code, Runtime="python3.12", Handler="web.handler")["FunctionName"]
    resp = invoke(lambda_client, name, HTTP_API_EVENT)
    assert "FunctionError" not in resp, resp["Body"]
    result = resp["Json"]
    assert result["statusCode"] == 201
    assert result["headers"]["content-type"] == "application/json"
    assert json.loads(result["body"]) == {"method": "POST", "path": "/orders/42", "query": "expand=items",
                                          "body": "{\"qty\": 3}", "header": "yes"}


POWERTOOLS_APP = '''
from aws_lambda_powertools import Logger
logger = Logger(service="payments")

@logger.inject_lambda_context
def handler(event, context):
    logger.info("charged", extra={"amount": event["amount"]})
    return "ok"
'''


def test_powertools_structured_logging(lambda_client, functions, vendored):
    code = package(vendored, {"pay.py": (POWERTOOLS_APP, 0o644)})
    name = functions.create(zip_bytes=code, Runtime="python3.12", Handler="pay.handler", MemorySize=256)["FunctionName"]
    resp = invoke(lambda_client, name, {"amount": 42}, LogType="Tail")
    assert resp["Json"] == "ok", resp["Body"]
    request_id = resp["ResponseMetadata"]["RequestId"]
    records = [json.loads(line) for line in decode_log_result(resp).splitlines() if line.startswith("{")]
    record = next(r for r in records if r.get("message") == "charged")
    assert record["level"] == "INFO" and record["service"] == "payments" and record["amount"] == 42
    assert record["function_request_id"] == request_id
    assert record["function_name"] == name and record["function_memory_size"] == "256"
    assert record["cold_start"] is True
    again = invoke(lambda_client, name, {"amount": 1}, LogType="Tail")
    second = [json.loads(line) for line in decode_log_result(again).splitlines() if line.startswith("{")]
    assert next(r for r in second if r.get("message") == "charged")["cold_start"] is False


NODE_APP = '''
import fs from "node:fs";
const started = Date.now();
await new Promise((resolve) => setTimeout(resolve, Number(process.env.HEAVY_INIT_MS || 0)));
export const slow = async () => { await new Promise((r) => setTimeout(r, 5000)); return "late"; };
export const tmp = async () => {
  const path = "/tmp/count";
  const count = fs.existsSync(path) ? Number(fs.readFileSync(path, "utf8")) + 1 : 1;
  fs.writeFileSync(path, String(count));
  return { count, initMs: Date.now() - started };
};
'''


@pytest.fixture(scope="module")
def node_zip():
    return zip_bytes([("index.mjs", NODE_APP, 0o644)])


def test_node_timeout(lambda_client, functions, node_zip):
    name = functions.create(zip_bytes=node_zip, Runtime="nodejs20.x", Handler="index.slow", Timeout=1)["FunctionName"]
    resp = invoke(lambda_client, name, {})
    assert resp["FunctionError"] == "Unhandled"
    assert resp["Json"]["errorType"] == "Sandbox.Timedout"
    assert resp["Json"]["errorMessage"].endswith("Error: Task timed out after 1.00 seconds")


def test_node_heavy_init_and_tmp_reuse(lambda_client, functions, node_zip):
    name = functions.create(zip_bytes=node_zip, Runtime="nodejs20.x", Handler="index.tmp",
                            Environment={"Variables": {"HEAVY_INIT_MS": "400"}})["FunctionName"]
    first = invoke(lambda_client, name, {}, LogType="Tail")
    assert first["Json"]["count"] == 1, first["Body"]
    init = [l for l in decode_log_result(first).splitlines() if l.startswith("REPORT")][0]
    assert float(init.split("Init Duration: ")[1].split(" ms")[0]) >= 400
    second = invoke(lambda_client, name, {}, LogType="Tail")
    assert second["Json"]["count"] == 2  # same warm environment, same /tmp
    assert "Init Duration" not in decode_log_result(second)


WEB_APP = '''
from urllib.parse import parse_qs
from mangum import Mangum

PAGE = "<!doctype html><html><head><title>{title}</title></head><body><h1>{title}</h1>{body}</body></html>"

async def app(scope, receive, send):
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    headers = dict(scope["headers"])
    cookie = headers.get(b"cookie", b"").decode()
    if scope["method"] == "POST" and scope["path"] == "/login":
        user = parse_qs(body.decode())["user"][0]
        await send({"type": "http.response.start", "status": 303,
                    "headers": [(b"location", b"/hello"), (b"set-cookie", f"user={user}; Path=/".encode())]})
        await send({"type": "http.response.body", "body": b""})
        return
    if scope["path"] == "/hello":
        name = cookie.split("user=", 1)[1].split(";")[0] if "user=" in cookie else "stranger"
        html = PAGE.format(title="Hello", body=f"<p>Hello, {name}!</p>")
    else:
        query = parse_qs(scope["query_string"].decode())
        html = PAGE.format(title="Home", body=f"<p>page {query.get('page', ['1'])[0]}</p>")
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/html; charset=utf-8")]})
    await send({"type": "http.response.body", "body": html.encode()})

handler = Mangum(app, lifespan="off")
'''


def curl(*args: str) -> tuple[int, dict, str]:
    out = subprocess.run(["curl", "-sS", "-i", "--max-time", "60", *args], capture_output=True, check=True, timeout=90).stdout
    head, _, body = out.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers: dict = {}
    for line in lines[1:]:
        key, _, value = line.partition(":")
        headers.setdefault(key.strip().lower(), []).append(value.strip())
    return int(lines[0].split()[1]), headers, body.decode()


def test_web_app_through_its_function_url(lambda_client, functions, vendored):
    """A real ASGI web app behind mangum serves HTML pages, a form post with a redirect and a
    cookie through its function URL, as a browser would see them (checked with curl)."""
    code = package(vendored, {"web.py": (WEB_APP, 0o644)})
    name = functions.create(zip_bytes=code, Runtime="python3.12", Handler="web.handler")["FunctionName"]
    url = lambda_client.create_function_url_config(FunctionName=name, AuthType="NONE")["FunctionUrl"]

    status, headers, body = curl(f"{url}?page=2")
    assert status == 200 and headers["content-type"] == ["text/html; charset=utf-8"]
    assert "<title>Home</title>" in body and "<p>page 2</p>" in body

    status, headers, _ = curl("-X", "POST", "--data", "user=ada", f"{url}login")
    assert status == 303 and headers["location"] == ["/hello"]
    assert headers["set-cookie"] == ["user=ada; Path=/"]

    status, _, body = curl("-H", "Cookie: user=ada", f"{url}hello")
    assert status == 200 and "<p>Hello, ada!</p>" in body
    status, _, body = curl(f"{url}hello")
    assert "<p>Hello, stranger!</p>" in body
