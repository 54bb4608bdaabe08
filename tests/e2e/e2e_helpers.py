"""Shared helpers for the Nimbus end-to-end tests.

Everything here talks to a real `nimbus serve` process over loopback only.
Nothing in this module knows how Nimbus is implemented: it only uses the
documented contract (AWS Lambda API + Lambda Runtime API 2018-06-01).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
import uuid
import zipfile
from pathlib import Path
from typing import Callable, Iterable
from urllib.parse import quote, urlencode

import boto3
import urllib3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

REPO_ROOT = Path(__file__).resolve().parents[2]

ACCESS_KEY = "nimbus"
SECRET_KEY = "nimbus"
REGION = "us-east-1"
ACCOUNT = "000000000000"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/lambda-role"

HTTP_TIMEOUT = 60  # seconds, read timeout for every API call
SUBPROCESS_TIMEOUT = 60

# Recorded real-AWS responses shipped with the project.
REFERENCE_DIR = Path("/work/shared/reference/aws-recorded-responses")

UUID_RE = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
LAST_MODIFIED_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$")

# Functions are never routed through a proxy: loopback only.
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
os.environ.setdefault("no_proxy", "127.0.0.1,localhost")

_http = urllib3.PoolManager(num_pools=4, maxsize=16)


# --------------------------------------------------------------------------
# Binary / process management
# --------------------------------------------------------------------------


def nimbus_bin() -> Path:
    raw = os.environ.get("NIMBUS_BIN") or ".build/debug/nimbus"
    p = Path(raw)
    if not p.is_absolute():
        p = REPO_ROOT / p
    return p


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NimbusServer:
    """One `nimbus serve` process.

    Layout: <root>/sandbox/data is the data dir; <root>/server-N.log holds
    stdout/stderr. <root>/sandbox must only ever contain `data` (used by the
    path-traversal tests to prove nothing was written next to the data dir).
    """

    def __init__(
        self,
        root: Path,
        *,
        extra_args: Iterable[str] = (),
        env: dict | None = None,
        account: str = ACCOUNT,
        region: str = REGION,
        access_key: str = ACCESS_KEY,
        secret_key: str = SECRET_KEY,
    ):
        self.root = Path(root)
        self.sandbox = self.root / "sandbox"
        self.data_dir = self.sandbox / "data"
        self.sandbox.mkdir(parents=True, exist_ok=True)
        self.extra_args = list(extra_args)
        self.env_overrides = dict(env or {})
        self.account = account
        self.region = region
        self.access_key = access_key
        self.secret_key = secret_key
        self.proc: subprocess.Popen | None = None
        self.port: int | None = None
        self._starts = 0
        self.log_path: Path | None = None

    # -- lifecycle ---------------------------------------------------------
    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, port: int | None = None, ready_timeout: float = 30.0) -> "NimbusServer":
        binary = nimbus_bin()
        if not binary.exists():
            raise RuntimeError(f"nimbus binary not found at {binary} (set NIMBUS_BIN)")
        self.port = port or free_port()
        self._starts += 1
        self.log_path = self.root / f"server-{self._starts}.log"
        args = [
            str(binary),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--data-dir",
            str(self.data_dir),
            *self.extra_args,
        ]
        env = dict(os.environ)
        env.update(self.env_overrides)
        log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            args,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=str(self.root),
            start_new_session=True,
        )
        log.close()
        self.wait_ready(ready_timeout)
        return self

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        last_err = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"nimbus exited early with code {self.proc.returncode}:\n{self.log_tail()}"
                )
            try:
                _http.request(
                    "GET",
                    f"{self.endpoint}/2015-03-31/functions/",
                    timeout=urllib3.Timeout(connect=1, read=2),
                    retries=False,
                )
                return  # any HTTP status means it is listening
            except Exception as e:  # noqa: BLE001 - still starting
                last_err = e
                time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"nimbus did not become ready in {timeout}s ({last_err}):\n{self.log_tail()}")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def _signal(self, sig) -> None:
        if self.alive():
            try:
                self.proc.send_signal(sig)
            except ProcessLookupError:
                pass

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM, then SIGKILL if it does not exit in `timeout` seconds."""
        if self.proc is None:
            return None
        self._signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def kill(self) -> None:
        if self.proc is None:
            return
        self._signal(signal.SIGKILL)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass

    def log_tail(self, n: int = 60) -> str:
        if not self.log_path or not self.log_path.exists():
            return "<no server log>"
        lines = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(lines[-n:])

    # -- clients -----------------------------------------------------------
    def client(self, access_key: str | None = None, secret_key: str | None = None, region: str | None = None, **cfg):
        return make_client(
            self.endpoint,
            access_key or self.access_key,
            secret_key or self.secret_key,
            region or self.region,
            **cfg,
        )

    def arn(self, name: str) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account}:function:{name}"


