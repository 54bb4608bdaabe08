"""EventBridge schedule rules, driven by boto3's `events` client and the `aws events` CLI.

Rules live on the default event bus; schedule rules invoke their Lambda targets
asynchronously with AWS's "Scheduled Event" (or the target's constant Input).
"""

from __future__ import annotations

import json
import re
import time
from datetime import datetime, timezone

import pytest

from botocore.exceptions import ClientError

from e2e_helpers import make_client, ACCOUNT, REGION, SECRET_KEY, UUID_RE, bootstrap_zip, runtime_script, unique_token, wait_for

# Posts the whole event it receives to $SIDE_EFFECT_URL/$TOKEN.
REPORT_EVENT = r"""
curl -s -m 5 -X POST --data-binary "@$EVENT" "$SIDE_EFFECT_URL/$TOKEN" > /dev/null
respond_json '{}'
"""


def events_client(endpoint: str, secret_key: str = SECRET_KEY):
    return make_client(endpoint, secret_key=secret_key, service="events", read_timeout=60)


@pytest.fixture(scope="module")
def events(server):
    return events_client(server.endpoint)


@pytest.fixture
def rule(events):
    """A fresh rule name; the rule and its targets are deleted at teardown."""
    name = unique_token("rule")
    yield name
    try:
        ids = [t["Id"] for t in events.list_targets_by_rule(Rule=name)["Targets"]]
        if ids:
            events.remove_targets(Rule=name, Ids=ids)
        events.delete_rule(Name=name)
    except Exception:  # noqa: BLE001 - best effort
        pass


