"""Fixtures for the Nimbus end-to-end suite.

Run from the repository root:  python3 -m pytest tests/e2e -q
The binary defaults to .build/debug/nimbus; override with NIMBUS_BIN.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import uuid
from pathlib import Path

import pytest

from e2e_helpers import (
    ACCESS_KEY,
    REGION,
    ROLE,
    SECRET_KEY,
    SUBPROCESS_TIMEOUT,
    NimbusServer,
    echo_zip,
    nimbus_bin,
    remove_stale_runtime_workdirs,
    wait_active,
)

PER_TEST_TIMEOUT = 150  # hard ceiling per test (seconds); the suite has no pytest-timeout


# --------------------------------------------------------------------------
# Hard per-test timeout (SIGALRM) so a hung call can never stall the suite.
# --------------------------------------------------------------------------


class TestTimedOut(Exception):
    pass


@pytest.fixture(autouse=True)
def _hard_timeout(request):
    def on_alarm(signum, frame):
        raise TestTimedOut(f"{request.node.nodeid} exceeded {PER_TEST_TIMEOUT}s")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(PER_TEST_TIMEOUT)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


# --------------------------------------------------------------------------
# Servers
# --------------------------------------------------------------------------

_SERVERS: list[NimbusServer] = []


def start_server(root: Path, **kwargs) -> NimbusServer:
    srv = NimbusServer(root, **kwargs)
    _SERVERS.append(srv)
    srv.start()
    return srv


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> NimbusServer:
    """The shared server most tests use."""
    binary = nimbus_bin()
    assert binary.exists(), f"nimbus binary missing: {binary}"
    srv = start_server(tmp_path_factory.mktemp("nimbus-main"), env={"NIMBUS_E2E_HOST_ONLY": "leak"})
    yield srv
    srv.stop()
    remove_stale_runtime_workdirs()


@pytest.fixture
def server_factory(tmp_path):
    """Start extra, private servers (restart / config tests). Stopped at teardown."""
    started: list[NimbusServer] = []

    def make(name: str = "srv", **kwargs) -> NimbusServer:
        srv = start_server(tmp_path / name, **kwargs)
        started.append(srv)
        return srv

    yield make
    for srv in started:
        if srv.alive():
            srv.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Attach the tail of every running server's log to failing tests."""
    outcome = yield
    rep = outcome.get_result()
    if rep.failed and call.when in ("call", "setup", "teardown"):
        for i, srv in enumerate(_SERVERS):
            if srv.log_path and srv.log_path.exists():
                rep.sections.append((f"nimbus server log #{i} ({srv.log_path})", srv.log_tail(40)))


# --------------------------------------------------------------------------
# Clients and runners
# --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def lambda_client(server):
    return server.client()


@pytest.fixture
def fn_name(request, functions):
    """A unique, valid function name for this test (deleted at teardown if it exists)."""
    name = unique_name(request.node.name)
    functions.created.append(name)
    return name


def unique_name(hint: str) -> str:
    base = re.sub(r"[^a-zA-Z0-9-]+", "-", hint).strip("-")[:40] or "fn"
    return f"e2e-{base}-{uuid.uuid4().hex[:8]}"


class Functions:
    """Creates functions on a server and deletes them again at teardown."""

    def __init__(self, client, hint: str):
        self.client = client
        self.hint = hint
        self.created: list[str] = []

    def name(self) -> str:
        return unique_name(self.hint)

    def create(self, name: str | None = None, zip_bytes: bytes | None = None, *, wait: bool = True, **kwargs) -> dict:
        name = name or self.name()
        params = dict(
            FunctionName=name,
            Runtime="provided.al2023",
            Role=ROLE,
            Handler="bootstrap.handler",
            Code={"ZipFile": zip_bytes if zip_bytes is not None else echo_zip()},
        )
        params.update(kwargs)
        resp = self.client.create_function(**params)
        self.created.append(name)
        if wait:
            wait_active(self.client, name)
        return resp

    def cleanup(self):
        for name in self.created:
            try:
                self.client.delete_function(FunctionName=name)
            except Exception:  # noqa: BLE001 - best effort
                pass


@pytest.fixture
def functions(lambda_client, request):
    f = Functions(lambda_client, request.node.name)
    yield f
    f.cleanup()


def aws_cli_env(tmp: Path, access_key=ACCESS_KEY, secret_key=SECRET_KEY, region=REGION) -> dict:
    env = dict(os.environ)
    env.update(
        AWS_ACCESS_KEY_ID=access_key,
        AWS_SECRET_ACCESS_KEY=secret_key,
        AWS_DEFAULT_REGION=region,
        AWS_REGION=region,
        AWS_CONFIG_FILE=str(tmp / "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp / "no-aws-credentials"),
        AWS_DEFAULT_OUTPUT="json",
        AWS_PAGER="",
        AWS_MAX_ATTEMPTS="1",
        AWS_RETRY_MODE="standard",
    )
    env.pop("AWS_SESSION_TOKEN", None)
    env.pop("AWS_PROFILE", None)
    return env


@pytest.fixture
def aws_cli(server, tmp_path):
    """Run the `aws` CLI (v1) against the shared server. Returns CompletedProcess."""

    def run(*args: str, timeout: float = SUBPROCESS_TIMEOUT, check: bool = True) -> subprocess.CompletedProcess:
        cmd = ["aws", *args, "--endpoint-url", server.endpoint, "--cli-read-timeout", "60", "--cli-connect-timeout", "5"]
        proc = subprocess.run(
            cmd, env=aws_cli_env(tmp_path), cwd=str(tmp_path), capture_output=True, timeout=timeout
        )
        if check:
            assert proc.returncode == 0, (
                f"aws {' '.join(args)} failed ({proc.returncode}):\nstdout: {proc.stdout.decode(errors='replace')}\n"
                f"stderr: {proc.stderr.decode(errors='replace')}"
            )
        return proc

    return run


@pytest.fixture
def nimbus_logs(server):
    """Run `nimbus logs NAME --data-dir DIR` (non-following) and return stdout text."""

    def run(name: str, *extra: str, timeout: float = 30) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(nimbus_bin()), "logs", name, "--data-dir", str(server.data_dir), *extra],
            capture_output=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )

    return run


@pytest.fixture
def alive(server, lambda_client):
    """Call at the end of failure-case tests: the server must still answer."""
    from e2e_helpers import assert_server_alive

    def check():
        assert_server_alive(server, lambda_client)

    return check



class SideEffects:
    """A loopback HTTP server that functions report to (`POST <url>/<token>` with a body):
    how a test sees what a sandboxed function did, since it cannot write host files."""

    def __init__(self):
        import http.server
        import threading

        import time

        received: dict[str, str] = {}
        self.received = received
        # Every report per token, with its arrival time (monotonic): attempts and spacing.
        history: dict[str, list[tuple[float, str]]] = {}
        self.history = history

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                received[self.path.strip("/")] = body
                history.setdefault(self.path.strip("/"), []).append((time.monotonic(), body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def has(self, token: str) -> bool:
        return token in self.received

    def get(self, token: str) -> str:
        return self.received[token]

    def all(self, token: str) -> list[tuple[float, str]]:
        """Every report for `token`: (monotonic arrival time, body), oldest first."""
        return list(self.history.get(token, []))


@pytest.fixture(scope="session")
def side_effects():
    sink = SideEffects()
    yield sink
    sink.httpd.shutdown()
