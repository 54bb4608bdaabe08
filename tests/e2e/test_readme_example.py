"""Issue 7's "Done when", as a newcomer follows the README: deploy the example SAM template
(`examples/hello-sam`) with `nimbus deploy --template`, invoke it, watch its metrics and logs
in the console (in Chromium), and tail its logs with `aws logs tail`."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from playwright.sync_api import expect

from e2e_helpers import ACCESS_KEY, REGION, SECRET_KEY, nimbus_bin, wait_for
from test_console import browser, log_in, page, shot  # noqa: F401 (fixtures)
from test_logs_api import aws_v2

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "hello-sam" / "template.yaml"


def test_the_readme_sam_example_with_console_and_aws_logs_tail(server_factory, page, tmp_path):
    server = server_factory("readme-example")
    env = dict(os.environ, AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY, AWS_REGION=REGION,
               AWS_DEFAULT_REGION=REGION, NIMBUS_ENDPOINT=server.endpoint)

    def nimbus(*args: str) -> str:
        proc = subprocess.run([str(nimbus_bin()), *args], env=env, cwd=str(tmp_path), capture_output=True, text=True,
                              timeout=90, stdin=subprocess.DEVNULL)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return proc.stdout

    out = nimbus("deploy", "--template", str(EXAMPLE))
    assert f"Function Hello: arn:aws:lambda:{REGION}:000000000000:function:hello-sam" in out
    assert out.rstrip().endswith("Done: 1 function, 0 layers, 0 queues.")
    url = next(line.split("URL ", 1)[1].strip() for line in out.splitlines() if "Hello.Web: URL " in line)

    assert json.loads(nimbus("invoke", "hello-sam", "--payload", '{"name": "Nimbus"}')) == {"message": "Hello, Nimbus!"}
    # The URL's host is <id>.lambda-url.<region>.localhost, which curl resolves to loopback.
    reply = subprocess.run(["curl", "-sS", "--max-time", "30", f"{url}?name=web"], capture_output=True, check=True).stdout
    assert json.loads(reply) == {"message": "Hello, web!"}

    # aws logs tail (the AWS CLI v2) shows the function's own line.
    tail = subprocess.run([aws_v2(), "logs", "tail", "/aws/lambda/hello-sam", "--since", "1h", "--endpoint-url", server.endpoint],
                          env=env, capture_output=True, text=True, timeout=60)
    assert tail.returncode == 0, tail.stderr
    assert "greeting Nimbus" in tail.stdout and "greeting web" in tail.stdout

    # The console: the function in the list, its graphs with both invocations counted, its log.
    log_in(page, server)
    row = page.locator('#function-list tr[data-function="hello-sam"]')
    expect(row).to_be_visible()
    row.locator("a").first.click()
    expect(page.locator("#fn-title")).to_have_text("hello-sam")
    expect(page.locator("#metrics-charts canvas")).to_have_count(4)
    series = page.request.get(server.endpoint + "/console/api/functions/hello-sam/metrics?window=hour").json()
    assert sum(p["invocations"] for p in series["points"]) == 2
    expect(page.locator("#log-view")).to_contain_text("greeting Nimbus")
    expect(page.locator("#log-view")).to_contain_text("greeting web")
    shot(page, "10-readme-example")
