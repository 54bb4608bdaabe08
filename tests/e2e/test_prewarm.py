"""Pre-initialized sandboxes (`nimbus serve --prewarm N`): a cold start specializes a
generic Python sandbox that was started earlier. It must behave exactly like a cold-started
environment: the same isolation and limits, the function's own code, variables and /tmp,
and nothing from the pool or from another function."""
import os
import time

import pytest

from e2e_helpers import ROLE, decode_log_result, find_report, invoke, wait_active, wait_for, zip_bytes

APP = r'''
import os, json
print("init-output-line")
STATE = {"calls": 0}

def _age():
    """Seconds since this interpreter started."""
    ticks = os.sysconf("SC_CLK_TCK")
    start = int(open("/proc/self/stat").read().rsplit(")", 1)[1].split()[19]) / ticks
    return float(open("/proc/uptime").read().split()[0]) - start

def handler(event, context):
    STATE["calls"] += 1
    if event.get("write"):
        open("/tmp/" + event["write"], "w").write("x")
    st = os.statvfs("/tmp")
    try:
        open("/var/task/new", "w")
        task_writable = True
    except OSError:
        task_writable = False
    opt = sorted(os.listdir("/opt"))
    return {"age": _age(), "calls": STATE["calls"], "uid": os.getuid(), "task": sorted(os.listdir("/var/task")),
            "tmp_files": sorted(os.listdir("/tmp")), "tmp_bytes": st.f_blocks * st.f_frsize,
            "env": {k: v for k, v in os.environ.items()}, "task_writable": task_writable, "opt": opt,
            "memory": context.memory_limit_in_mb, "name": context.function_name, "cwd": os.getcwd()}
'''


@pytest.fixture
def prewarmed(server_factory):
    srv = server_factory("prewarm", extra_args=["--prewarm", "2"])
    time.sleep(2.0)  # the pool starts in the background
    return srv


def create(client, name, code=None, **kwargs):
    params = dict(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
                  Code={"ZipFile": code or zip_bytes([("app.py", APP, 0o644)])})
    params.update(kwargs)
    client.create_function(**params)
    wait_active(client, name)