def make_client(endpoint, access_key=ACCESS_KEY, secret_key=SECRET_KEY, region=REGION, service="lambda", **cfg):
    """A boto3 client for one of the services Nimbus serves (lambda, sqs, events, kinesis,
    logs), without retries, so each test sees exactly one answer."""
    config = Config(
        region_name=region,
        retries={"total_max_attempts": 1, "mode": "standard"},
        connect_timeout=5,
        read_timeout=cfg.pop("read_timeout", HTTP_TIMEOUT),
        max_pool_connections=20,
        **cfg,
    )
    return boto3.session.Session().client(
        service,
        endpoint_url=endpoint,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        region_name=region,
        config=config,
    )


# --------------------------------------------------------------------------
# Raw SigV4-signed HTTP (for requests botocore would refuse to send)
# --------------------------------------------------------------------------


class RawResponse:
    def __init__(self, status: int, headers: dict, body: bytes):
        self.status = status
        self.headers = {k.lower(): v for k, v in headers.items()}
        self.body = body

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    @property
    def error_type(self) -> str | None:
        v = self.headers.get("x-amzn-errortype")
        return v.split(":")[0] if v else None

    @property
    def message(self) -> str | None:
        try:
            data = self.json()
        except Exception:  # noqa: BLE001
            return None
        if not isinstance(data, dict):
            return None
        return data.get("Message") or data.get("message")

    def __repr__(self):
        return f"RawResponse({self.status}, {self.headers.get('x-amzn-errortype')}, {self.body[:300]!r})"


def fn_path(name: str, suffix: str = "") -> str:
    return f"/2015-03-31/functions/{quote(name, safe='')}{suffix}"


def raw_request(
    endpoint: str,
    method: str,
    path: str,
    body: bytes | str | dict | None = None,
    *,
    headers: dict | None = None,
    query: dict | None = None,
    sign: bool = True,
    access_key: str = ACCESS_KEY,
    secret_key: str = SECRET_KEY,
    region: str = REGION,
    send_body: bytes | None = None,
    timeout: float = HTTP_TIMEOUT,
) -> RawResponse:
    """Send a (by default SigV4-signed) request. `send_body` replaces the body
    after signing (to produce a signature mismatch)."""
    if isinstance(body, dict):
        body = json.dumps(body).encode()
    elif isinstance(body, str):
        body = body.encode()
    body = body or b""
    url = endpoint + path
    if query:
        url += "?" + urlencode(query)
    hdrs = {"Content-Type": "application/json"} if body else {}
    hdrs.update(headers or {})
    req = AWSRequest(method=method, url=url, data=body, headers=hdrs)
    if sign:
        SigV4Auth(Credentials(access_key, secret_key), "lambda", region).add_auth(req)
    prepared = req.prepare()
    data = prepared.body if send_body is None else send_body
    if isinstance(data, str):
        data = data.encode()
    r = _http.request(
        method,
        prepared.url,
        body=data if data else None,
        headers=dict(prepared.headers.items()),
        timeout=urllib3.Timeout(connect=5, read=timeout),
        retries=False,
        redirect=False,
        preload_content=True,
    )
    return RawResponse(r.status, dict(r.headers.items()), r.data)


# --------------------------------------------------------------------------
# Zips and bootstraps
# --------------------------------------------------------------------------


