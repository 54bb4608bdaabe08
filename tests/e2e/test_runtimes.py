"""Managed runtimes: ordinary Python and Node.js handlers, run by Nimbus's own runtime clients."""
import base64
import json
import time

import pytest

from e2e_helpers import invoke, zip_bytes

PY_APP = '''
import json, logging, os, time
logger = logging.getLogger()
INIT_RUNS = []
INIT_RUNS.append(time.time())          # module-level init: once per environment
time.sleep(float(os.environ.get("HEAVY_INIT", "0")))

def echo(event, context):
    print("echo", json.dumps(event))
    logger.warning("warned")
    return {"event": event, "init_runs": len(INIT_RUNS), "pid": context.log_stream_name,
            "context": {"aws_request_id": context.aws_request_id, "function_name": context.function_name,
                        "function_version": context.function_version, "memory_limit_in_mb": context.memory_limit_in_mb,
                        "invoked_function_arn": context.invoked_function_arn, "log_group_name": context.log_group_name,
                        "log_stream_name": context.log_stream_name,
                        "remaining": context.get_remaining_time_in_millis(),
                        "custom": context.client_context.custom if context.client_context else None}}

def raises(event, context):
    raise ValueError("kaboom")

def sleeps(event, context):
    time.sleep(5)

def tmp(event, context):
    path = "/tmp/nimbus-e2e-%s" % context.function_name
    count = int(open(path).read()) + 1 if os.path.exists(path) else 1
    open(path, "w").write(str(count))
    return count

def unserializable(event, context):
    return {"s": {1, 2}}
'''

NODE_APP = '''
let count = 0;
export const handler = async (event, context) => {
  count++;
  console.log("echo", JSON.stringify(event));
  return { event, count, requestId: context.awsRequestId, functionName: context.functionName,
           memoryLimitInMB: context.memoryLimitInMB, remaining: context.getRemainingTimeInMillis() };
};
export const callback = (event, context, cb) => {
  setTimeout(() => console.log("after callback"), 50);
  cb(null, { via: "callback" });
};
export const noWait = (event, context, cb) => {
  context.callbackWaitsForEmptyEventLoop = false;
  setTimeout(() => {}, 2000);
  cb(null, { waited: false });
};
export const raises = async () => { throw new TypeError("bad thing"); };
'''


@pytest.fixture
def py_zip():
    return zip_bytes([("app.py", PY_APP, 0o644)])


@pytest.fixture
def node_zip():
    return zip_bytes([("index.mjs", NODE_APP, 0o644)])


def test_python_echo_with_context(lambda_client, functions, fn_name, py_zip):
    functions.create(fn_name, py_zip, Runtime="python3.12", Handler="app.echo", MemorySize=256)
    ctx = base64.b64encode(json.dumps({"custom": {"k": "v"}}).encode()).decode()
    res = invoke(lambda_client, fn_name, {"x": 1}, ClientContext=ctx, LogType="Tail")
    assert "FunctionError" not in res, res["Body"]
    body = res["Json"]
    assert body["event"] == {"x": 1}
    c = body["context"]
    assert c["aws_request_id"] == res["ResponseMetadata"]["RequestId"]
    assert c["function_name"] == fn_name and c["function_version"] == "$LATEST"
    assert c["memory_limit_in_mb"] == "256"
    assert c["invoked_function_arn"].endswith(f":function:{fn_name}")
    assert c["log_group_name"] == f"/aws/lambda/{fn_name}"
    assert 0 < c["remaining"] <= 3000
    assert c["custom"] == {"k": "v"}
    log = base64.b64decode(res["LogResult"]).decode()
    assert 'echo {"x": 1}' in log
    assert f"[WARNING]\t" in log and f"\t{c['aws_request_id']}\twarned" in log


def test_python_init_runs_once_and_tmp_is_kept(lambda_client, functions, fn_name, py_zip):
    functions.create(fn_name, py_zip, Runtime="python3.11", Handler="app.echo")
    first, second = invoke(lambda_client, fn_name, {}), invoke(lambda_client, fn_name, {})
    assert first["Json"]["init_runs"] == 1 and second["Json"]["init_runs"] == 1
    assert first["Json"]["pid"] == second["Json"]["pid"]
    tmp_fn = functions.create(zip_bytes=py_zip, Runtime="python3.12", Handler="app.tmp")["FunctionName"]
    assert [invoke(lambda_client, tmp_fn, {})["Json"] for _ in range(3)] == [1, 2, 3]


