"""Versions and aliases (issue 5): PublishVersion, ListVersionsByFunction, qualified reads,
invokes and deletes, alias CRUD with weighted routing. Compared with AWS's recorded
responses (test_lambda_api.snapshot.json) where they exist."""
import json

import pytest
from botocore.exceptions import ClientError

from e2e_helpers import (
    ROLE,
    expect_error,
    find_report,
    decode_log_result,
    invoke,
    load_snapshot,
    snapshot_keys,
    wait_active,
    zip_bytes,
)

VERSIONS = load_snapshot("test_lambda_api.snapshot.json", "test_version_lifecycle")
ALIASES = load_snapshot("test_lambda_api.snapshot.json", "test_alias_lifecycle")
ROUTING = load_snapshot("test_lambda_api.snapshot.json", "test_notfound_and_invalid_routingconfigs")
NAMING = load_snapshot("test_lambda_api.snapshot.json", "test_alias_naming")

APP = r'''
import os
def handler(event, context):
    return {"version": os.environ["AWS_LAMBDA_FUNCTION_VERSION"], "color": os.environ.get("COLOR"),
            "arn": context.invoked_function_arn, "pid": os.getpid(),
            "init": os.environ["AWS_LAMBDA_INITIALIZATION_TYPE"],
            "stream": os.environ["AWS_LAMBDA_LOG_STREAM_NAME"]}
'''


def create(client, name, color="red", **kwargs):
    client.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
                           Code={"ZipFile": zip_bytes([("app.py", APP, 0o644)])},
                           Environment={"Variables": {"COLOR": color}}, **kwargs)
    return wait_active(client, name)


def recolor(client, name, color):
    client.update_function_configuration(FunctionName=name, Environment={"Variables": {"COLOR": color}})


def keys(obj: dict) -> set:
    """Top-level keys, without Environment (the recorded functions had no variables)."""
    return snapshot_keys(obj) - {"Environment"}


def message(snapshot: dict, key: str) -> str:
    return snapshot[key]["Error"]["Message"]


def arn_message(text: str, server, name: str) -> str:
    """A recorded message with its normalised ARN parts replaced by this server's."""
    return (text.replace("arn:<partition>:lambda:<region>:111111111111", f"arn:aws:lambda:{server.region}:{server.account}")
            .replace("<function-name:1>", name).replace("<fn-name>", name))


