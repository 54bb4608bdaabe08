"""Sandboxed execution environments: namespaces, the filesystem, cgroup limits, the freezer,
isolated networks, and the security properties the README promises.

Every function here runs with the server's default isolation (`sandbox`), as a user gets it.
"""
import json
import os
import socket
import time
from pathlib import Path

import pytest

from e2e_helpers import assert_server_alive, decode_log_result, find_report, invoke, wait_for, zip_bytes

PROBE = r'''
import json, os, socket, threading, time

TICKS = []

def _ticker():
    while True:
        TICKS.append(time.monotonic())
        time.sleep(0.01)

def facts(event, context):
    out = {"uid": os.getuid(), "gid": os.getgid(), "euid": os.geteuid(), "cwd": os.getcwd(),
           "root": sorted(os.listdir("/")), "task": sorted(os.listdir(os.environ["LAMBDA_TASK_ROOT"])),
           "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
           "hostname": socket.gethostname(), "api": os.environ["AWS_LAMBDA_RUNTIME_API"],
           "env": dict(os.environ)}
    st = os.statvfs("/tmp")
    out["tmp_bytes"] = st.f_blocks * st.f_frsize
    out["caps"] = [l for l in open("/proc/self/status").read().splitlines() if l.startswith("CapEff")][0]
    out["interfaces"] = sorted(l.split(":")[0].strip() for l in open("/proc/net/dev").read().splitlines()[2:])
    return out

def exists(event, context):
    return {p: os.path.exists(p) for p in event["paths"]}

def read(event, context):
    try:
        with open(event["path"], "rb") as f:
            return {"read": len(f.read())}
    except OSError as e:
        return {"error": type(e).__name__, "errno": e.errno}

def write(event, context):
    results = {}
    for path in event["paths"]:
        try:
            with open(path, "w") as f:
                f.write("x")
            results[path] = "written"
        except OSError as e:
            results[path] = type(e).__name__
    return results

def environs(event, context):
    seen = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                seen.append(open("/proc/%s/environ" % pid, "rb").read().decode(errors="replace"))
            except OSError:
                pass
    return {"all": "\n".join(seen)}

def connect(event, context):
    s = socket.socket()
    s.settimeout(2)
    try:
        s.connect(("127.0.0.1", event["port"]))
        return {"connected": True}
    except OSError as e:
        return {"connected": False, "error": str(e)}
    finally:
        s.close()

def hog(event, context):
    chunks = []
    while True:
        chunks.append(bytearray(8 * 1024 * 1024))

def allocate(event, context):
    block = bytearray(event["mb"] * 1024 * 1024)
    for i in range(0, len(block), 4096):
        block[i] = 1
    return len(block)

def forks(event, context):
    children = 0
    error = None
    try:
        while children < 3000:
            if os.fork() == 0:
                time.sleep(20)
                os._exit(0)
            children += 1
    except OSError as e:
        error = e.strerror
    return {"children": children, "error": error}

def suicide(event, context):
    os.kill(os.getpid(), 9)

def ticks(event, context):
    if not TICKS:
        threading.Thread(target=_ticker, daemon=True).start()
        time.sleep(0.05)
    gaps = [b - a for a, b in zip(TICKS, TICKS[1:])]
    return {"max_gap": max(gaps) if gaps else 0, "count": len(TICKS)}
'''


@pytest.fixture(scope="module")
def probe_zip():
    return zip_bytes([("probe.py", PROBE, 0o644)])


def make(functions, probe_zip, handler, **kwargs):
    return functions.create(zip_bytes=probe_zip, Runtime="python3.12", Handler="probe." + handler, **kwargs)["FunctionName"]


def call(client, name, payload=None, **kwargs):
    resp = invoke(client, name, payload or {}, **kwargs)
    assert "FunctionError" not in resp, resp["Body"]
    return resp["Json"]


def cgroup_parents(server, controller):
    return Path("/sys/fs/cgroup") / controller / "nimbus" / str(server.proc.pid)