def test_python_heavy_init_reports_init_duration(lambda_client, functions, fn_name, py_zip):
    functions.create(fn_name, py_zip, Runtime="python3.12", Handler="app.echo", Environment={"Variables": {"HEAVY_INIT": "0.5"}})
    res = invoke(lambda_client, fn_name, {}, LogType="Tail")
    report = [l for l in base64.b64decode(res["LogResult"]).decode().splitlines() if l.startswith("REPORT")][0]
    init_ms = float(report.split("Init Duration: ")[1].split(" ms")[0])
    assert init_ms >= 500


def test_python_exception_has_aws_shape(lambda_client, functions, fn_name, py_zip):
    functions.create(fn_name, py_zip, Runtime="python3.12", Handler="app.raises")
    res = invoke(lambda_client, fn_name, {})
    assert res["FunctionError"] == "Unhandled"
    body = res["Json"]
    assert body["errorType"] == "ValueError" and body["errorMessage"] == "kaboom"
    assert body["requestId"] == res["ResponseMetadata"]["RequestId"]
    assert any('raise ValueError("kaboom")' in line for line in body["stackTrace"])


def test_python_timeout(lambda_client, functions, fn_name, py_zip):
    functions.create(fn_name, py_zip, Runtime="python3.12", Handler="app.sleeps", Timeout=1)
    res = invoke(lambda_client, fn_name, {})
    assert res["Json"]["errorType"] == "Sandbox.Timedout"
    assert res["Json"]["errorMessage"].endswith("Task timed out after 1.00 seconds")


@pytest.mark.parametrize("handler,error_type,message", [
    ("missing.handler", "Runtime.ImportModuleError", "Unable to import module 'missing': No module named 'missing'"),
    ("app.nothere", "Runtime.HandlerNotFound", "Handler 'nothere' missing on module 'app'"),
    ("nodot", "Runtime.MalformedHandlerName", "Bad handler 'nodot': not enough values to unpack (expected 2, got 1)"),
])
def test_python_handler_errors(lambda_client, functions, fn_name, py_zip, handler, error_type, message):
    functions.create(fn_name, py_zip, Runtime="python3.12", Handler=handler)
    res = invoke(lambda_client, fn_name, {})
    assert res["FunctionError"] == "Unhandled"
    assert res["Json"]["errorType"] == error_type
    assert res["Json"]["errorMessage"] == message


def test_python_syntax_error_and_init_exception(lambda_client, functions, fn_name):
    functions.create(fn_name, zip_bytes([("bad.py", "def broken(:\n", 0o644)]), Runtime="python3.12", Handler="bad.handler")
    res = invoke(lambda_client, fn_name, {})
    assert res["Json"]["errorType"] == "Runtime.UserCodeSyntaxError"
    assert res["Json"]["errorMessage"].startswith("Syntax error in module 'bad'")
    other = functions.create(zip_bytes=zip_bytes([("boom.py", 'raise Exception("Runtime startup fails")\n', 0o644)]),
                             Runtime="python3.12", Handler="boom.handler")["FunctionName"]
    body = invoke(lambda_client, other, {})["Json"]
    # The shape recorded against AWS (test_lambda_runtime_error).
    assert body["errorType"] == "Exception" and body["errorMessage"] == "Runtime startup fails"
    assert body["requestId"] == "" and isinstance(body["stackTrace"], list)


def test_python_unserializable_result(lambda_client, functions, fn_name, py_zip):
    functions.create(fn_name, py_zip, Runtime="python3.12", Handler="app.unserializable")
    res = invoke(lambda_client, fn_name, {})
    assert res["Json"]["errorType"] == "Runtime.MarshalError"
    assert res["Json"]["errorMessage"].startswith("Unable to marshal response:")


def test_python_path_handler(lambda_client, functions, fn_name):
    code = zip_bytes([("src/handlers/api.py", "def handler(e, c):\n    return 'deep'\n", 0o644)])
    functions.create(fn_name, code, Runtime="python3.12", Handler="src/handlers/api.handler")
    assert invoke(lambda_client, fn_name, {})["Json"] == "deep"


