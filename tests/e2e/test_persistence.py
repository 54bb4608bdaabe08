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
