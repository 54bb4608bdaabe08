"""The web console (/console/) in a real browser: headless Debian chromium driven by
Playwright (from PyPI, using the system browser; nothing is downloaded).

Screenshots of every step are kept under tests/e2e/artifacts/console/ (gitignored).
"""

from __future__ import annotations

import io
import json
import urllib.error
import re
import urllib.request
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from e2e_helpers import ACCESS_KEY, SECRET_KEY, bootstrap_zip, invoke, runtime_script, wait_for, zip_bytes

ARTIFACTS = Path(__file__).resolve().parent / "artifacts" / "console"
CHROMIUM = "/usr/bin/chromium"

# Replies with the package's message.txt and logs it, so an edit in the console shows
# in the response and in the log tail.
MESSAGE_HANDLER = r"""
MESSAGE="$(cat "${LAMBDA_TASK_ROOT:-.}/message.txt")"
echo "CONSOLE-LOG $MESSAGE event=$EVENT_BODY"
printf '{"message":"%s"}' "$MESSAGE" > "$OUT"
respond
"""


def message_zip(message: str) -> bytes:
    # logo.bin is binary (a NUL byte): listed, but the editor will not open it.
    return bootstrap_zip(runtime_script(MESSAGE_HANDLER), extra=[("message.txt", message, 0o644), ("logo.bin", b"\x89PNG\x00\x01", 0o644)])


@pytest.fixture(scope="module")
def browser():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 1600})
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def log_in(page, server, secret=SECRET_KEY) -> None:
    """Logs in; with the right secret, returns once the console shows it is signed in (the
    login answer would otherwise race a following `page.goto` and send the page back to the list)."""
    page.goto(server.endpoint + "/console/")
    page.fill("#access-key-id", ACCESS_KEY)
    page.fill("#secret-access-key", secret)
    page.click("#login-button")
    if secret == SECRET_KEY:
        expect(page.locator("#who")).to_have_text(f"Signed in as {ACCESS_KEY}")


def test_wrong_password_is_refused_and_the_api_needs_a_session(page, server):
    log_in(page, server, secret="not-the-secret")
    expect(page.locator("#login-error")).to_have_text("Unauthorized: The access key id or secret access key is wrong.")
    expect(page.locator("#function-list")).to_have_count(0)
    shot(page, "01-wrong-password")
    # Without the cookie the API refuses, whatever the page does.
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(server.endpoint + "/console/api/functions", timeout=10)
    assert refused.value.code == 401


def test_login_cookie_is_http_only_and_strict(page, server):
    log_in(page, server)
    expect(page.locator("#function-list")).to_be_visible()
    cookies = [c for c in page.context.cookies() if c["name"] == "nimbus_console"]
    assert len(cookies) == 1
    assert cookies[0]["httpOnly"] is True
    assert cookies[0]["sameSite"] == "Strict"
    assert re.fullmatch(r"[0-9a-f]{64}", cookies[0]["value"])
    # Scripts cannot read it.
    assert "nimbus_console" not in page.evaluate("document.cookie")
    page.click("#logout")
    expect(page.locator("#login-form")).to_be_visible()
    shot(page, "02-logged-out")