def group_values(server, controller, name):
    """{environment id: contents of `name`} for the server's live environment groups
    (a group may vanish while it is read: its environment was just retired)."""
    values = {}
    for group in cgroup_parents(server, controller).iterdir():
        try:
            if group.is_dir() and not group.name.startswith("."):  # .anchor is not an environment
                values[group.name] = (group / name).read_text().strip()
        except OSError:
            pass
    return values


def test_runs_as_unprivileged_user_in_own_namespaces(lambda_client, functions, probe_zip, server):
    name = make(functions, probe_zip, "facts", EphemeralStorage={"Size": 1024})
    facts = call(lambda_client, name)
    assert facts["uid"] == 993 and facts["euid"] == 993 and facts["gid"] == 990
    assert facts["caps"].split()[1] == "0000000000000000"
    assert facts["cwd"] == "/var/task"
    assert facts["task"] == ["probe.py"]
    # A minimal root: system directories and Lambda's mount points only.
    assert set(facts["root"]) <= {"bin", "sbin", "lib", "lib32", "lib64", "libx32", "usr", "etc", "var", "opt", "tmp", "proc", "dev", "run"}
    assert "root" not in facts["root"] and "home" not in facts["root"]
    # Its own PID namespace: only the sandbox's few processes, none of the host's.
    assert len(facts["pids"]) <= 4 and max(facts["pids"]) < 10
    assert server.proc.pid not in facts["pids"] or server.proc.pid < 10
    # /tmp is sized by EphemeralStorage.
    assert facts["tmp_bytes"] == 1024 * 1024 * 1024
    # Nothing of the server's own environment leaks in.
    assert "NIMBUS_E2E_HOST_ONLY" not in facts["env"]
    assert facts["env"]["LAMBDA_TASK_ROOT"] == "/var/task"


def test_cannot_see_data_directory_database_or_other_code(lambda_client, functions, probe_zip, server):
    secret = functions.create(zip_bytes=zip_bytes([("secret.txt", "top secret", 0o644), ("probe.py", PROBE, 0o644)]),
                              Runtime="python3.12", Handler="probe.facts")["FunctionName"]
    call(lambda_client, secret)
    name = make(functions, probe_zip, "exists")
    data = server.data_dir.resolve()
    paths = [str(data), str(data / "nimbus.sqlite"), str(data / "code"), "/var/task/secret.txt", str(Path.cwd()), "/root", "/etc/shadow"]
    seen = call(lambda_client, name, {"paths": paths})
    assert seen == {p: False for p in paths}
    assert (data / "nimbus.sqlite").exists()  # the host does have them
    reader = make(functions, probe_zip, "read")
    assert call(lambda_client, reader, {"path": str(data / "nimbus.sqlite")})["error"] == "FileNotFoundError"


def test_cannot_write_outside_tmp(lambda_client, functions, probe_zip):
    name = make(functions, probe_zip, "write")
    targets = ["/var/task/new.txt", "/var/task/probe.py", "/usr/x", "/etc/x", "/opt/x", "/x", "/var/runtime/x", "/tmp/ok"]
    result = call(lambda_client, name, {"paths": targets})
    assert result.pop("/tmp/ok") == "written"
    assert all(outcome in ("PermissionError", "OSError", "FileNotFoundError") for outcome in result.values()), result


def test_environment_variables_are_private(lambda_client, functions, probe_zip):
    holder = make(functions, probe_zip, "facts", Environment={"Variables": {"SECRET_TOKEN": "s3cr3t-value-42"}})
    assert call(lambda_client, holder)["env"]["SECRET_TOKEN"] == "s3cr3t-value-42"
    snooper = make(functions, probe_zip, "environs")
    assert "s3cr3t-value-42" not in call(lambda_client, snooper)["all"]


