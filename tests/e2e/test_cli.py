"""The `nimbus` CLI for people: deploy (a folder or a SAM template), invoke, list, delete,
dev (hot reload) and its error messages, run as the built binary against a real server."""

from __future__ import annotations

import base64
import json
import os
import re
import signal
import subprocess
import time
import uuid
from pathlib import Path

import boto3
import pytest

from e2e_helpers import (
    ACCESS_KEY,
    REGION,
    SECRET_KEY,
    LineReader,
    free_port,
    nimbus_bin,
    wait_for,
)

README_BOOTSTRAP = r"""#!/bin/sh
# A custom runtime: ask the Runtime API for an event, answer it, repeat.
API="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
while true; do
  EVENT=$(curl -sS -D /tmp/headers "$API/invocation/next")
  ID=$(grep -i Lambda-Runtime-Aws-Request-Id /tmp/headers | tr -d '[:space:]' | cut -d: -f2)
  echo "got $EVENT"
  curl -sS -X POST "$API/invocation/$ID/response" -d "{\"hello\":$EVENT}" >/dev/null
done
"""


def cli_env(server, **overrides) -> dict:
    env = dict(os.environ)
    env.update(AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY, AWS_REGION=REGION, NIMBUS_ENDPOINT=server.endpoint)
    env.update(overrides)
    return env


@pytest.fixture
def nimbus(server, tmp_path):
    """Run the built `nimbus` binary against the shared server; returns (code, stdout, stderr)."""

    def run(*args: str, env: dict | None = None, timeout: float = 90) -> tuple[int, str, str]:
        proc = subprocess.run(
            [str(nimbus_bin()), *args], env=env or cli_env(server), cwd=str(tmp_path), capture_output=True,
            timeout=timeout, stdin=subprocess.DEVNULL,
        )
        return proc.returncode, proc.stdout.decode(errors="replace"), proc.stderr.decode(errors="replace")

    return run


@pytest.fixture
def cleanup(lambda_client):
    names: list[str] = []
    yield names
    for name in names:
        try:
            lambda_client.delete_function(FunctionName=name)
        except Exception:  # noqa: BLE001 - already gone
            pass


def new_name(hint: str) -> str:
    return f"cli-{hint}-{uuid.uuid4().hex[:8]}"


def write(folder: Path, files: dict[str, str], executable: tuple[str, ...] = ()) -> Path:
    for path, text in files.items():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        if path in executable:
            target.chmod(0o755)
    return folder


def python_app(body: str = 'return {"got": event, "answer": 42}') -> str:
    return f"def handler(event, context):\n    print('handling', event)\n    {body}\n"


def test_deploy_folder_then_invoke(nimbus, lambda_client, tmp_path, cleanup):
    name = new_name("fold")
    cleanup.append(name)
    app = write(tmp_path / name, {"app.py": python_app(), "lib/util.py": "X = 1\n"})
    code, out, err = nimbus("deploy", str(app))
    assert code == 0, out + err
    lines = out.splitlines()
    assert lines[0] == "Using python3.12 with handler app.handler (found app.py)."
    assert re.fullmatch(r"Packaging… 2 files, \d+ B", lines[1]), lines
    assert lines[2] == f"Creating function {name}…"
    assert lines[3] == f"Done: arn:aws:lambda:{REGION}:000000000000:function:{name}"
    config = lambda_client.get_function_configuration(FunctionName=name)
    assert (config["Runtime"], config["Handler"], config["MemorySize"], config["Timeout"]) == ("python3.12", "app.handler", 128, 3)
    assert config["State"] == "Active" and config["LastUpdateStatus"] == "Successful"

    code, out, err = nimbus("invoke", name, "--payload", '{"x": [1, 2]}')
    assert code == 0, err
    assert json.loads(out) == {"answer": 42, "got": {"x": [1, 2]}}
    assert out.startswith('{\n  "answer" : 42,'), out  # pretty, sorted keys
    assert "Status: 200, version $LATEST" in err
    assert "--- log tail ---" in err and "handling {'x': [1, 2]}" in err and "REPORT RequestId:" in err

    # A second deploy updates code and configuration in place.
    write(app, {"app.py": python_app('return "v2"')})
    code, out, err = nimbus("deploy", str(app), "--name", name, "--memory", "256", "--timeout", "7", "--env", "AA=1", "--env", "BB=x=y")
    assert code == 0, out + err
    assert f"Updating function {name}…" in out and "Creating" not in out
    config = lambda_client.get_function_configuration(FunctionName=name)
    assert (config["MemorySize"], config["Timeout"], config["Environment"]["Variables"]) == (256, 7, {"AA": "1", "BB": "x=y"})
    payload = tmp_path / "event.json"
    payload.write_text('{"from": "file"}')
    code, out, _ = nimbus("invoke", name, "--file", str(payload))
    assert code == 0 and json.loads(out) == "v2"


