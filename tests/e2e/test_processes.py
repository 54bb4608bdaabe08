"""What Nimbus leaves behind on the host: no zombie children, no orphaned runtimes."""
import os
import signal
import time

from e2e_helpers import bootstrap_zip, children, descendants, echo_zip, invoke, runtime_script


def wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def test_retired_environments_are_reaped(server, lambda_client, functions, fn_name):
    """Every environment retired by an update, a timeout or a crash is waited for:
    the server keeps no zombie children."""
    functions.create(fn_name, echo_zip())
    for i in range(3):
        invoke(lambda_client, fn_name, {"i": i})
        lambda_client.update_function_configuration(FunctionName=fn_name, Description=f"v{i}")
    crash = functions.create(zip_bytes=bootstrap_zip(runtime_script("exit 3")))["FunctionName"]
    for _ in range(3):
        assert invoke(lambda_client, crash, {}).get("FunctionError") == "Unhandled"
    pid = server.proc.pid
    assert wait_for(lambda: not [c for c in children(pid) if c[1] == "Z"]), children(pid)


def test_runtimes_do_not_outlive_a_killed_server(server_factory):
    """After `kill -9` of the server, its runtimes die too (they would otherwise spin on
    a Runtime API that is gone)."""
    srv = server_factory("orphans")
    client = srv.client()
    client.create_function(FunctionName="orphan", Runtime="provided.al2023", Role="arn:aws:iam::000000000000:role/r",
                           Handler="x", Code={"ZipFile": echo_zip()})
    invoke(client, "orphan", {})
    runtimes = descendants(srv.proc.pid)
    assert runtimes, "expected a warm runtime process under the server"
    srv.proc.send_signal(signal.SIGKILL)
    srv.proc.wait(timeout=10)
    assert wait_for(lambda: all(not os.path.exists(f"/proc/{p}") or open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()[0] == "Z"
                                for p in runtimes)), runtimes