def test_memory_hog_gets_out_of_memory_and_others_are_unharmed(lambda_client, functions, probe_zip, server):
    bystander = make(functions, probe_zip, "facts")
    call(lambda_client, bystander)
    hog = make(functions, probe_zip, "hog", MemorySize=128)
    resp = invoke(lambda_client, hog, {}, LogType="Tail")
    assert resp["FunctionError"] == "Unhandled"
    body = resp["Json"]
    assert body["errorType"] == "Runtime.OutOfMemory"
    assert body["errorMessage"] == f"RequestId: {resp['ResponseMetadata']['RequestId']} Error: Runtime exited with error: signal: killed"
    report = find_report(decode_log_result(resp), resp["ResponseMetadata"]["RequestId"])
    assert int(report["used"]) == 128
    # A new environment serves the next invocation; the server and other functions carry on.
    alloc = make(functions, probe_zip, "allocate", MemorySize=128)
    assert call(lambda_client, alloc, {"mb": 8}) == 8 * 1024 * 1024
    call(lambda_client, bystander)
    assert_server_alive(server, lambda_client)


def test_other_kills_are_not_reported_as_out_of_memory(lambda_client, functions, probe_zip):
    name = make(functions, probe_zip, "suicide")
    resp = invoke(lambda_client, name, {})
    assert resp["Json"]["errorType"] == "Runtime.ExitError"
    assert resp["Json"]["errorMessage"].endswith("Error: Runtime exited with error: signal: killed")


def test_fork_bomb_is_stopped_by_the_pids_limit(lambda_client, functions, probe_zip, server):
    name = make(functions, probe_zip, "forks", MemorySize=2048, Timeout=30)
    result = call(lambda_client, name)
    assert result["error"] == "Resource temporarily unavailable"
    assert 900 < result["children"] < 1024
    other = make(functions, probe_zip, "facts")
    call(lambda_client, other)
    assert_server_alive(server, lambda_client)


def test_max_memory_used_comes_from_the_cgroup(lambda_client, functions, probe_zip):
    name = make(functions, probe_zip, "allocate", MemorySize=256)
    resp = invoke(lambda_client, name, {"mb": 64}, LogType="Tail")
    used = int(find_report(decode_log_result(resp), resp["ResponseMetadata"]["RequestId"])["used"])
    assert 64 <= used <= 256


def test_limits_follow_the_configuration(lambda_client, functions, probe_zip, server):
    name = make(functions, probe_zip, "facts", MemorySize=1769)
    call(lambda_client, name)
    limits = group_values(server, "memory", "memory.limit_in_bytes")
    env_id = next(name for name, limit in limits.items() if int(limit) == 1769 * 1024 * 1024)
    assert (cgroup_parents(server, "pids") / env_id / "pids.max").read_text().strip() == "1024"
    assert (cgroup_parents(server, "cpu") / env_id / "cpu.shares").read_text().strip() == "1024"


def test_idle_environments_are_frozen(lambda_client, functions, probe_zip, server):
    name = make(functions, probe_zip, "ticks")
    first = call(lambda_client, name)
    assert first["count"] >= 1
    time.sleep(1.0)
    second = call(lambda_client, name)
    # The ticker thread ran every 10 ms while invoked, and not at all while frozen.
    assert second["max_gap"] >= 0.8, second
    # Frozen again once the runtime asks for the next event.
    wait_for(lambda: "FROZEN" in group_values(server, "freezer", "freezer.state").values(),
             timeout=5, what="the idle environment to be frozen")


def test_frozen_environments_are_thawed_and_killed_on_update(lambda_client, functions, probe_zip, server):
    name = make(functions, probe_zip, "facts")
    env_id = call(lambda_client, name)["env"]["AWS_LAMBDA_LOG_STREAM_NAME"].rsplit("]", 1)[1]
    wait_for(lambda: group_values(server, "freezer", "freezer.state").get(env_id) == "FROZEN",
             timeout=5, what="the idle environment to be frozen")
    lambda_client.update_function_configuration(FunctionName=name, MemorySize=192)
    wait_for(lambda: lambda_client.get_function_configuration(FunctionName=name)["LastUpdateStatus"] == "Successful")
    wait_for(lambda: env_id not in group_values(server, "freezer", "freezer.state"), timeout=10,
             what="the frozen environment to be thawed, killed and its cgroup removed")
    assert env_id not in group_values(server, "memory", "memory.usage_in_bytes")
    call(lambda_client, name)