def test_invoke_function_error_exits_nonzero(nimbus, tmp_path, cleanup):
    name = new_name("err")
    cleanup.append(name)
    app = write(tmp_path / "x", {"app.py": "def handler(event, context):\n    raise ValueError('boom')\n"})
    assert nimbus("deploy", str(app), "--name", name)[0] == 0
    code, out, err = nimbus("invoke", name)
    assert code == 1
    assert json.loads(out)["errorMessage"] == "boom" and json.loads(out)["errorType"] == "ValueError"
    assert "Status: 200, version $LATEST, function error: Unhandled" in err
    assert "[ERROR] ValueError: boom" in err


def test_node_and_bootstrap_guesses(nimbus, tmp_path, cleanup):
    name = new_name("node")
    cleanup.append(name)
    app = write(tmp_path / name, {"index.mjs": "export const handler = async (e) => ({node: e.n});\n"})
    code, out, _ = nimbus("deploy", str(app))
    assert code == 0 and out.splitlines()[0] == "Using nodejs20.x with handler index.handler (found index.mjs)."
    code, out, err = nimbus("invoke", name, "--payload", '{"n": 5}')
    assert code == 0 and json.loads(out) == {"node": 5}, out + err


def test_template_readme_example_with_url_schedule_and_sqs(nimbus, server, lambda_client, tmp_path, nimbus_logs, cleanup):
    name = new_name("sam")
    queue = f"cli-jobs-{uuid.uuid4().hex[:8]}"
    cleanup.append(name)
    folder = write(tmp_path / "stack", {"hello/bootstrap": README_BOOTSTRAP, "layer/bin/tool": "#!/bin/sh\necho tool\n"},
                   executable=("hello/bootstrap", "layer/bin/tool"))
    (folder / "template.yaml").write_text(f"""\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Timeout: 5
    Environment:
      Variables:
        STAGE: dev
Resources:
  Tools:
    Type: AWS::Serverless::LayerVersion
    Properties:
      LayerName: {name}-tools
      ContentUri: layer/
      CompatibleRuntimes: [provided.al2023]
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: {queue}
  Hello:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: {name}
      CodeUri: hello/
      Runtime: provided.al2023
      Handler: x
      MemorySize: 256
      Layers: [!Ref Tools]
      Environment:
        Variables:
          QUEUE_ARN: !GetAtt Jobs.Arn
          WHERE: !Sub "${{AWS::Region}}/${{Jobs.QueueName}}"
      Tracing: Active
      Events:
        Web:
          Type: HttpApi
        Tick:
          Type: Schedule
          Properties:
            Schedule: rate(1 minute)
        Work:
          Type: SQS
          Properties:
            Queue: !GetAtt Jobs.Arn
            BatchSize: 1
""")
    code, out, err = nimbus("deploy", "--template", str(folder / "template.yaml"))
    assert code == 0, out + err
    assert "Warning: Hello.Tracing is not supported; ignored." in out
    queue_arn = f"arn:aws:sqs:{REGION}:000000000000:{queue}"
    assert f"Queue Jobs: {queue_arn}" in out
    layer_arn = re.search(r"Layer Tools: published (\S+) ", out).group(1)
    assert layer_arn.startswith(f"arn:aws:lambda:{REGION}:000000000000:layer:{name}-tools:")
    assert f"Function Hello: arn:aws:lambda:{REGION}:000000000000:function:{name}" in out
    assert f"Hello.Tick: rule {name}-Tick, rate(1 minute)" in out
    assert re.search(rf"Hello.Work: {re.escape(queue_arn)} → {name} \(mapping [0-9a-f-]{{36}}\)", out)
    assert out.rstrip().endswith("Done: 1 function, 1 layer, 1 queue.")

    config = lambda_client.get_function_configuration(FunctionName=name)
    assert config["MemorySize"] == 256 and config["Timeout"] == 5 and config["Layers"][0]["Arn"] == layer_arn
    assert config["Environment"]["Variables"] == {"STAGE": "dev", "QUEUE_ARN": queue_arn, "WHERE": f"{REGION}/{queue}"}

    # Api/HttpApi → a public function URL, printed in full.
    url = re.search(r"Hello.Web: URL (\S+)", out).group(1)
    assert url == lambda_client.get_function_url_config(FunctionName=name)["FunctionUrl"]
    reply = subprocess.run(["curl", "-sS", "--max-time", "60", f"{url}greet?x=1"], capture_output=True, check=True).stdout
    assert json.loads(reply)["hello"]["rawPath"] == "/greet"

    # Schedule → an EventBridge rule whose target is the function.
    events = boto3.client("events", endpoint_url=server.endpoint, region_name=REGION,
                          aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)
    try:
        rule = events.describe_rule(Name=f"{name}-Tick")
        assert rule["ScheduleExpression"] == "rate(1 minute)" and rule["State"] == "ENABLED"
        targets = events.list_targets_by_rule(Rule=f"{name}-Tick")["Targets"]
        assert [t["Arn"] for t in targets] == [config["FunctionArn"]]
    finally:
        events.remove_targets(Rule=f"{name}-Tick", Ids=[t["Id"] for t in events.list_targets_by_rule(Rule=f"{name}-Tick")["Targets"]])
        events.delete_rule(Name=f"{name}-Tick")

    # SQS → an event source mapping: a message sent to the queue reaches the function.
    sqs = boto3.client("sqs", endpoint_url=server.endpoint, region_name=REGION,
                       aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)
    queue_url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    token = f"tok-{uuid.uuid4().hex}"
    sqs.send_message(QueueUrl=queue_url, MessageBody=token)
    wait_for(lambda: token in nimbus_logs(name).stdout.decode(), timeout=30, what="the SQS message in the function's log")

    # Deploying again updates in place and keeps the URL and the mapping.
    code, out, err = nimbus("deploy", "--template", str(folder / "template.yaml"))
    assert code == 0, out + err
    assert f"Updating function {name}…" in out and f"Hello.Web: URL {url}" in out and "already mapped" in out
    for mapping in lambda_client.list_event_source_mappings(FunctionName=name)["EventSourceMappings"]:
        lambda_client.delete_event_source_mapping(UUID=mapping["UUID"])