def test_publish_snapshots_latest_and_lists_versions(server, functions):
    client = server.client()
    name = functions.name()
    create(client, name, Description="No version :(")
    listed = client.list_versions_by_function(FunctionName=name)["Versions"]
    assert [v["Version"] for v in listed] == ["$LATEST"]
    assert listed[0]["FunctionArn"] == server.arn(name) + ":$LATEST"
    assert keys(listed[0]) == keys(VERSIONS["list_versions_result"]["Versions"][0])

    latest = client.get_function(FunctionName=name)["Configuration"]
    v1 = client.publish_version(FunctionName=name, Description="First version description :)")
    assert v1["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert keys(v1) == keys(VERSIONS["first_publish_response"])
    assert v1["Version"] == "1" and v1["FunctionArn"] == server.arn(name) + ":1"
    assert v1["Description"] == "First version description :)"
    assert v1["CodeSha256"] == latest["CodeSha256"] and v1["RevisionId"] != latest["RevisionId"]

    # Nothing changed: AWS hands back the last version instead of publishing another.
    assert client.publish_version(FunctionName=name)["Version"] == "1"

    recolor(client, name, "blue")
    v2 = client.publish_version(FunctionName=name)
    assert v2["Version"] == "2" and v2["Environment"]["Variables"] == {"COLOR": "blue"}
    assert v2["Description"] == "No version :("  # the function's own, when none is given

    # $LATEST keeps changing; the versions don't.
    recolor(client, name, "green")
    got = client.get_function_configuration(FunctionName=name, Qualifier="1")
    assert got["Environment"]["Variables"] == {"COLOR": "red"} and got["Version"] == "1"
    versions = client.list_versions_by_function(FunctionName=name)["Versions"]
    assert [v["Version"] for v in versions] == ["$LATEST", "1", "2"]

    page = client.list_versions_by_function(FunctionName=name, MaxItems=2)
    assert [v["Version"] for v in page["Versions"]] == ["$LATEST", "1"]
    rest = client.list_versions_by_function(FunctionName=name, Marker=page["NextMarker"])
    assert [v["Version"] for v in rest["Versions"]] == ["2"] and "NextMarker" not in rest


def test_publish_preconditions(server, functions):
    client = server.client()
    name = functions.name()
    create(client, name)
    recorded = load_snapshot("test_lambda_api.snapshot.json", "test_function_revisions_version_and_alias")
    expect_error(client.publish_version, "PreconditionFailedException", 412,
                 message(recorded, "publish_version_revision_exception"), FunctionName=name, RevisionId="wrong")
    sha = client.get_function(FunctionName=name)["Configuration"]["CodeSha256"]
    expect_error(client.publish_version, "InvalidParameterValueException", 400,
                 f"CodeSHA256 (abc) is different from current CodeSHA256 in $LATEST ({sha}). Please try again with the CodeSHA256 in $LATEST.",
                 FunctionName=name, CodeSha256="abc")
    rev = client.get_function(FunctionName=name)["Configuration"]["RevisionId"]
    assert client.publish_version(FunctionName=name, RevisionId=rev, CodeSha256=sha)["Version"] == "1"
    # Publishing gives $LATEST a new RevisionId (recorded: rev2 before, rev3 after).
    assert recorded["get_function_active_rev2"]["Configuration"]["RevisionId"] != recorded["get_function_latest_rev3"]["Configuration"]["RevisionId"]
    assert client.get_function(FunctionName=name)["Configuration"]["RevisionId"] != rev
    expect_error(client.publish_version, "PreconditionFailedException", 412,
                 message(recorded, "publish_version_revision_exception"), FunctionName=name, RevisionId=rev)
    expect_error(client.publish_version, "ResourceNotFoundException", 404,
                 f"Function not found: {server.arn(name + '-missing')}", FunctionName=name + "-missing")
    expect_error(client.publish_version, "InvalidParameterValueException", 400, FunctionName=name + ":1")


def test_create_and_update_code_with_publish(server, functions):
    client = server.client()
    name = functions.name()
    created = create(client, name, Publish=True)
    assert client.list_versions_by_function(FunctionName=name)["Versions"][-1]["Version"] == "1"
    updated = client.update_function_code(FunctionName=name, ZipFile=zip_bytes([("app.py", APP + "\n# v2\n", 0o644)]), Publish=True)
    assert updated["Version"] == "2" and updated["CodeSha256"] != created["CodeSha256"]


def test_each_version_runs_its_own_configuration_and_environments(server, functions):
    client = server.client()
    name = functions.name()
    create(client, name, "red")
    client.publish_version(FunctionName=name)
    recolor(client, name, "blue")

    first = invoke(client, name, {}, Qualifier="1", LogType="Tail")
    assert first["ExecutedVersion"] == "1"
    assert first["Json"]["version"] == "1" and first["Json"]["color"] == "red"
    assert first["Json"]["arn"] == server.arn(name) + ":1"
    assert "/[1]" in first["Json"]["stream"]
    assert "Version: 1" in decode_log_result(first)

    latest = invoke(client, name, {})
    assert latest["ExecutedVersion"] == "$LATEST" and latest["Json"]["color"] == "blue"
    assert latest["Json"]["arn"] == server.arn(name)
    # Warm reuse per version: the same environment serves the next invoke of each.
    assert invoke(client, name, {}, Qualifier="1")["Json"]["stream"] == first["Json"]["stream"]
    assert invoke(client, name, {})["Json"]["stream"] == latest["Json"]["stream"]
    # A qualified ARN works as the function name too.
    assert invoke(client, server.arn(name) + ":1", {})["Json"]["color"] == "red"

    expect_error(client.invoke, "ResourceNotFoundException", 404, f"Function not found: {server.arn(name)}:9",
                 FunctionName=name, Qualifier="9")
    expect_error(client.invoke, "ResourceNotFoundException", 404, f"Function not found: {server.arn(name)}:nope",
                 FunctionName=name, Qualifier="nope")


def test_get_function_through_versions_and_aliases(server, functions):
    client = server.client()
    name = functions.name()
    create(client, name)
    client.publish_version(FunctionName=name)
    client.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    by_alias = client.get_function(FunctionName=name, Qualifier="live")["Configuration"]
    recorded = ALIASES["get_function_alias_1_1"]["Configuration"]
    assert keys(by_alias) == keys(recorded)
    assert by_alias["FunctionArn"] == server.arn(name) + ":live" and by_alias["Version"] == "1"
    by_arn = client.get_function(FunctionName=server.arn(name) + ":live")["Configuration"]
    assert by_arn["FunctionArn"] == by_alias["FunctionArn"]
    expect_error(client.get_function, "ResourceNotFoundException", 404,
                 arn_message(message(ALIASES, "get_function_alias_notfound_exc"), server, name),
                 FunctionName=name, Qualifier="aliasdoesnotexist")
    recorded_version = load_snapshot("test_lambda_api.snapshot.json", "test_ops_on_nonexisting_version[get_function]")
    expect_error(client.get_function, "ResourceNotFoundException", 404,
                 arn_message(message(recorded_version, "version_not_found_exception"), server, name),
                 FunctionName=name, Qualifier="1221")


def test_delete_versions(server, functions):
    client = server.client()
    name = functions.name()
    create(client, name)
    client.publish_version(FunctionName=name)
    client.create_alias(FunctionName=name, Name="pinned", FunctionVersion="1")
    expect_error(client.delete_function, "ResourceConflictException", 409,
                 "Unable to delete version because the following aliases reference it: [pinned]",
                 FunctionName=name, Qualifier="1")
    client.delete_alias(FunctionName=name, Name="pinned")
    client.delete_function(FunctionName=name, Qualifier="1")
    expect_error(client.get_function, "ResourceNotFoundException", 404, FunctionName=name, Qualifier="1")
    expect_error(client.delete_function, "InvalidParameterValueException", 400,
                 "$LATEST version cannot be deleted without deleting the function.", FunctionName=name, Qualifier="$LATEST")
    # Numbers are never reused.
    recolor(client, name, "blue")
    assert client.publish_version(FunctionName=name)["Version"] == "2"
    recorded = load_snapshot("test_lambda_api.snapshot.json", "test_delete_on_nonexisting_version")
    expect_error(client.delete_function, "ResourceNotFoundException", 404,
                 arn_message(message(recorded, "delete_function_response_non_existent_with_qualifier"), server, name + "-gone"),
                 FunctionName=name + "-gone", Qualifier="1")


def test_alias_lifecycle(server, functions):
    client = server.client()
    name = functions.name()
    create(client, name)
    client.publish_version(FunctionName=name)
    recolor(client, name, "blue")
    client.publish_version(FunctionName=name)

    created = client.create_alias(FunctionName=name, Name="live", FunctionVersion="1", Description="custom-alias",
                                  RoutingConfig={"AdditionalVersionWeights": {"2": 0.2}})
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert snapshot_keys(created) == snapshot_keys(ALIASES["create_alias_1_1"])
    assert created["AliasArn"] == server.arn(name) + ":live"
    assert created["RoutingConfig"] == {"AdditionalVersionWeights": {"2": 0.2}}
    plain = client.create_alias(FunctionName=name, Name="plain", FunctionVersion="2")
    assert snapshot_keys(plain) == snapshot_keys(ALIASES["create_alias_1_2"])  # no RoutingConfig

    got = client.get_alias(FunctionName=name, Name="live")
    assert {k: got[k] for k in snapshot_keys(got)} == {k: created[k] for k in snapshot_keys(created)}
    assert [a["Name"] for a in client.list_aliases(FunctionName=name)["Aliases"]] == ["live", "plain"]
    assert [a["Name"] for a in client.list_aliases(FunctionName=name, FunctionVersion="2")["Aliases"]] == ["plain"]

    recorded = load_snapshot("test_lambda_api.snapshot.json", "test_function_revisions_version_and_alias")
    expect_error(client.update_alias, "PreconditionFailedException", 412, message(recorded, "update_alias_revision_exception"),
                 FunctionName=name, Name="live", RevisionId="wrong")
    updated = client.update_alias(FunctionName=name, Name="live", FunctionVersion="2", Description="moved",
                                  RoutingConfig={"AdditionalVersionWeights": {}}, RevisionId=got["RevisionId"])
    assert updated["FunctionVersion"] == "2" and updated["Description"] == "moved"
    assert updated["RevisionId"] != got["RevisionId"]
    assert invoke(client, name, {}, Qualifier="live")["Json"]["color"] == "blue"

    expect_error(client.create_alias, "ResourceConflictException", 409, f"Alias already exists: {server.arn(name)}:live",
                 FunctionName=name, Name="live", FunctionVersion="1")
    client.delete_alias(FunctionName=name, Name="live")
    expect_error(client.get_alias, "ResourceNotFoundException", 404, f"Cannot find alias arn: {server.arn(name)}:live",
                 FunctionName=name, Name="live")
    # Deleting an alias that does not exist succeeds, as on AWS.
    assert client.delete_alias(FunctionName=name, Name="live")["ResponseMetadata"]["HTTPStatusCode"] == 204
    recorded_update = load_snapshot("test_lambda_api.snapshot.json", "test_non_existent_alias_update")
    expect_error(client.update_alias, "ResourceNotFoundException", 404,
                 arn_message(message(recorded_update, "update_alias_response"), server, name),
                 FunctionName=name, Name="non-existent", Description="x")


def test_alias_validation_matches_aws(server, functions):
    client = server.client(parameter_validation=False)  # let the server see out-of-range weights
    name = functions.name()
    create(client, name)
    client.publish_version(FunctionName=name)
    recolor(client, name, "blue")
    client.publish_version(FunctionName=name)

    cases = [
        ("routing_config_exc_toomany", "InvalidParameterValueException", dict(FunctionVersion="1", RoutingConfig={"AdditionalVersionWeights": {"2": 0.5, "3": 0.2}})),
        ("routing_config_exc_toohigh", "ValidationException", dict(FunctionVersion="1", RoutingConfig={"AdditionalVersionWeights": {"2": 2.0}})),
        ("routing_config_exc_subzero", "ValidationException", dict(FunctionVersion="1", RoutingConfig={"AdditionalVersionWeights": {"2": -1.0}})),
        ("routing_config_exc_sameversion", "InvalidParameterValueException", dict(FunctionVersion="1", RoutingConfig={"AdditionalVersionWeights": {"1": 0.5}})),
        ("target_version_doesnotexist", "ResourceNotFoundException", dict(FunctionVersion="10")),
        ("routing_config_exc_version_doesnotexist", "ResourceNotFoundException", dict(FunctionVersion="1", RoutingConfig={"AdditionalVersionWeights": {"10": 0.5}})),
        ("target_version_exc_version_latest", "InvalidParameterValueException", dict(FunctionVersion="$LATEST", RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}})),
        ("routing_config_exc_version_latest", "ValidationException", dict(FunctionVersion="1", RoutingConfig={"AdditionalVersionWeights": {"$LATEST": 0.5}})),
    ]
    for key, code, params in cases:
        expected = arn_message(message(ROUTING, key), server, name)
        status = 404 if code == "ResourceNotFoundException" else 400
        expect_error(client.create_alias, code, status, expected, FunctionName=name, Name="custom", **params)
    expect_error(client.create_alias, "ResourceNotFoundException", 404,
                 arn_message(message(ROUTING, "routing_config_exc_fn_doesnotexist"), server, name),
                 FunctionName=name + "-unknown", Name="custom", FunctionVersion="1")
    expect_error(client.create_alias, "ValidationException", 400, message(NAMING, "create_alias_number_exception"),
                 FunctionName=name, Name="2024", FunctionVersion="1")
    assert client.create_alias(FunctionName=name, Name="2024-01-01", FunctionVersion="1")["Name"] == "2024-01-01"