def test_node_async_handler_and_console_format(lambda_client, functions, fn_name, node_zip):
    functions.create(fn_name, node_zip, Runtime="nodejs20.x", Handler="index.handler", MemorySize=512)
    first = invoke(lambda_client, fn_name, {"y": 2}, LogType="Tail")
    second = invoke(lambda_client, fn_name, {"y": 3})
    assert "FunctionError" not in first, first["Body"]
    body = first["Json"]
    assert body["event"] == {"y": 2} and body["count"] == 1 and second["Json"]["count"] == 2
    assert body["requestId"] == first["ResponseMetadata"]["RequestId"]
    assert body["functionName"] == fn_name and body["memoryLimitInMB"] == "512"
    assert 0 < body["remaining"] <= 3000
    log = base64.b64decode(first["LogResult"]).decode()
    assert f"\t{body['requestId']}\tINFO\techo {{\"y\":2}}" in log


def test_node_callback_waits_for_empty_event_loop(lambda_client, functions, fn_name, node_zip):
    functions.create(fn_name, node_zip, Runtime="nodejs20.x", Handler="index.callback")
    res = invoke(lambda_client, fn_name, {}, LogType="Tail")
    assert res["Json"] == {"via": "callback"}
    assert "after callback" in base64.b64decode(res["LogResult"]).decode()
    quick = functions.create(zip_bytes=node_zip, Runtime="nodejs20.x", Handler="index.noWait")["FunctionName"]
    invoke(lambda_client, quick, {})  # cold start
    started = time.monotonic()
    assert invoke(lambda_client, quick, {})["Json"] == {"waited": False}
    assert time.monotonic() - started < 1.5


def test_node_errors(lambda_client, functions, fn_name, node_zip):
    functions.create(fn_name, node_zip, Runtime="nodejs20.x", Handler="index.raises")
    body = invoke(lambda_client, fn_name, {})["Json"]
    assert body["errorType"] == "TypeError" and body["errorMessage"] == "bad thing"
    assert body["trace"][0] == "TypeError: bad thing"
    missing = functions.create(zip_bytes=node_zip, Runtime="nodejs20.x", Handler="index.nope")["FunctionName"]
    body = invoke(lambda_client, missing, {})["Json"]
    assert body["errorType"] == "Runtime.HandlerNotFound"
    assert body["errorMessage"] == "index.nope is undefined or not exported"
    nomodule = functions.create(zip_bytes=node_zip, Runtime="nodejs20.x", Handler="other.handler")["FunctionName"]
    body = invoke(lambda_client, nomodule, {})["Json"]
    assert body["errorType"] == "Runtime.ImportModuleError"
    assert "Cannot find module" in body["errorMessage"]


def test_node_commonjs_handler(lambda_client, functions, fn_name):
    code = zip_bytes([("lib/app.js", "exports.handler = async (e) => ({ cjs: e.v });\n", 0o644)])
    functions.create(fn_name, code, Runtime="nodejs20.x", Handler="lib/app.handler")
    assert invoke(lambda_client, fn_name, {"v": 7})["Json"] == {"cjs": 7}


def test_node_major_version_mismatch_is_reported(lambda_client, functions, fn_name, node_zip, alive):
    """The machine has one Node.js; a function asking for another major says so clearly."""
    functions.create(fn_name, node_zip, Runtime="nodejs18.x", Handler="index.handler")
    res = invoke(lambda_client, fn_name, {})
    assert res.get("FunctionError") == "Unhandled"
    assert res["Json"]["errorType"] == "Runtime.Unavailable"
    assert "nodejs18.x needs Node.js 18, but this machine has Node.js" in res["Json"]["errorMessage"]
    alive()


def test_custom_runtime_without_bootstrap_gets_aws_message(lambda_client, functions, fn_name, alive):
    functions.create(fn_name, zip_bytes([("not-bootstrap", "#!/bin/sh\n", 0o755)]))
    res = invoke(lambda_client, fn_name, {})
    assert res.get("FunctionError") == "Unhandled"
    assert res["Json"]["errorType"] == "Runtime.InvalidEntrypoint"
    assert res["Json"]["errorMessage"].endswith(
        "Error: Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]")
    alive()