def test_list_and_delete(nimbus, tmp_path, cleanup):
    name = new_name("list")
    cleanup.append(name)
    app = write(tmp_path / "f", {"app.py": python_app()})
    assert nimbus("deploy", str(app), "--name", name, "--memory", "512")[0] == 0
    code, out, _ = nimbus("list")
    assert code == 0
    lines = out.splitlines()
    assert re.match(r"NAME +RUNTIME +MEMORY +LAST MODIFIED$", lines[0])
    row = next(line for line in lines if line.startswith(name + " "))
    assert re.fullmatch(rf"{name} +python3\.12 +512 MB +\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d", row)
    code, out, _ = nimbus("delete", name)
    assert code == 0 and out.strip() == f"Deleted {name}."
    assert not any(line.startswith(name + " ") for line in nimbus("list")[1].splitlines())
    code, _, err = nimbus("delete", name)
    assert code == 1
    assert f"Error: ResourceNotFoundException: Function not found: arn:aws:lambda:{REGION}:000000000000:function:{name} (HTTP 404)" in err


def test_dev_hot_reload(server, lambda_client, tmp_path, cleanup):
    name = new_name("dev")
    cleanup.append(name)
    app = write(tmp_path / "dev", {"app.py": python_app('return "one"')})
    proc = subprocess.Popen([str(nimbus_bin()), "dev", str(app), "--name", name], env=cli_env(server),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        reader = LineReader(proc.stdout)
        assert reader.wait_for("Watching", 60), "".join(reader.lines)
        assert any(line.startswith(f"Creating function {name}…") for line in reader.lines)

        def answer():
            return json.loads(lambda_client.invoke(FunctionName=name)["Payload"].read())

        assert answer() == "one"
        write(app, {"app.py": python_app('return "two"')})
        assert reader.wait_for(f"Reloaded {name}: 1 file", 30), "".join(reader.lines)
        assert answer() == "two"  # live on the very next invoke
        write(app, {"helper.py": "X = 3\n", "app.py": "from helper import X\ndef handler(e, c):\n    return X\n"})
        assert reader.wait_for(f"Reloaded {name}: 2 files", 30), "".join(reader.lines)
        assert answer() == 3
        assert len([line for line in reader.lines if line.startswith("Reloaded")]) == 2
        # A change that cannot deploy is reported, the old code keeps running, and watching goes on.
        for path in ("app.py", "helper.py"):
            (app / path).unlink()
        assert reader.wait_for(f"Reload failed: {app} has no files to deploy. Still watching.", 30), "".join(reader.lines)
        assert answer() == 3
        write(app, {"app.py": python_app('return "back"')})
        assert reader.wait_for(f"Reloaded {name}: 1 file", 30) and proc.poll() is None
        wait_for(lambda: answer() == "back", timeout=10, what="the code after the failed reload")
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=10)
    assert code == -signal.SIGINT  # Ctrl-C stops it