def expect_error(fn, code: str, status: int, message: str | None = None, **kwargs) -> ClientError:
    """The events API's error: botocore's code (from `__type`), status and message. (JSON 1.1
    errors carry no `X-Amzn-ErrorType` header, unlike Lambda's REST errors.)"""
    try:
        result = fn(**kwargs)
    except ClientError as e:
        error = e.response["Error"]
        assert (error["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]) == (code, status), e.response
        assert error["Message"], e.response
        if message is not None:
            assert error["Message"] == message, f"message mismatch:\n expected: {message!r}\n      got: {error['Message']!r}"
        return e
    raise AssertionError(f"expected {code} ({status}) but the call succeeded: {result}")


def rule_arn(name: str) -> str:
    return f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{name}"


def function_arn(name: str, qualifier: str | None = None) -> str:
    base = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
    return f"{base}:{qualifier}" if qualifier else base


# --------------------------------------------------------------------------
# Rules
# --------------------------------------------------------------------------


def test_put_describe_enable_disable_delete(events, rule):
    res = events.put_rule(Name=rule, ScheduleExpression="rate(5 minutes)", Description="every five")
    assert res["RuleArn"] == rule_arn(rule)
    described = events.describe_rule(Name=rule)
    described.pop("ResponseMetadata")
    assert described == {
        "Name": rule, "Arn": rule_arn(rule), "ScheduleExpression": "rate(5 minutes)", "State": "ENABLED",
        "Description": "every five", "EventBusName": "default", "CreatedBy": ACCOUNT,
    }
    events.disable_rule(Name=rule)
    assert events.describe_rule(Name=rule)["State"] == "DISABLED"
    events.enable_rule(Name=rule)
    assert events.describe_rule(Name=rule)["State"] == "ENABLED"
    # PutRule replaces the rule.
    events.put_rule(Name=rule, ScheduleExpression="cron(0 12 * * ? *)", State="DISABLED")
    described = events.describe_rule(Name=rule)
    assert (described["ScheduleExpression"], described["State"], "Description" in described) == ("cron(0 12 * * ? *)", "DISABLED", False)
    events.delete_rule(Name=rule)
    expect_error(events.describe_rule, "ResourceNotFoundException", 400, f"Rule {rule} does not exist on EventBus default.", Name=rule)
    # Deleting a rule that does not exist succeeds, as on AWS.
    events.delete_rule(Name=rule)


def test_event_pattern_rules_are_stored(events, rule):
    pattern = json.dumps({"source": ["my.app"]})
    events.put_rule(Name=rule, EventPattern=pattern)
    described = events.describe_rule(Name=rule)
    assert described["EventPattern"] == pattern and "ScheduleExpression" not in described
    expect_error(events.put_rule, "InvalidEventPatternException", 400, "Event pattern is not valid. Reason: Filter is not an object",
                 Name=rule, EventPattern="[1]")


@pytest.mark.parametrize("expression", [
    "rate(1 minutes)", "rate(5 minute)", "rate(0 minutes)", "rate(1 second)", "cron(0 12 * * *)", "cron(0 12 * * * *)",
    "cron(7 20 * * 1-7 *)", "cron(*/60 * * * ? *)", "cron(0 0 ? * MON#6 *)", "every minute",
])
def test_invalid_schedule_expressions(events, rule, expression):
    expect_error(events.put_rule, "ValidationException", 400, "Parameter ScheduleExpression is not valid.",
                 Name=rule, ScheduleExpression=expression)
    expect_error(events.describe_rule, "ResourceNotFoundException", 400, Name=rule)


@pytest.mark.parametrize("expression", [
    "rate(1 minute)", "rate(1 hour)", "rate(2 days)", "cron(0/15 * * * ? *)", "cron(0 18 ? * MON#1 *)", "cron(0 0 L * ? *)",
    "cron(0 0 15W * ? *)", "cron(15 10 ? * 6L 2026-2030)", "cron(5,35 14 * JAN,MAR ? *)",
])
def test_valid_schedule_expressions(events, rule, expression):
    events.put_rule(Name=rule, ScheduleExpression=expression, State="DISABLED")
    assert events.describe_rule(Name=rule)["ScheduleExpression"] == expression


def test_put_rule_errors(events, rule):
    expect_error(events.put_rule, "ValidationException", 400, "Parameter(s) EventPattern or ScheduleExpression must be specified.",
                 Name=rule)
    expect_error(events.put_rule, "ValidationException", 400,
                 "1 validation error detected: Value 'a b' at 'name' failed to satisfy constraint: "
                 r"Member must satisfy regular expression pattern: [\.\-_A-Za-z0-9]+",
                 Name="a b", ScheduleExpression="rate(1 hour)")
    expect_error(events.put_rule, "ValidationException", 400,
                 "1 validation error detected: Value 'ON' at 'state' failed to satisfy constraint: "
                 "Member must satisfy enum value set: [ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS, DISABLED, ENABLED]",
                 Name=rule, ScheduleExpression="rate(1 hour)", State="ON")
    expect_error(events.put_rule, "ResourceNotFoundException", 400, "Event bus other does not exist.",
                 Name=rule, ScheduleExpression="rate(1 hour)", EventBusName="other")


@pytest.mark.parametrize("operation", ["enable_rule", "disable_rule"])
def test_enable_disable_missing_rule(events, operation):
    name = unique_token("missing")
    expect_error(getattr(events, operation), "ResourceNotFoundException", 400, f"Rule {name} does not exist on EventBus default.", Name=name)


def test_list_rules_prefix_and_paging(events):
    prefix = unique_token("list")
    names = [f"{prefix}-{i}" for i in range(5)]
    try:
        for name in names:
            events.put_rule(Name=name, ScheduleExpression="rate(1 day)", State="DISABLED")
        everything = events.list_rules(NamePrefix=prefix)
        assert [r["Name"] for r in everything["Rules"]] == names and "NextToken" not in everything
        assert everything["Rules"][0] == {
            "Name": names[0], "Arn": rule_arn(names[0]), "State": "DISABLED", "ScheduleExpression": "rate(1 day)", "EventBusName": "default",
        }
        seen, token = [], None
        while True:
            page = events.list_rules(NamePrefix=prefix, Limit=2, **({"NextToken": token} if token else {}))
            assert len(page["Rules"]) <= 2
            seen += [r["Name"] for r in page["Rules"]]
            token = page.get("NextToken")
            if not token:
                break
        assert seen == names
        assert events.list_rules(NamePrefix=unique_token("none"))["Rules"] == []
        expect_error(events.list_rules, "ValidationException", 400,
                     "1 validation error detected: Value '101' at 'limit' failed to satisfy constraint: "
                     "Member must have value less than or equal to 100", Limit=101)
    finally:
        for name in names:
            events.delete_rule(Name=name)


# --------------------------------------------------------------------------
# Targets
# --------------------------------------------------------------------------


def test_targets_put_list_remove(events, rule, functions):
    fn = functions.create()["FunctionName"]
    events.put_rule(Name=rule, ScheduleExpression="rate(1 day)")
    res = events.put_targets(Rule=rule, Targets=[
        {"Id": "one", "Arn": function_arn(fn)},
        {"Id": "two", "Arn": function_arn(fn, "$LATEST"), "Input": '{"constant": true}'},
        {"Id": "queue", "Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:q"},
    ])
    assert res["FailedEntryCount"] == 1
    assert [e["TargetId"] for e in res["FailedEntries"]] == ["queue"]
    assert res["FailedEntries"][0]["ErrorCode"] == "ValidationException"
    assert events.list_targets_by_rule(Rule=rule)["Targets"] == [
        {"Id": "one", "Arn": function_arn(fn)},
        {"Id": "two", "Arn": function_arn(fn, "$LATEST"), "Input": '{"constant": true}'},
    ]
    page = events.list_targets_by_rule(Rule=rule, Limit=1)
    assert [t["Id"] for t in page["Targets"]] == ["one"]
    assert [t["Id"] for t in events.list_targets_by_rule(Rule=rule, NextToken=page["NextToken"])["Targets"]] == ["two"]
    # A rule with targets cannot be deleted.
    expect_error(events.delete_rule, "ValidationException", 400, "Rule can't be deleted since it has targets.", Name=rule)
    res = events.remove_targets(Rule=rule, Ids=["one", "absent"])
    assert (res["FailedEntryCount"], res["FailedEntries"]) == (0, [])
    assert [t["Id"] for t in events.list_targets_by_rule(Rule=rule)["Targets"]] == ["two"]
    events.remove_targets(Rule=rule, Ids=["two"])
    events.delete_rule(Name=rule)


def test_target_errors(events, rule):
    missing = unique_token("missing")
    target = {"Id": "t", "Arn": function_arn("f")}
    message = f"Rule {missing} does not exist on EventBus default."
    expect_error(events.put_targets, "ResourceNotFoundException", 400, message, Rule=missing, Targets=[target])
    expect_error(events.remove_targets, "ResourceNotFoundException", 400, message, Rule=missing, Ids=["t"])
    expect_error(events.list_targets_by_rule, "ResourceNotFoundException", 400, message, Rule=missing)
    events.put_rule(Name=rule, ScheduleExpression="rate(1 day)")
    expect_error(events.put_targets, "ValidationException", 400, "Parameter not-an-arn is not valid. Reason: Provided Arn is not in correct format.",
                 Rule=rule, Targets=[{"Id": "t", "Arn": "not-an-arn"}])
    expect_error(events.put_targets, "ValidationException", 400, "Input is not valid JSON text.",
                 Rule=rule, Targets=[{"Id": "t", "Arn": function_arn("f"), "Input": "{not json"}])
    expect_error(events.put_targets, "ValidationException", 400,
                 "1 validation error detected: Value 'a b' at 'targets.1.member.id' failed to satisfy constraint: "
                 r"Member must satisfy regular expression pattern: [\.\-_A-Za-z0-9]+",
                 Rule=rule, Targets=[{"Id": "a b", "Arn": function_arn("f")}])
    assert events.list_targets_by_rule(Rule=rule)["Targets"] == []


def test_wrong_signature_is_refused(server, rule):
    bad = events_client(server.endpoint, secret_key="wrong")
    err = expect_error(bad.list_rules, "InvalidSignatureException", 403)
    assert err.response["Error"]["Message"]


# --------------------------------------------------------------------------
# Firing
# --------------------------------------------------------------------------


def test_rate_rule_fires_scheduled_event_and_constant_input(events, rule, functions, side_effects):
    token, constant_token = unique_token("sched"), unique_token("const")
    env = {"Variables": {"SIDE_EFFECT_URL": side_effects.url, "TOKEN": token}}
    fn = functions.create(zip_bytes=bootstrap_zip(runtime_script(REPORT_EVENT)), Environment=env)["FunctionName"]
    constant_env = {"Variables": {"SIDE_EFFECT_URL": side_effects.url, "TOKEN": constant_token}}
    constant_fn = functions.create(zip_bytes=bootstrap_zip(runtime_script(REPORT_EVENT)), Environment=constant_env)["FunctionName"]
    created = time.time()
    events.put_rule(Name=rule, ScheduleExpression="rate(1 minute)")
    events.put_targets(Rule=rule, Targets=[
        {"Id": "event", "Arn": function_arn(fn)},
        {"Id": "constant", "Arn": function_arn(constant_fn), "Input": '{"constant": [1, 2]}'},
    ])
    wait_for(lambda: side_effects.has(token) and side_effects.has(constant_token), timeout=90, what="the rule to fire")
    fired = time.time()
    assert 55 <= fired - created <= 75, f"rate(1 minute) fired after {fired - created:.1f}s"
    event = json.loads(side_effects.get(token))
    assert re.fullmatch(UUID_RE, event["id"])
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", event["time"])
    slot = datetime.strptime(event["time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp()
    assert abs(slot - (created + 60)) <= 2, "the time is the slot's, a minute after the rule was created"
    assert event == {
        "version": "0", "id": event["id"], "detail-type": "Scheduled Event", "source": "aws.events", "account": ACCOUNT,
        "time": event["time"], "region": REGION, "resources": [rule_arn(rule)], "detail": {},
    }
    assert json.loads(side_effects.get(constant_token)) == {"constant": [1, 2]}
    # One slot, one firing each.
    time.sleep(3)
    assert len(side_effects.all(token)) == 1 and len(side_effects.all(constant_token)) == 1


# --------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------


def test_aws_events_cli(aws_cli, events):
    name = unique_token("cli")
    out = json.loads(aws_cli("events", "put-rule", "--name", name, "--schedule-expression", "cron(0 12 * * ? *)", "--output", "json").stdout)
    assert out == {"RuleArn": rule_arn(name)}
    out = json.loads(aws_cli("events", "list-rules", "--name-prefix", name, "--output", "json").stdout)
    assert [r["Name"] for r in out["Rules"]] == [name]
    proc = aws_cli("events", "describe-rule", "--name", unique_token("missing"), check=False)
    assert proc.returncode != 0 and b"ResourceNotFoundException" in proc.stderr
    aws_cli("events", "delete-rule", "--name", name)
    assert events.list_rules(NamePrefix=name)["Rules"] == []
