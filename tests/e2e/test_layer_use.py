"""Layers at run time: merged in order at /opt, found where AWS's runtimes look
(/opt/python, /opt/nodejs/node_modules, /opt/bin, /opt/lib), read-only, and a custom
runtime's bootstrap taken from a layer."""
import uuid

import pytest

from e2e_helpers import ROLE, invoke, runtime_script, zip_bytes


@pytest.fixture
def publish(lambda_client):
    published = []

    def make(entries):
        name = f"e2e-layer-{uuid.uuid4().hex[:8]}"
        arn = lambda_client.publish_layer_version(LayerName=name, Content={"ZipFile": zip_bytes(entries)})["LayerVersionArn"]
        published.append(arn)
        return arn

    yield make
    for arn in published:
        name, version = arn.rsplit(":", 2)[-2:]
        lambda_client.delete_layer_version(LayerName=name, VersionNumber=int(version))


APP = '''
import os, subprocess
import shared, sitepkg

def handler(event, context):
    try:
        open("/opt/python/new.py", "w")
        writable = True
    except OSError:
        writable = False
    tool = subprocess.run(["layer-tool"], capture_output=True, text=True).stdout.strip()
    return {"shared": shared.WHO, "sitepkg": sitepkg.OK, "opt_writable": writable, "tool": tool,
            "path_has_opt_bin": "/opt/bin" in os.environ["PATH"]}
'''


def test_python_layers_merge_in_order_at_opt(lambda_client, functions, publish):
    first = publish([("python/shared.py", "WHO = 'first'\n", 0o644),
                     ("python/lib/python3.11/site-packages/sitepkg.py", "OK = True\n", 0o644),
                     ("bin/layer-tool", "#!/bin/sh\necho from-layer-bin\n", 0o755)])
    second = publish([("python/shared.py", "WHO = 'second'\n", 0o644)])
    name = functions.create(zip_bytes=zip_bytes([("app.py", APP, 0o644)]), Runtime="python3.11",
                            Handler="app.handler", Layers=[first, second])["FunctionName"]
    resp = invoke(lambda_client, name, {})
    assert "FunctionError" not in resp, resp["Body"]
    assert resp["Json"] == {"shared": "second", "sitepkg": True, "opt_writable": False,
                            "tool": "from-layer-bin", "path_has_opt_bin": True}

    # Dropping the second layer takes effect on the next invocation.
    lambda_client.update_function_configuration(FunctionName=name, Layers=[first])
    assert invoke(lambda_client, name, {})["Json"]["shared"] == "first"


def test_node_finds_modules_in_the_layer(lambda_client, functions, publish):
    layer = publish([("nodejs/node_modules/greet/index.js", "module.exports = (n) => `hello ${n}`;\n", 0o644)])
    code = zip_bytes([("index.js", "const greet = require('greet');\nexports.handler = async (e) => greet(e.name);\n", 0o644)])
    name = functions.create(zip_bytes=code, Runtime="nodejs20.x", Handler="index.handler", Layers=[layer])["FunctionName"]
    resp = invoke(lambda_client, name, {"name": "layers"})
    assert resp["Json"] == "hello layers", resp["Body"]


def test_custom_runtime_bootstrap_from_a_layer(lambda_client, functions, publish):
    layer = publish([("bootstrap", runtime_script('respond_json "{\\"from\\": \\"opt-bootstrap\\"}"'), 0o755)])
    code = zip_bytes([("data.txt", "no bootstrap here\n", 0o644)])
    name = functions.create(zip_bytes=code, Runtime="provided.al2023", Handler="x", Layers=[layer])["FunctionName"]
    resp = invoke(lambda_client, name, {})
    assert resp["Json"] == {"from": "opt-bootstrap"}, resp["Body"]