# -- errors name the fix -------------------------------------------------------


def test_error_server_not_running(nimbus, server, tmp_path):
    port = free_port()
    code, _, err = nimbus("list", env=cli_env(server, NIMBUS_ENDPOINT=f"http://127.0.0.1:{port}"))
    assert code == 1
    assert err.strip() == f"Error: Cannot reach Nimbus at http://127.0.0.1:{port}. Start it with `nimbus serve`, or pass --endpoint."
    code, _, err = nimbus("list", "--endpoint", f"http://127.0.0.1:{port}")
    assert f"Cannot reach Nimbus at http://127.0.0.1:{port}." in err


def test_error_bad_credentials(nimbus, server):
    code, _, err = nimbus("list", env=cli_env(server, AWS_SECRET_ACCESS_KEY="wrong"))
    assert code == 1
    assert err.strip().startswith("Error: Nimbus refused the credentials (InvalidSignatureException: The request signature we calculated does not match the signature you provided.")
    assert "Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to the server's key pair" in err
    code, _, err = nimbus("list", env=cli_env(server, AWS_ACCESS_KEY_ID="AKIDUNKNOWN"))
    assert "Nimbus refused the credentials (UnrecognizedClientException: The security token included in the request is invalid.)" in err


def test_error_missing_handler_file(nimbus, tmp_path, lambda_client):
    app = write(tmp_path / "h", {"main.py": python_app()})
    code, out, err = nimbus("deploy", str(app), "--handler", "app.handler", "--runtime", "python3.12")
    assert code == 1
    assert err.strip() == f"Error: Handler app.handler needs app.py in {app}, which is not there. Add the file, or pass --handler naming a file in the folder."
    assert "Creating" not in out
    empty = write(tmp_path / "e", {"README.md": "nothing to run"})
    code, _, err = nimbus("deploy", str(empty))
    assert "Cannot tell the runtime of" in err and "Pass --runtime and --handler." in err


def test_error_invalid_template(nimbus, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("Resources:\n  Hello:\n    Type: AWS::Serverless::Function\n    Properties: {CodeUri: .\n")
    code, _, err = nimbus("deploy", "--template", str(bad))
    assert code == 1
    assert re.match(r"Error: Invalid template: line [45], column \d+: ", err), err
    (tmp_path / "ref.yaml").write_text("Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n      Handler: app.handler\n      FunctionName: !Ref Nope\n")
    write(tmp_path, {"app.py": python_app()})
    code, _, err = nimbus("deploy", "--template", str(tmp_path / "ref.yaml"))
    assert err.strip() == "Error: Invalid template: Resources.F.Properties.FunctionName: !Ref Nope names nothing Nimbus knows (a parameter, AWS::Region, AWS::AccountId, or a resource it creates)."


def test_error_aws_type_and_message(nimbus, tmp_path):
    code, _, err = nimbus("invoke", "no-such-function-here")
    assert code == 1
    assert err.strip() == f"Error: ResourceNotFoundException: Function not found: arn:aws:lambda:{REGION}:000000000000:function:no-such-function-here (HTTP 404)"
    app = write(tmp_path / "m", {"app.py": python_app()})
    code, _, err = nimbus("deploy", str(app), "--name", "bad name!")
    assert code == 1 and "ValidationException:" in err and "(HTTP 400)" in err