def test_console_edit_invoke_events_memory_logs(page, server, functions, lambda_client):
    name = functions.name()
    functions.create(name, message_zip("original"))

    log_in(page, server)
    row = page.locator(f'#function-list tr[data-function="{name}"]')
    expect(row).to_be_visible()
    expect(row.locator("td").nth(1)).to_have_text("Active")
    expect(row.locator("td").nth(2)).to_have_text("provided.al2023")
    expect(row.locator("td").nth(3)).to_have_text("128 MB")
    # The Debian libraries were served: no "not installed" notice.
    expect(page.locator("#notice")).to_be_hidden()
    shot(page, "03-function-list")

    row.locator("a").click()
    expect(page.locator("#fn-title")).to_have_text(name)

    # Code: open message.txt in CodeMirror, type a new text, save.
    page.click('#code-files button[data-path="message.txt"]')
    editor = page.locator("#code-editor .CodeMirror")
    expect(editor).to_contain_text("original")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("edited-by-console")
    shot(page, "04-editor")
    page.click("#code-save")
    expect(page.locator("#code-status")).to_contain_text("Saved message.txt; new code SHA-256")
    sha = lambda_client.get_function_configuration(FunctionName=name)["CodeSha256"]
    assert sha in page.locator("#code-status").inner_text()
    assert invoke(lambda_client, name, {})["Json"] == {"message": "edited-by-console"}
    # The rebuilt package kept the other files, their bytes and bootstrap's mode.
    location = lambda_client.get_function(FunctionName=name)["Code"]["Location"]
    with zipfile.ZipFile(io.BytesIO(urllib.request.urlopen(location, timeout=10).read())) as package:
        assert package.read("message.txt") == b"edited-by-console"
        assert package.read("logo.bin") == b"\x89PNG\x00\x01"
        assert (package.getinfo("bootstrap").external_attr >> 16) & 0o777 == 0o755

    # A binary file cannot be opened: its button is disabled, and the API says why.
    expect(page.locator('#code-files button[data-path="logo.bin"]')).to_be_disabled()
    refusal = page.evaluate(
        "async (name) => { const r = await fetch(`/console/api/functions/${name}/code/file?path=logo.bin`);"
        " return [r.status, (await r.json()).Message]; }", name)
    assert refusal == [422, "logo.bin is a binary file; the console edits text files only."]
    page.click('#code-files button[data-path="bootstrap"]')
    expect(editor).to_contain_text("Nimbus e2e test runtime")

    # Test events: save one, it is listed and survives a reload.
    page.fill("#event-name", "ping")
    page.fill("#event-payload", '{"hello": "console"}')
    page.click("#event-save")
    expect(page.locator("#event-status")).to_have_text("Saved ping.")
    page.fill("#event-name", "pong")
    page.click("#event-save")
    expect(page.locator('#event-select option[value="pong"]')).to_have_count(1)
    page.click("#event-delete")
    expect(page.locator("#event-status")).to_have_text("Deleted pong.")
    expect(page.locator('#event-select option[value="pong"]')).to_have_count(0)
    page.fill("#event-name", "bad name!")
    page.click("#event-save")
    expect(page.locator("#event-status")).to_have_text("InvalidEventName: An event name has 1 to 25 letters, digits, '-' or '_'.")
    page.reload()
    expect(page.locator('#event-select option[value="ping"]')).to_have_count(1)
    page.select_option("#event-select", "ping")
    expect(page.locator("#event-payload")).to_have_value('{"hello": "console"}')

    # Invoke from the panel: result, duration and log tail.
    page.click("#invoke-button")
    expect(page.locator("#invoke-status")).to_have_text("Succeeded")
    assert json.loads(page.locator("#invoke-result").inner_text()) == {"message": "edited-by-console"}
    expect(page.locator("#invoke-duration")).to_have_text(re.compile(r"^\d+\.\d ms$"))
    expect(page.locator("#invoke-log")).to_contain_text('CONSOLE-LOG edited-by-console event={"hello": "console"}')
    expect(page.locator("#invoke-log")).to_contain_text("REPORT RequestId:")
    shot(page, "05-invoked")

    # Memory: a bad value gets AWS's message; a good one is saved.
    page.fill("#config-memory", "100")
    page.click("#config-save")
    expect(page.locator("#config-status")).to_have_text(
        "ValidationException: 1 validation error detected: Value '100' at 'memorySize' failed to satisfy constraint: "
        "Member must have value greater than or equal to 128"
    )
    page.fill("#config-memory", "256")
    page.fill("#config-env", "GREETING=hi")
    page.click("#config-save")
    expect(page.locator("#config-status")).to_have_text("Saved: 256 MB, 3 s.")
    config = lambda_client.get_function_configuration(FunctionName=name)
    assert config["MemorySize"] == 256
    assert config["Environment"]["Variables"] == {"GREETING": "hi"}

    # Versions: publish one.
    page.fill("#publish-description", "from the console")
    page.click("#publish-version")
    expect(page.locator("#publish-status")).to_have_text("Published version 1.")
    expect(page.locator("#versions-list")).to_contain_text("from the console")
    expect(page.locator("#invoke-version")).to_have_text("$LATEST")

    # Aliases: point "live" at version 1, then invoke through it.
    page.fill("#alias-name", "live")
    page.select_option("#alias-version", "1")
    page.click("#alias-save")
    expect(page.locator("#alias-status")).to_have_text("Alias live → version 1.")
    expect(page.locator('#aliases-list tr[data-alias="live"] td').nth(1)).to_have_text("1")
    assert lambda_client.get_alias(FunctionName=name, Name="live")["FunctionVersion"] == "1"
    page.select_option("#invoke-qualifier", "live")
    page.click("#invoke-button")
    expect(page.locator("#invoke-version")).to_have_text("1")
    expect(page.locator("#invoke-status")).to_have_text("Succeeded")
    shot(page, "05b-alias-invoked")
    # A bad alias name gets AWS's validation message, and nothing is made.
    page.fill("#alias-name", "bad name")
    page.click("#alias-save")
    expect(page.locator("#alias-status")).to_contain_text("ValidationException")
    assert [a["Name"] for a in lambda_client.list_aliases(FunctionName=name)["Aliases"]] == ["live"]

    # Monitoring: the server's own metrics, drawn; the invokes above are counted.
    expect(page.locator("#metrics-charts canvas")).to_have_count(4)
    expect(page.locator("#metrics-message")).to_have_text("")
    series = page.request.get(server.endpoint + f"/console/api/functions/{name}/metrics?window=hour").json()
    assert series["available"] is True
    assert sum(p["invocations"] for p in series["points"]) >= 1

    # Logs: the viewer shows the earlier lines and follows new ones without a reload.
    log_view = page.locator("#log-view")
    expect(log_view).to_contain_text("CONSOLE-LOG edited-by-console")
    token = functions.name()
    invoke(lambda_client, name, {"follow": token})
    expect(log_view).to_contain_text(token, timeout=10_000)
    shot(page, "06-function-page")