def zip_bytes(entries: Iterable[tuple], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    """entries: (name, data, mode[, kind]) where kind is 'file' (default),
    'symlink' (data is the link target) or 'dir'."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as zf:
        for entry in entries:
            name, data, mode = entry[0], entry[1], entry[2]
            kind = entry[3] if len(entry) > 3 else "file"
            zi = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            zi.create_system = 3  # unix, so external_attr mode bits are honoured
            if kind == "symlink":
                zi.external_attr = (0o120777 << 16)
                zi.compress_type = zipfile.ZIP_STORED
            elif kind == "dir":
                zi.external_attr = (0o40755 << 16) | 0x10
                zi.compress_type = zipfile.ZIP_STORED
            else:
                zi.external_attr = ((0o100000 | mode) << 16)
                zi.compress_type = compression
            if isinstance(data, str):
                data = data.encode()
            zf.writestr(zi, data)
    return buf.getvalue()


def sha256_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


RUNTIME_PRELUDE = r"""#!/bin/bash
# Nimbus e2e test runtime: speaks the Lambda Runtime API 2018-06-01 with curl.
RUNTIME="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
WORK="$(mktemp -d "/tmp/nimbus-e2e-rt-$$-XXXXXX" 2>/dev/null)"
if [ -z "$WORK" ]; then WORK="/tmp/nimbus-e2e-rt-$$-x"; mkdir -p "$WORK"; fi
trap 'rm -rf "$WORK"' EXIT
HDRS="$WORK/headers"
EVENT="$WORK/event"
OUT="$WORK/out"
REQUEST_ID=""
# One id per execution environment (inside a sandbox every runtime may be pid 2).
ENV_ID="${AWS_LAMBDA_LOG_STREAM_NAME##*]}"

# hdr NAME -> value of response header NAME of the last /next call
hdr() {
  grep -i "^$1:" "$HDRS" 2>/dev/null | head -n 1 | cut -d: -f2- \
    | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//'
}

# json_str VALUE -> VALUE as a JSON string literal
json_str() {
  local s="$1"
  s="${s//\\/\\\\}"
  s="${s//\"/\\\"}"
  s="${s//$'\n'/\\n}"
  s="${s//$'\r'/\\r}"
  s="${s//$'\t'/\\t}"
  printf '"%s"' "$s"
}

# respond: POST the content of $OUT as the invocation response
respond() {
  curl -sS -X POST "$RUNTIME/invocation/$REQUEST_ID/response" \
    -H 'Content-Type: application/octet-stream' --data-binary "@$OUT" -o /dev/null
}

# respond_json STRING
respond_json() {
  printf '%s' "$1" > "$OUT"
  respond
}

# fail_json STRING: POST STRING as an invocation error
fail_json() {
  printf '%s' "$1" > "$OUT"
  curl -sS -X POST "$RUNTIME/invocation/$REQUEST_ID/error" \
    -H 'Lambda-Runtime-Function-Error-Type: Unhandled' \
    -H 'Content-Type: application/json' --data-binary "@$OUT" -o /dev/null
}
"""

RUNTIME_LOOP = r"""
while true; do
  rm -f "$HDRS" "$EVENT" "$OUT"
  curl -sS -D "$HDRS" -o "$EVENT" "$RUNTIME/invocation/next" || exit 1
  REQUEST_ID="$(hdr Lambda-Runtime-Aws-Request-Id)"
  [ -f "$EVENT" ] || : > "$EVENT"
  EVENT_BODY="$(cat "$EVENT")"
%s
done
"""


def runtime_script(handler: str, init: str = "") -> str:
    """A bash bootstrap. `init` runs once before the loop; `handler` runs per
    invocation with $REQUEST_ID, $EVENT (file), $EVENT_BODY, $HDRS, $OUT set,
    and must call respond/respond_json/fail_json (or exit)."""
    body = "\n".join("  " + line for line in handler.strip("\n").splitlines())
    return RUNTIME_PRELUDE + "\n" + init.strip("\n") + "\n" + (RUNTIME_LOOP % body)


def bootstrap_zip(script: str, extra: Iterable[tuple] = ()) -> bytes:
    return zip_bytes([("bootstrap", script, 0o755), *extra])


ECHO_HANDLER = r"""
echo "ECHO-HANDLER request=$REQUEST_ID bytes=$(wc -c < "$EVENT")"
cp "$EVENT" "$OUT"
respond
"""


def echo_zip() -> bytes:
    return bootstrap_zip(runtime_script(ECHO_HANDLER))


def json_reply_zip(payload: dict) -> bytes:
    """Function answering a constant JSON object plus {"request_id": <its request id>}."""
    doc = json.dumps(payload)
    assert "'" not in doc and "%" not in doc and doc.startswith("{")
    prefix = (doc[:-1] + ', "request_id": "') if payload else '{"request_id": "'
    handler = (
        'echo "REPLY-HANDLER request=$REQUEST_ID"\n'
        f"printf '%s%s\"}}' '{prefix}' \"$REQUEST_ID\" > \"$OUT\"\n"
        "respond\n"
    )
    return bootstrap_zip(runtime_script(handler))


# --------------------------------------------------------------------------
# Assertions / polling
# --------------------------------------------------------------------------

# Codes for which AWS puts {"Type": "User", ...} into the error body (a few
# InvalidParameterValueException messages come without it: TYPE_LESS_MESSAGES).
USER_TYPED_ERRORS = {
    "ResourceNotFoundException",
    "ResourceConflictException",
    "InvalidParameterValueException",
    "InvalidRequestContentException",
    "PreconditionFailedException",
}
TYPE_LESS_MESSAGES = (
    "$LATEST is not supported for an alias pointing to more than 1 version",
    "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution",
    "Specified ConcurrentExecutions for function",
)


def _typed(code: str, message: str | None) -> bool:
    return code in USER_TYPED_ERRORS and not (message or "").startswith(TYPE_LESS_MESSAGES)


def assert_client_error(err: ClientError, code: str, status: int, message: str | None = None):
    resp = err.response
    got_code = resp.get("Error", {}).get("Code")
    got_status = resp.get("ResponseMetadata", {}).get("HTTPStatusCode")
    got_msg = resp.get("Error", {}).get("Message")
    assert (got_code, got_status) == (code, status), f"expected {code}/{status}, got {got_code}/{got_status}: {resp}"
    assert got_msg, f"error has no message: {resp}"
    if message is not None:
        assert got_msg == message, f"message mismatch:\n expected: {message!r}\n      got: {got_msg!r}"
    headers = resp["ResponseMetadata"].get("HTTPHeaders", {})
    assert (headers.get("x-amzn-errortype") or "").split(":")[0] == code, f"X-Amzn-ErrorType header: {headers}"
    if _typed(code, got_msg):
        assert resp.get("Type") == "User", f"body should carry Type=User: {resp}"
    elif code in USER_TYPED_ERRORS:
        assert "Type" not in resp, f"AWS sends this one without Type: {resp}"


def expect_error(fn: Callable, code: str, status: int, message: str | None = None, **kwargs) -> ClientError:
    try:
        result = fn(**kwargs)
    except ClientError as e:
        assert_client_error(e, code, status, message)
        return e
    raise AssertionError(f"expected {code} ({status}) but the call succeeded: {result}")


def assert_raw_error(resp: RawResponse, code: str, status: int, message: str | None = None):
    assert (resp.error_type, resp.status) == (code, status), f"expected {code}/{status}, got {resp!r}"
    assert resp.message, f"error body has no message: {resp!r}"
    if message is not None:
        assert resp.message == message, f"message mismatch:\n expected: {message!r}\n      got: {resp.message!r}"
    if _typed(code, resp.message):
        assert resp.json().get("Type") == "User", f"body should carry Type=User: {resp!r}"


def wait_for(predicate: Callable[[], object], timeout: float = 15.0, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last value: {last!r})")


def wait_active(client, name: str, timeout: float = 20.0) -> dict:
    def check():
        cfg = client.get_function_configuration(FunctionName=name)
        return cfg if cfg.get("State") == "Active" else None

    return wait_for(check, timeout, what=f"{name} State=Active")


def wait_updated(client, name: str, timeout: float = 20.0) -> dict:
    def check():
        cfg = client.get_function_configuration(FunctionName=name)
        return cfg if cfg.get("LastUpdateStatus") == "Successful" else None

    return wait_for(check, timeout, what=f"{name} LastUpdateStatus=Successful")


def assert_server_alive(server: NimbusServer, client=None) -> None:
    assert server.alive(), f"nimbus process died (code {server.proc.returncode}):\n{server.log_tail()}"
    client = client or server.client()
    settings = client.get_account_settings()
    assert settings["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert "AccountLimit" in settings


def invoke(client, name: str, payload=None, **kwargs) -> dict:
    """Invoke and read the payload into resp['Body'] (bytes) / resp['Json']."""
    if payload is not None and not isinstance(payload, (bytes, str)):
        payload = json.dumps(payload)
    if payload is not None:
        kwargs["Payload"] = payload
    resp = client.invoke(FunctionName=name, **kwargs)
    body = resp["Payload"].read() if "Payload" in resp else b""
    resp["Body"] = body
    try:
        resp["Json"] = json.loads(body) if body else None
    except ValueError:
        resp["Json"] = None
    return resp


def decode_log_result(resp: dict) -> str:
    assert "LogResult" in resp, f"no LogResult in invoke response: {resp}"
    return base64.b64decode(resp["LogResult"]).decode("utf-8", errors="replace")


REPORT_RE = (
    r"REPORT RequestId: (?P<rid>{rid})\tDuration: (?P<dur>\d+(?:\.\d+)?) ms\t"
    r"Billed Duration: (?P<billed>\d+) ms\tMemory Size: (?P<mem>\d+) MB\t"
    r"Max Memory Used: (?P<used>\d+) MB(?:\tInit Duration: (?P<init>\d+(?:\.\d+)?) ms)?\t?$"
)


def find_report(log_text: str, request_id: str) -> re.Match:
    pat = re.compile(REPORT_RE.format(rid=re.escape(request_id)), re.M)
    m = pat.search(log_text)
    assert m, f"no well-formed REPORT line for {request_id} in:\n{log_text}"
    return m


def load_snapshot(file: str, test_suffix: str) -> dict:
    data = json.loads((REFERENCE_DIR / file).read_text())
    for k, v in data.items():
        if k.endswith(test_suffix):
            return v["recorded-content"]
    raise KeyError(test_suffix)


def snapshot_keys(obj: dict) -> set:
    return {k for k in obj if k != "ResponseMetadata"}


class LineReader:
    """Reads lines of a subprocess' stdout on a thread so tests can wait with a timeout."""

    def __init__(self, stream):
        self.lines: list[str] = []
        self._cv = threading.Condition()
        self._t = threading.Thread(target=self._run, args=(stream,), daemon=True)
        self._t.start()

    def _run(self, stream):
        for raw in iter(stream.readline, b""):
            with self._cv:
                self.lines.append(raw.decode("utf-8", errors="replace"))
                self._cv.notify_all()

    def wait_for(self, needle: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._cv:
            while True:
                if any(needle in line for line in self.lines):
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cv.wait(remaining)


def process_gone(pid: int) -> bool:
    """True once `pid` no longer exists (or is a zombie nobody reaped yet)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[-1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def process_table() -> dict[int, tuple[int, str]]:
    """{pid: (parent pid, state)} of every process, from /proc."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        table[int(entry)] = (int(fields[1]), fields[0])
    return table


def children(pid: int) -> list[tuple[int, str]]:
    """(pid, state) of the direct children of `pid`."""
    return [(child, state) for child, (ppid, state) in process_table().items() if ppid == pid]


def descendants(pid: int) -> list[int]:
    """Every live (non-zombie) process below `pid`: a server's runtimes, sandboxes included."""
    parents: dict[int, list[int]] = {}
    for child, (ppid, state) in process_table().items():
        if state != "Z":
            parents.setdefault(ppid, []).append(child)
    found, queue = [], [pid]
    while queue:
        for child in parents.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


def remove_stale_runtime_workdirs() -> None:
    """Bootstraps keep scratch files in /tmp/nimbus-e2e-rt-<pid>-*; drop those whose
    process is gone (runtimes killed with SIGKILL cannot clean up after themselves)."""
    import shutil

    for d in Path("/tmp").glob("nimbus-e2e-rt-*"):
        try:
            pid = int(d.name.split("-")[3])
        except (IndexError, ValueError):
            continue
        if process_gone(pid):
            shutil.rmtree(d, ignore_errors=True)


def unique_token(prefix: str = "tok") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"
