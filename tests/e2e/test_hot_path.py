"""Hot-path regression guard (issue 4): count the work a warm invoke does, not its time.

A warm invoke must not write to the database (log lines are batched, at most one commit
per flush interval), must not spawn a process, and must reuse the runtime's keep-alive
connection. These counts are exact and machine-independent, so they can run in CI where
timings cannot.
"""
import json
import sqlite3
import time

from e2e_helpers import ROLE, descendants, invoke, raw_request, wait_active, zip_bytes

APP = r'''
def handler(event, context):
    print("line", event["i"])
    return {"i": event["i"]}
'''

INVOKES = 200


def spawned(server) -> int:
    """Processes the server has started (its own counter, `GET /_nimbus/stats`)."""
    resp = raw_request(server.endpoint, "GET", "/_nimbus/stats")
    assert resp.status == 200, resp
    return json.loads(resp.body)["ProcessesSpawned"]


def server_connections(pid: int) -> int:
    """Established TCP connections of `pid`, from its socket inodes in /proc/net/tcp."""
    import os

    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in open(table).readlines()[1:]:
            fields = line.split()
            if fields[3] == "01" and fields[9] in inodes:
                count += 1
    return count


def test_warm_invokes_do_no_database_writes_spawns_or_reconnects(server, functions):
    client = server.client()
    name = functions.name()
    client.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
                           Code={"ZipFile": zip_bytes([("app.py", APP, 0o644)])})
    wait_active(client, name)
    assert invoke(client, name, {"i": 0})["Json"] == {"i": 0}
    time.sleep(0.5)  # let the first invoke's log batch reach the database

    # `data_version` changes each time another connection commits to the database.
    db = sqlite3.connect(f"file:{server.data_dir / 'nimbus.sqlite'}?mode=ro", uri=True)
    version = lambda: db.execute("PRAGMA data_version").fetchone()[0]  # noqa: E731
    commits = 0
    last = version()
    processes_before = set(descendants(server.proc.pid))
    connections_before = server_connections(server.proc.pid)
    spawned_before = spawned(server)
    assert spawned_before >= 1  # the cold start above counted

    started = time.monotonic()
    for i in range(1, INVOKES + 1):
        resp = invoke(client, name, {"i": i})
        assert resp["StatusCode"] == 200
        assert resp["Json"] == {"i": i}
        current = version()
        if current != last:
            commits += 1
            last = current
    elapsed = time.monotonic() - started

    spawns = spawned(server) - spawned_before
    # Only the log sink commits, once per 200 ms flush at most.
    assert commits <= elapsed / 0.2 + 2, f"{commits} commits in {elapsed:.2f}s for {INVOKES} warm invokes"
    assert commits < INVOKES / 4
    assert spawns == 0, f"{spawns} processes started during {INVOKES} warm invokes"
    assert set(descendants(server.proc.pid)) == processes_before, "the environment's processes changed"
    # boto3 keeps one connection; the runtime keeps its own: no new connection per invoke.
    assert server_connections(server.proc.pid) <= connections_before + 1

    # The log lines of every invoke were still kept (batched, not dropped).
    time.sleep(0.5)
    rows = db.execute("SELECT count(*) FROM log_event WHERE log_group = ? AND message LIKE 'line %'",
                      (f"/aws/lambda/{name}",)).fetchone()[0]
    assert rows >= INVOKES + 1
    db.close()