def test_a_slow_list_does_not_replace_the_function_opened_meanwhile(page, server, functions):
    """The flake this fixes: the list's data arrived after the user (or a test's goto) had
    opened a function, and replaced its page with the list."""
    name = functions.name()
    functions.create(name, message_zip("slow"))
    # The function list's data takes a second to arrive; everything else is as fast as usual.
    page.add_init_script("""(() => {
        const fetchNow = window.fetch.bind(window);
        window.fetch = (url, options) => String(url).endsWith('/console/api/functions')
            ? new Promise((done) => setTimeout(done, 1000)).then(() => fetchNow(url, options))
            : fetchNow(url, options);
    })()""")
    log_in(page, server)  # the list is now loading
    page.evaluate(f"location.hash = '#/functions/{name}'")
    expect(page.locator("#fn-title")).to_have_text(name)
    page.wait_for_timeout(1500)  # the list's data has arrived by now
    expect(page.locator("#fn-title")).to_have_text(name)
    expect(page.locator("#function-list")).to_have_count(0)


def test_a_large_package_is_refused_by_the_editor(page, server, functions):
    import os

    name = functions.name()
    functions.create(name, zip_bytes([
        ("bootstrap", runtime_script(MESSAGE_HANDLER), 0o755),
        ("blob.bin", os.urandom(1_200_000), 0o644),
    ]))
    log_in(page, server)
    page.goto(server.endpoint + f"/console/#/functions/{name}")
    expect(page.locator("#code-status")).to_have_text(
        re.compile(r"^UnsupportedPackage: The package is \d+ bytes; the console edits packages up to 1 MB \(1048576 bytes\)\.$")
    )
    expect(page.locator("#code-files button")).to_have_count(0)
    shot(page, "07-large-package")


def test_metrics_graphs_draw_with_chart_js(page, server, functions):
    """The server's metrics component is wired by another part; here the browser gets
    fixed points for the metrics call, so the graphs themselves are drawn by Chart.js."""
    name = functions.name()
    functions.create(name, message_zip("m"))
    start = 1_700_000_000_000
    points = [
        {"time": start + i * 60_000, "invocations": i, "errors": i % 2, "throttles": 0, "coldStarts": 1 if i == 0 else 0,
         "durationP50Ms": 10.0 + i, "durationP99Ms": 30.0 + i, "maxConcurrency": 1 + i % 3}
        for i in range(60)
    ]
    page.route("**/console/api/functions/*/metrics*", lambda route: route.fulfill(
        status=200, content_type="application/json", body=json.dumps({"available": True, "window": "hour", "points": points})))
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, server)
    page.goto(server.endpoint + f"/console/#/functions/{name}")
    expect(page.locator("#metrics-charts canvas")).to_have_count(4)
    expect(page.locator("#metrics-message")).to_have_text("")
    # Chart.js drew something: the canvases are not blank.
    drawn = page.evaluate("""() => [...document.querySelectorAll('#metrics-charts canvas')].map(c => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        return d.some(v => v !== 0);
    })""")
    assert drawn == [True, True, True, True]
    assert errors == []
    page.locator("#metrics").screenshot(path=str(ARTIFACTS / "08-metrics.png"))


def test_without_the_debian_libraries_the_console_still_works(page, server, functions):
    name = functions.name()
    functions.create(name, message_zip("plain"))
    page.route("**/console/vendor/**", lambda route: route.fulfill(status=404, body="missing"))
    log_in(page, server)
    expect(page.locator("#notice")).to_have_text(
        "CodeMirror (libjs-codemirror) is not installed: the code editor has no syntax highlighting. "
        "Chart.js (libjs-chart.js) is not installed: metrics are shown as tables."
    )
    page.goto(server.endpoint + f"/console/#/functions/{name}")
    page.click('#code-files button[data-path="message.txt"]')
    expect(page.locator("#code-text")).to_have_value("plain")
    page.fill("#code-text", "plain-edited")
    page.click("#code-save")
    expect(page.locator("#code-status")).to_contain_text("Saved message.txt")
    page.click("#invoke-button")
    expect(page.locator("#invoke-result")).to_have_text('{"message":"plain-edited"}')
    shot(page, "09-without-libraries")