def test_weighted_alias_routes_between_two_versions(server, functions):
    client = server.client()
    name = functions.name()
    create(client, name, "red")
    client.publish_version(FunctionName=name)
    recolor(client, name, "blue")
    client.publish_version(FunctionName=name)
    client.create_alias(FunctionName=name, Name="canary", FunctionVersion="1", RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}})
    seen = {"1": 0, "2": 0}
    for _ in range(60):
        resp = invoke(client, name, {}, Qualifier="canary")
        executed = resp["ExecutedVersion"]
        assert resp["Json"]["version"] == executed
        assert resp["Json"]["color"] == {"1": "red", "2": "blue"}[executed]
        assert resp["Json"]["arn"] == server.arn(name) + ":canary"
        seen[executed] += 1
    # With weight 0.5 over 60 invokes, each side gets at least 10 with probability > 0.999999.
    assert seen["1"] >= 10 and seen["2"] >= 10, seen

    client.update_alias(FunctionName=name, Name="canary", RoutingConfig={"AdditionalVersionWeights": {"2": 0.0}})
    assert {invoke(client, name, {}, Qualifier="canary")["ExecutedVersion"] for _ in range(10)} == {"1"}


def test_versions_and_aliases_survive_a_restart(server_factory):
    srv = server_factory("restart")
    client = srv.client()
    create(client, "keep", "red")
    client.publish_version(FunctionName="keep")
    recolor(client, "keep", "blue")
    client.create_alias(FunctionName="keep", Name="prod", FunctionVersion="1")
    srv.stop()
    srv.start()
    client = srv.client()
    assert invoke(client, "keep", {}, Qualifier="prod")["Json"]["color"] == "red"
    assert invoke(client, "keep", {})["Json"]["color"] == "blue"
    recolor(client, "keep", "green")
    assert client.publish_version(FunctionName="keep")["Version"] == "2"