def test_isolated_network_reaches_only_its_runtime_api(lambda_client, functions, probe_zip, server):
    isolated = make(functions, probe_zip, "facts", Environment={"Variables": {"NIMBUS_NETWORK_MODE": "isolated"}})
    facts = call(lambda_client, isolated)
    assert facts["api"] == "127.0.0.1:9001"
    assert facts["interfaces"] == ["lo"]
    connector = make(functions, probe_zip, "connect", Environment={"Variables": {"NIMBUS_NETWORK_MODE": "isolated"}})
    assert call(lambda_client, connector, {"port": server.port})["connected"] is False
    # Warm invocations keep working through the relay.
    for _ in range(3):
        assert call(lambda_client, connector, {"port": server.port})["connected"] is False


def test_host_network_keeps_outbound_access(lambda_client, functions, probe_zip, server):
    connector = make(functions, probe_zip, "connect")
    assert call(lambda_client, connector, {"port": server.port})["connected"] is True


def test_process_isolation_runs_plain_processes(server_factory, probe_zip):
    srv = server_factory("plain", extra_args=["--isolation", "process"])
    client = srv.client()
    client.create_function(FunctionName="plain", Runtime="python3.12", Role="arn:aws:iam::000000000000:role/x",
                           Handler="probe.facts", Code={"ZipFile": probe_zip})
    wait_for(lambda: client.get_function_configuration(FunctionName="plain")["State"] == "Active")
    facts = call(client, "plain")
    assert facts["uid"] == 0
    assert facts["env"]["LAMBDA_TASK_ROOT"] != "/var/task"
    assert "isolation process" in srv.log_tail(200)


def test_missing_bubblewrap_falls_back_with_one_warning(server_factory, probe_zip):
    srv = server_factory("nobwrap", env={"NIMBUS_BWRAP": "/nonexistent/bwrap"})
    log = srv.log_tail(200)
    assert log.count("bubblewrap is not installed") == 1
    assert "isolation process" in log
    client = srv.client()
    client.create_function(FunctionName="fallback", Runtime="python3.12", Role="arn:aws:iam::000000000000:role/x",
                           Handler="probe.facts", Code={"ZipFile": probe_zip})
    wait_for(lambda: client.get_function_configuration(FunctionName="fallback")["State"] == "Active")
    assert call(client, "fallback")["uid"] == 0


def test_explicit_sandbox_without_bubblewrap_refuses_to_start(tmp_path):
    import subprocess
    from e2e_helpers import nimbus_bin
    env = dict(os.environ, NIMBUS_BWRAP="/nonexistent/bwrap")
    result = subprocess.run([str(nimbus_bin()), "serve", "--port", "0", "--data-dir", str(tmp_path / "d"), "--isolation", "sandbox"],
                            env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    assert "--isolation sandbox cannot work on this machine" in result.stdout + result.stderr
    assert "bubblewrap is not installed" in result.stdout + result.stderr


def test_exit_codes_above_128_are_exit_codes_without_a_sandbox(server_factory):
    """Only bubblewrap turns a signal into 128+N; a plain process's `exit 130` stays an exit status."""
    from e2e_helpers import ROLE, bootstrap_zip, runtime_script, wait_active
    srv = server_factory("plain-exit", extra_args=["--isolation", "process"])
    client = srv.client()
    client.create_function(FunctionName="exits", Runtime="provided.al2023", Role=ROLE, Handler="x",
                           Code={"ZipFile": bootstrap_zip(runtime_script("exit 130"))})
    wait_active(client, "exits")
    resp = invoke(client, "exits", {})
    assert resp["Json"]["errorType"] == "Runtime.ExitError"
    assert resp["Json"]["errorMessage"].endswith("Runtime exited with error: exit status 130")