def test_a_cold_start_specializes_a_prestarted_sandbox(prewarmed):
    client = prewarmed.client()
    create(client, "pre-a", MemorySize=256, EphemeralStorage={"Size": 1024},
           Environment={"Variables": {"GREETING": "hello"}})
    resp = invoke(client, "pre-a", {}, LogType="Tail")
    assert "FunctionError" not in resp, resp["Body"]
    facts = resp["Json"]
    assert facts["age"] >= 1.0, "the interpreter should have been running before the invoke"
    # The function's own environment, exactly: its code, variables, limits, user.
    assert facts["task"] == ["app.py"] and facts["cwd"] == "/var/task"
    assert facts["env"]["GREETING"] == "hello"
    assert facts["env"]["AWS_LAMBDA_FUNCTION_NAME"] == "pre-a" and facts["name"] == "pre-a"
    assert facts["env"]["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256" and facts["memory"] == "256"
    assert "NIMBUS_PREWARMED" not in facts["env"]
    assert facts["uid"] == 993
    assert facts["tmp_bytes"] == 1024 * 1024 * 1024
    assert facts["task_writable"] is False
    assert facts["tmp_files"] == []
    log = decode_log_result(resp)
    assert "init-output-line" in log
    report = find_report(log, resp["ResponseMetadata"]["RequestId"])
    assert report["init"] is not None and int(report["mem"]) == 256
    # The cgroup follows the function, not the pool's generic limits.
    limits = [(g / "memory.limit_in_bytes").read_text().strip()
              for g in (prewarmed_cgroups(prewarmed)) if (g / "memory.limit_in_bytes").exists()]
    assert str(256 * 1024 * 1024) in limits
    # Warm reuse as usual.
    again = invoke(client, "pre-a", {})["Json"]
    assert again["calls"] == 2


def prewarmed_cgroups(srv):
    from pathlib import Path
    base = Path("/sys/fs/cgroup/memory/nimbus") / str(srv.proc.pid)
    return [g for g in base.iterdir() if g.is_dir() and not g.name.startswith(".")]


def test_nothing_carries_over_between_functions(prewarmed):
    client = prewarmed.client()
    create(client, "pre-one", Environment={"Variables": {"ONLY_ONE": "secret-one"}})
    one = invoke(client, "pre-one", {"write": "from-one"})["Json"]
    assert one["tmp_files"] == ["from-one"] and one["age"] >= 1.0
    time.sleep(1.0)  # the pool refills
    create(client, "pre-two")
    two = invoke(client, "pre-two", {})["Json"]
    assert two["age"] >= 0.5
    assert two["tmp_files"] == [] and two["calls"] == 1
    assert "ONLY_ONE" not in two["env"] and "secret-one" not in str(two["env"])


def test_layers_appear_at_opt(prewarmed):
    client = prewarmed.client()
    layer = client.publish_layer_version(LayerName="pre-layer", Content={"ZipFile": zip_bytes([("python/helper.py", "X = 1\n", 0o644)])})
    create(client, "pre-layers", Layers=[layer["LayerVersionArn"]])
    facts = invoke(client, "pre-layers", {})["Json"]
    assert facts["opt"] == ["python"] and facts["age"] >= 1.0


def test_init_errors_are_the_same_as_a_cold_start(prewarmed):
    client = prewarmed.client()
    create(client, "pre-broken", Handler="nosuch.handler")
    resp = invoke(client, "pre-broken", {})
    assert resp["FunctionError"] == "Unhandled"
    assert resp["Json"]["errorType"] == "Runtime.ImportModuleError"
    assert resp["Json"]["errorMessage"] == "Unable to import module 'nosuch': No module named 'nosuch'"


def test_startup_variables_bypass_the_pool(prewarmed):
    """PYTHON* and LD_* are read when the interpreter starts, so such functions cold-start."""
    client = prewarmed.client()
    create(client, "pre-startvars", Environment={"Variables": {"PYTHONHASHSEED": "0"}})
    facts = invoke(client, "pre-startvars", {})["Json"]
    assert facts["age"] < 1.0
    assert facts["env"]["PYTHONHASHSEED"] == "0"


NODE_APP = r'''
const fs = require("node:fs");
const greet = require("greet");
console.log("node-init-line");
exports.handler = async () => ({
  age: process.uptime(), uid: process.getuid(), task: fs.readdirSync("/var/task").sort(),
  env: { ...process.env }, greeting: greet("pool"), tmp: fs.readdirSync("/tmp"),
  offset: new Date(Date.UTC(2026, 0, 1)).getTimezoneOffset(),
});
'''


def test_node_cold_start_specializes_too(prewarmed):
    client = prewarmed.client()
    layer = client.publish_layer_version(LayerName="pre-node", Content={"ZipFile": zip_bytes(
        [("nodejs/node_modules/greet/index.js", "module.exports = (n) => `hi ${n}`;\n", 0o644)])})
    create(client, "pre-node", code=zip_bytes([("index.js", NODE_APP, 0o644)]), Runtime="nodejs20.x",
           Handler="index.handler", Layers=[layer["LayerVersionArn"]], Environment={"Variables": {"COLOR": "blue", "TZ": "America/New_York"}})
    resp = invoke(client, "pre-node", {}, LogType="Tail")
    assert "FunctionError" not in resp, resp["Body"]
    facts = resp["Json"]
    assert facts["age"] >= 1.0, "node should have been running before the invoke"
    assert facts["greeting"] == "hi pool"  # NODE_PATH reaches /opt/nodejs/node_modules
    assert facts["task"] == ["index.js"] and facts["uid"] == 993 and facts["tmp"] == []
    assert facts["env"]["COLOR"] == "blue" and facts["env"]["AWS_LAMBDA_FUNCTION_NAME"] == "pre-node"
    assert facts["env"]["AWS_EXECUTION_ENV"] == "AWS_Lambda_nodejs20.x"
    assert "NIMBUS_PREWARMED" not in facts["env"]
    # The specialization changes only what differs; a changed TZ still reaches Node's clock.
    assert facts["env"]["TZ"] == "America/New_York" and facts["offset"] == 300
    assert "node-init-line" in decode_log_result(resp)
