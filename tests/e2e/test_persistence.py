"""State survives a hard kill; SIGTERM shuts down cleanly."""

from __future__ import annotations

import os
import signal
import time

from e2e_helpers import (
    ROLE,
    bootstrap_zip,
    descendants,
    expect_error,
    invoke,
    json_reply_zip,
    process_gone,
    runtime_script,
    wait_active,
    wait_for,
    wait_updated,
)


def _create(client, name, code, **kw):
    resp = client.create_function(FunctionName=name, Runtime="provided.al2023", Role=ROLE, Handler="bootstrap",
                                  Code={"ZipFile": code}, **kw)
    wait_active(client, name)
    return resp


def test_restart_after_sigkill_keeps_functions(server_factory):
    srv = server_factory("persist")
    client = srv.client()
    _create(client, "keep-one", json_reply_zip({"fn": "one"}))
    _create(client, "keep-two", json_reply_zip({"fn": "two"}), Environment={"Variables": {"ENV_A": "1"}}, Timeout=9)
    _create(client, "to-delete", json_reply_zip({"fn": "gone"}))
    client.update_function_configuration(FunctionName="keep-two", Description="updated before crash", MemorySize=256)
    wait_updated(client, "keep-two")
    client.update_function_code(FunctionName="keep-one", ZipFile=json_reply_zip({"fn": "one", "v": 2}))
    wait_updated(client, "keep-one")
    client.delete_function(FunctionName="to-delete")
    assert invoke(client, "keep-one", {})["Json"]["fn"] == "one"  # leave a warm environment behind

    before = {f["FunctionName"]: f for f in client.list_functions()["Functions"]}
    assert set(before) == {"keep-one", "keep-two"}

    srv.kill()  # SIGKILL: no chance to flush anything
    assert not srv.alive()
    srv.start()  # same data dir, new port
    client = srv.client()

    after = {f["FunctionName"]: f for f in client.list_functions()["Functions"]}
    assert set(after) == {"keep-one", "keep-two"}
    for name in after:
        for key in ("FunctionArn", "CodeSha256", "CodeSize", "RevisionId", "LastModified", "Runtime", "Handler",
                    "Timeout", "MemorySize", "Environment", "Description", "Role"):
            assert after[name].get(key) == before[name].get(key), (name, key, before[name].get(key), after[name].get(key))
    two = client.get_function_configuration(FunctionName="keep-two")
    assert (two["Description"], two["MemorySize"], two["Timeout"], two["Environment"]) == (
        "updated before crash", 256, 9, {"Variables": {"ENV_A": "1"}})
    assert two["State"] == "Active"
    expect_error(client.get_function, "ResourceNotFoundException", 404, FunctionName="to-delete")

    one = invoke(client, "keep-one", {})
    assert "FunctionError" not in one, one["Body"]
    assert one["Json"]["fn"] == "one" and one["Json"]["v"] == 2
    assert invoke(client, "keep-two", {})["Json"]["fn"] == "two"
    usage = client.get_account_settings()["AccountUsage"]
    assert usage["FunctionCount"] == 2

    # and it keeps working as usual
    _create(client, "after-restart", json_reply_zip({"fn": "new"}))
    assert invoke(client, "after-restart", {})["Json"]["fn"] == "new"


PID_HANDLER = 'respond_json "{\\"pid\\": \\"$ENV_ID\\"}"'


def test_sigterm_stops_server_and_runtimes(server_factory):
    srv = server_factory("sigterm")
    client = srv.client()
    _create(client, "warm", bootstrap_zip(runtime_script(PID_HANDLER)))
    invoke(client, "warm", {})
    runtimes = descendants(srv.proc.pid)
    assert runtimes, "the warm runtime is a live process on this host"

    start = time.monotonic()
    code = srv.stop(timeout=10)
    assert code is not None, "nimbus did not exit within 10 s of SIGTERM"
    assert time.monotonic() - start < 10

    try:
        wait_for(lambda: all(process_gone(p) for p in runtimes), timeout=5, what=f"runtime processes {runtimes} to exit after server shutdown")
    finally:
        for pid in runtimes:
            if not process_gone(pid):  # do not leave the orphan behind
                os.kill(pid, signal.SIGKILL)


def test_a_restart_removes_code_nothing_uses(server_factory):
    """Replaced and deleted code is removed from the data directory at the next start;
    code a version, a function or a layer still uses stays."""
    import hashlib

    srv = server_factory("code-gc")
    client = srv.client()
    first, second, gone = json_reply_zip({"v": 1}), json_reply_zip({"v": 2}), json_reply_zip({"v": "deleted"})
    _create(client, "gc-kept", first)
    client.publish_version(FunctionName="gc-kept")  # version 1 keeps the first code
    client.update_function_code(FunctionName="gc-kept", ZipFile=second)
    wait_updated(client, "gc-kept")
    client.update_function_code(FunctionName="gc-kept", ZipFile=json_reply_zip({"v": 3}))  # replaces the second
    wait_updated(client, "gc-kept")
    _create(client, "gc-deleted", gone)
    client.delete_function(FunctionName="gc-deleted")
    code_dir = srv.data_dir / "code"
    digest = lambda zip_bytes: hashlib.sha256(zip_bytes).hexdigest()  # noqa: E731
    assert all((code_dir / f"{digest(z)}.zip").exists() for z in (first, second, gone))

    assert srv.stop() == 0
    srv.start()
    client = srv.client()
    assert (code_dir / f"{digest(first)}.zip").exists() and (code_dir / digest(first)).is_dir()
    for removed in (second, gone):
        assert not (code_dir / f"{digest(removed)}.zip").exists() and not (code_dir / digest(removed)).exists()
    assert "removed 2 unused code packages" in srv.log_tail()
    assert invoke(client, "gc-kept", {}, Qualifier="1")["Json"]["v"] == 1
    assert invoke(client, "gc-kept", {})["Json"]["v"] == 3
