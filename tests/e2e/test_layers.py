"""Lambda layers, control plane: PublishLayerVersion, GetLayerVersion(ByArn), ListLayers,
ListLayerVersions, DeleteLayerVersion, the layer version permission operations, and
functions' `Layers`.

Shapes, statuses and messages are compared with real-AWS recordings in
/work/shared/reference/aws-recorded-responses/test_lambda_api.snapshot.json (TestLambdaLayer).
"""

from __future__ import annotations

import io
import json
import re
import uuid
import zipfile

import pytest
import urllib3

from e2e_helpers import (
    ACCOUNT,
    LAST_MODIFIED_RE,
    REGION,
    ROLE,
    UUID_RE,
    assert_raw_error,
    echo_zip,
    expect_error,
    load_snapshot,
    raw_request,
    sha256_b64,
    snapshot_keys,
    zip_bytes,
)

LIFECYCLE = load_snapshot("test_lambda_api.snapshot.json", "TestLambdaLayer::test_layer_lifecycle")
EXCEPTIONS = load_snapshot("test_lambda_api.snapshot.json", "TestLambdaLayer::test_layer_exceptions")
POLICY = load_snapshot("test_lambda_api.snapshot.json", "TestLambdaLayer::test_layer_policy_lifecycle")
POLICY_EXC = load_snapshot("test_lambda_api.snapshot.json", "TestLambdaLayer::test_layer_policy_exceptions")
S3_CONTENT = load_snapshot("test_lambda_api.snapshot.json", "TestLambdaLayer::test_layer_s3_content")

NOT_EXIST = "The resource you requested does not exist."
VERSION_LT_1 = "Layer Version Cannot be less than 1"
REVISION_MSG = (
    "The Revision Id provided does not match the latest Revision Id. "
    "Call the GetLayerPolicy API to retrieve the latest Revision Id"
)
LAYER_ARN_PATTERN = (
    r"(arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+)"
    r"|(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+)"
)

_http = urllib3.PoolManager()


def layer_arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:layer:{name}"


def layer_zip(text: str = "layer") -> bytes:
    return zip_bytes([("python/lib.py", f"VALUE = {text!r}\n", 0o644), ("bin/tool", "#!/bin/sh\necho tool\n", 0o755)])


def zeros_zip(size: int, name: str = "zeros.bin") -> bytes:
    """A small zip that unpacks to `size` zero bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        with zf.open(name, "w", force_zip64=True) as fh:
            chunk = b"\0" * (1 << 20)
            left = size
            while left > 0:
                fh.write(chunk[: min(left, len(chunk))])
                left -= len(chunk)
    return buf.getvalue()


class Layers:
    """Publishes layer versions under unique names and deletes them at teardown."""

    def __init__(self, client, hint: str):
        self.client = client
        self.hint = re.sub(r"[^a-zA-Z0-9-]+", "-", hint).strip("-")[:30] or "layer"
        self.published: list[tuple[str, int]] = []

    def name(self) -> str:
        return f"e2e-{self.hint}-{uuid.uuid4().hex[:8]}"

    def publish(self, name: str | None = None, content: bytes | None = None, **kwargs) -> dict:
        name = name or self.name()
        resp = self.client.publish_layer_version(
            LayerName=name, Content={"ZipFile": content if content is not None else layer_zip()}, **kwargs
        )
        self.published.append((name, resp["Version"]))
        return resp

    def cleanup(self):
        for name, version in self.published:
            try:
                self.client.delete_layer_version(LayerName=name, VersionNumber=version)
            except Exception:  # noqa: BLE001 - best effort
                pass


@pytest.fixture
def layers(lambda_client, request):
    made = Layers(lambda_client, request.node.name)
    yield made
    made.cleanup()


def strip(resp: dict) -> dict:
    return {k: v for k, v in resp.items() if k != "ResponseMetadata"}


# --------------------------------------------------------------------------
# Lifecycle
# --------------------------------------------------------------------------


def test_layer_lifecycle(lambda_client, layers):
    name = layers.name()
    content = layer_zip("v1")
    published = layers.publish(
        name, content, Description="my layer", LicenseInfo="MIT",
        CompatibleRuntimes=["python3.12"], CompatibleArchitectures=["x86_64"],
    )
    assert published["ResponseMetadata"]["HTTPStatusCode"] == 201
    expected = snapshot_keys(LIFECYCLE["publish_result"])
    assert snapshot_keys(published) == expected, f"missing={expected - snapshot_keys(published)} extra={snapshot_keys(published) - expected}"
    assert published["LayerArn"] == layer_arn(name)
    assert published["LayerVersionArn"] == layer_arn(name) + ":1"
    assert published["Version"] == 1
    assert published["Description"] == "my layer"
    assert published["LicenseInfo"] == "MIT"
    assert published["CompatibleRuntimes"] == ["python3.12"]
    assert published["CompatibleArchitectures"] == ["x86_64"]
    assert LAST_MODIFIED_RE.match(published["CreatedDate"]), published["CreatedDate"]
    assert set(published["Content"]) == set(LIFECYCLE["publish_result"]["Content"])
    assert published["Content"]["CodeSha256"] == sha256_b64(content)
    assert published["Content"]["CodeSize"] == len(content)
    # Content.Location serves the zip, like GetFunction's Code.Location.
    download = _http.request("GET", published["Content"]["Location"], timeout=30, retries=False)
    assert download.status == 200
    assert download.data == content

    second = layers.publish(name, layer_zip("v2"), Description="my layer", LicenseInfo="MIT",
                            CompatibleRuntimes=["python3.12"], CompatibleArchitectures=["x86_64"])
    assert second["Version"] == 2
    assert second["LayerVersionArn"] == layer_arn(name) + ":2"

    got = lambda_client.get_layer_version(LayerName=name, VersionNumber=1)
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert snapshot_keys(got) == snapshot_keys(LIFECYCLE["get_layer_ver_result"])
    assert strip(got) == strip(published)
    by_arn = lambda_client.get_layer_version_by_arn(Arn=layer_arn(name) + ":1")
    assert strip(by_arn) == strip(published)
    # The layer's ARN is accepted where its name is.
    assert strip(lambda_client.get_layer_version(LayerName=layer_arn(name), VersionNumber=2)) == strip(second)

    listed = lambda_client.list_layer_versions(LayerName=name)
    recorded_items = LIFECYCLE["list_layer_versions_predelete"]["LayerVersions"]
    assert [v["Version"] for v in listed["LayerVersions"]] == [2, 1]
    assert [set(v) for v in listed["LayerVersions"]] == [set(v) for v in recorded_items]
    assert "NextMarker" not in listed
    assert listed["LayerVersions"][1]["LayerVersionArn"] == layer_arn(name) + ":1"
    assert listed["LayerVersions"][1]["CreatedDate"] == published["CreatedDate"]

    for version in (1, 2):
        resp = lambda_client.delete_layer_version(LayerName=name, VersionNumber=version)
        assert resp["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert lambda_client.list_layer_versions(LayerName=name)["LayerVersions"] == []
    expect_error(lambda_client.get_layer_version, "ResourceNotFoundException", 404, NOT_EXIST, LayerName=name, VersionNumber=1)
    # Deleting again is fine; version numbers are never reused.
    assert lambda_client.delete_layer_version(LayerName=name, VersionNumber=1)["ResponseMetadata"]["HTTPStatusCode"] == 204
    third = layers.publish(name, content)
    assert third["Version"] == 3


def test_optional_fields_are_omitted_when_not_sent(lambda_client, layers):
    bare = layers.publish()
    assert snapshot_keys(bare) == snapshot_keys(S3_CONTENT["publish_layer_result"])
    assert bare["Description"] == ""
    empty = layers.publish(CompatibleRuntimes=[], CompatibleArchitectures=[])
    assert snapshot_keys(empty) == snapshot_keys(EXCEPTIONS["publish_empty_result"])
    assert empty["CompatibleRuntimes"] == [] and empty["CompatibleArchitectures"] == []


def test_deprecated_runtimes_are_accepted(layers):
    runtimes = ["java8", "go1.x", "dotnetcore3.1", "ruby2.7", "provided", "python3.7", "nodejs12.x"]
    published = layers.publish(CompatibleRuntimes=runtimes, CompatibleArchitectures=["arm64", "x86_64"])
    assert published["CompatibleRuntimes"] == runtimes
    assert published["CompatibleArchitectures"] == ["arm64", "x86_64"]


def test_list_filters_pick_the_latest_matching_version(lambda_client, layers):
    name = layers.name()
    layers.publish(name, CompatibleRuntimes=["python3.12"], CompatibleArchitectures=["x86_64"])
    layers.publish(name, CompatibleRuntimes=["nodejs20.x"], CompatibleArchitectures=["arm64"])

    def entry(**filters):
        found = [l for l in all_layers(lambda_client, **filters) if l["LayerName"] == name]
        assert len(found) <= 1
        return found[0] if found else None

    unfiltered = entry()
    assert set(unfiltered) == {"LayerName", "LayerArn", "LatestMatchingVersion"}
    assert unfiltered["LayerArn"] == layer_arn(name)
    assert unfiltered["LatestMatchingVersion"]["Version"] == 2
    assert set(unfiltered["LatestMatchingVersion"]) == {
        "LayerVersionArn", "Version", "Description", "CreatedDate", "CompatibleRuntimes", "CompatibleArchitectures"
    }
    assert entry(CompatibleRuntime="python3.12")["LatestMatchingVersion"]["Version"] == 1
    assert entry(CompatibleArchitecture="arm64")["LatestMatchingVersion"]["Version"] == 2
    assert entry(CompatibleRuntime="python3.12", CompatibleArchitecture="arm64") is None
    assert entry(CompatibleRuntime="java21") is None

    versions = lambda_client.list_layer_versions(LayerName=name, CompatibleRuntime="nodejs20.x")["LayerVersions"]
    assert [v["Version"] for v in versions] == [2]
    versions = lambda_client.list_layer_versions(LayerName=name, CompatibleArchitecture="x86_64")["LayerVersions"]
    assert [v["Version"] for v in versions] == [1]


def all_layers(client, **kwargs) -> list[dict]:
    out, marker = [], None
    while True:
        page = client.list_layers(**kwargs, **({"Marker": marker} if marker else {}))
        out.extend(page["Layers"])
        marker = page.get("NextMarker")
        if not marker:
            return out


def test_list_layer_versions_paging(lambda_client, layers):
    name = layers.name()
    for _ in range(5):
        layers.publish(name)
    first = lambda_client.list_layer_versions(LayerName=name, MaxItems=2)
    assert [v["Version"] for v in first["LayerVersions"]] == [5, 4]
    assert first["NextMarker"]
    second = lambda_client.list_layer_versions(LayerName=name, MaxItems=2, Marker=first["NextMarker"])
    assert [v["Version"] for v in second["LayerVersions"]] == [3, 2]
    third = lambda_client.list_layer_versions(LayerName=name, MaxItems=2, Marker=second["NextMarker"])
    assert [v["Version"] for v in third["LayerVersions"]] == [1]
    assert "NextMarker" not in third
    paginated = [
        v["Version"]
        for page in lambda_client.get_paginator("list_layer_versions").paginate(LayerName=name, PaginationConfig={"PageSize": 2})
        for v in page["LayerVersions"]
    ]
    assert paginated == [5, 4, 3, 2, 1]


def test_list_layers_paging(lambda_client, layers):
    names = sorted(layers.name() for _ in range(3))
    for name in names:
        layers.publish(name)
    seen, marker, pages = [], None, 0
    while True:
        page = lambda_client.list_layers(MaxItems=1, **({"Marker": marker} if marker else {}))
        pages += 1
        assert len(page["Layers"]) <= 1
        seen.extend(l["LayerName"] for l in page["Layers"])
        marker = page.get("NextMarker")
        if not marker:
            break
    assert seen == sorted(seen), "ListLayers is ordered by name"
    assert len(seen) == len(set(seen)), "no layer appears twice across pages"
    assert [n for n in seen if n in names] == names
    assert pages >= 3


def test_layers_survive_a_restart(server_factory):
    srv = server_factory("layers-restart")
    client = srv.client()
    client.publish_layer_version(LayerName="persisted", Content={"ZipFile": layer_zip()}, Description="kept")
    client.publish_layer_version(LayerName="persisted", Content={"ZipFile": layer_zip()})
    client.delete_layer_version(LayerName="persisted", VersionNumber=2)
    srv.stop()
    srv.start()
    client = srv.client()
    assert client.get_layer_version(LayerName="persisted", VersionNumber=1)["Description"] == "kept"
    # Version 2 was deleted before the restart; its number is still not reused.
    assert client.publish_layer_version(LayerName="persisted", Content={"ZipFile": layer_zip()})["Version"] == 3


# --------------------------------------------------------------------------
# Layer errors
# --------------------------------------------------------------------------


def test_get_layer_version_errors(lambda_client, layers, alive):
    name = layers.publish()["LayerArn"].rsplit(":", 1)[1]
    expect_error(lambda_client.get_layer_version, "ResourceNotFoundException", 404, NOT_EXIST,
                 LayerName=f"{name}-doesnotexist", VersionNumber=1)
    expect_error(lambda_client.get_layer_version, "ResourceNotFoundException", 404, NOT_EXIST, LayerName=name, VersionNumber=2)
    for version in (0, -1):
        expect_error(lambda_client.get_layer_version, "InvalidParameterValueException", 400, VERSION_LT_1,
                     LayerName=name, VersionNumber=version)
    expect_error(lambda_client.get_layer_version_by_arn, "ResourceNotFoundException", 404, NOT_EXIST, Arn=layer_arn(name) + ":2")
    expect_error(lambda_client.get_layer_version_by_arn, "ValidationException", 400,
                 f"1 validation error detected: Value '{layer_arn(name)}' at 'arn' failed to satisfy constraint: "
                 f"Member must satisfy regular expression pattern: {LAYER_ARN_PATTERN}",
                 Arn=layer_arn(name))
    # A layer of another account or region is not reachable here.
    expect_error(lambda_client.get_layer_version_by_arn, "ResourceNotFoundException", 404, NOT_EXIST,
                 Arn=f"arn:aws:lambda:eu-west-1:{ACCOUNT}:layer:{name}:1")
    # A non-numeric version (botocore would refuse to send one).
    resp = raw_request(lambda_client.meta.endpoint_url, "GET", f"/2018-10-31/layers/{name}/versions/abc")
    assert_raw_error(resp, "InvalidParameterValueException", 400)
    alive()


def test_list_and_delete_edge_cases(lambda_client, alive):
    missing = f"e2e-missing-{uuid.uuid4().hex[:8]}"
    assert lambda_client.list_layer_versions(LayerName=missing)["LayerVersions"] == []
    assert lambda_client.delete_layer_version(LayerName=missing, VersionNumber=1)["ResponseMetadata"]["HTTPStatusCode"] == 204
    expect_error(lambda_client.delete_layer_version, "InvalidParameterValueException", 400, VERSION_LT_1,
                 LayerName=missing, VersionNumber=-1)
    expect_error(lambda_client.list_layers, "ValidationException", 400,
                 EXCEPTIONS["list_layers_exc_compatibleruntime_invalid"]["Error"]["Message"],
                 CompatibleRuntime="runtimedoesnotexist")
    expect_error(lambda_client.list_layers, "ValidationException", 400,
                 EXCEPTIONS["list_layers_exc_compatiblearchitecture_invalid"]["Error"]["Message"],
                 CompatibleArchitecture="archdoesnotexist")
    expect_error(lambda_client.list_layer_versions, "ValidationException", 400,
                 "1 validation error detected: Value 'archdoesnotexist' at 'compatibleArchitecture' failed to satisfy constraint: Member must satisfy enum value set: [x86_64, arm64]",
                 LayerName=missing, CompatibleArchitecture="archdoesnotexist")
    expect_error(lambda_client.list_layers, "ValidationException", 400,
                 "1 validation error detected: Value '51' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 50",
                 MaxItems=51)
    resp = raw_request(lambda_client.meta.endpoint_url, "GET", "/2018-10-31/layers", query={"MaxItems": "0"})
    assert_raw_error(resp, "ValidationException", 400,
                     "1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1")
    alive()


def test_publish_invalid_runtime_and_architecture(lambda_client, alive):
    name = f"e2e-badenum-{uuid.uuid4().hex[:8]}"
    for key, runtimes, arches in [
        ("publish_layer_version_exc_invalid_runtime_arch", ["invalidruntime"], ["invalidarch"]),
        ("publish_layer_version_exc_partially_invalid_values", ["invalidruntime", "invalidruntime2", "nodejs20.x"], ["invalidarch", "x86_64"]),
    ]:
        expect_error(lambda_client.publish_layer_version, "ValidationException", 400, EXCEPTIONS[key]["Error"]["Message"],
                     LayerName=name, Content={"ZipFile": layer_zip()},
                     CompatibleRuntimes=runtimes, CompatibleArchitectures=arches)
    assert lambda_client.list_layer_versions(LayerName=name)["LayerVersions"] == [], "nothing was published"
    alive()


def test_publish_bad_content(lambda_client, alive):
    name = f"e2e-badcontent-{uuid.uuid4().hex[:8]}"
    err = expect_error(lambda_client.publish_layer_version, "InvalidParameterValueException", 400,
                       LayerName=name, Content={"S3Bucket": "bucket", "S3Key": "layer.zip"})
    assert "ZipFile" in err.response["Error"]["Message"]
    expect_error(lambda_client.publish_layer_version, "InvalidParameterValueException", 400,
                 "Could not unzip uploaded file. Please check your file, then try to upload again.",
                 LayerName=name, Content={"ZipFile": b"not a zip at all" * 10})
    expect_error(lambda_client.publish_layer_version, "InvalidParameterValueException", 400,
                 LayerName=name, Content={"ZipFile": zip_bytes([("../escape.txt", "x", 0o644)])})
    expect_error(lambda_client.publish_layer_version, "InvalidParameterValueException", 400,
                 "Unzipped size must be smaller than 262144000 bytes",
                 LayerName=name, Content={"ZipFile": zeros_zip(262144001)})
    # botocore requires Content; send the request without it.
    resp = raw_request(lambda_client.meta.endpoint_url, "POST", f"/2018-10-31/layers/{name}/versions", {"Description": "x"})
    assert_raw_error(resp, "ValidationException", 400,
                     "1 validation error detected: Value null at 'content' failed to satisfy constraint: Member must not be null")
    resp = raw_request(lambda_client.meta.endpoint_url, "POST", f"/2018-10-31/layers/{name}/versions", "{not json")
    assert_raw_error(resp, "InvalidRequestContentException", 400)
    assert lambda_client.list_layer_versions(LayerName=name)["LayerVersions"] == [], "nothing was published"
    alive()


def test_publish_bad_names(lambda_client, alive):
    for bad in ["bad name", "semi;colon", "a" * 141]:
        err = expect_error(lambda_client.publish_layer_version, "ValidationException", 400,
                           LayerName=bad, Content={"ZipFile": layer_zip()})
        assert "at 'layerName' failed to satisfy constraint" in err.response["Error"]["Message"]
    err = expect_error(lambda_client.publish_layer_version, "ValidationException", 400,
                       LayerName="bad name", Content={"ZipFile": layer_zip()})
    assert err.response["Error"]["Message"] == (
        "1 validation error detected: Value 'bad name' at 'layerName' failed to satisfy constraint: "
        r"Member must satisfy regular expression pattern: (arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\d{12}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+"
    )
    expect_error(lambda_client.get_layer_version, "ValidationException", 400, LayerName="bad name", VersionNumber=1)
    alive()


# --------------------------------------------------------------------------
# Permissions
# --------------------------------------------------------------------------


def recorded_statement(sid: str, resource: str) -> dict:
    statement = dict(POLICY["add_policy_s1"]["Statement"])
    statement["Sid"] = sid
    statement["Resource"] = resource
    return statement


def test_layer_policy_lifecycle(lambda_client, layers):
    published = layers.publish()
    name, arn = published["LayerArn"].rsplit(":", 1)[1], published["LayerVersionArn"]

    added = lambda_client.add_layer_version_permission(
        LayerName=name, VersionNumber=1, StatementId="s1", Action="lambda:GetLayerVersion", Principal="*"
    )
    assert added["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert snapshot_keys(added) == snapshot_keys(POLICY["add_policy_s1"])
    assert re.fullmatch(UUID_RE, added["RevisionId"])
    statement = json.loads(added["Statement"])
    assert statement == recorded_statement("s1", arn)
    assert list(statement) == list(POLICY["add_policy_s1"]["Statement"]), "AWS's key order"

    policy = lambda_client.get_layer_version_policy(LayerName=name, VersionNumber=1)
    assert snapshot_keys(policy) == snapshot_keys(POLICY["get_layer_version_policy"])
    assert policy["RevisionId"] == added["RevisionId"]
    assert json.loads(policy["Policy"]) == {"Version": "2012-10-17", "Id": "default", "Statement": [recorded_statement("s1", arn)]}

    added2 = lambda_client.add_layer_version_permission(
        LayerName=name, VersionNumber=1, StatementId="s2", Action="lambda:GetLayerVersion", Principal="*",
        RevisionId=added["RevisionId"],
    )
    assert added2["RevisionId"] != added["RevisionId"]
    policy = lambda_client.get_layer_version_policy(LayerName=name, VersionNumber=1)
    assert [s["Sid"] for s in json.loads(policy["Policy"])["Statement"]] == ["s1", "s2"]
    assert policy["RevisionId"] == added2["RevisionId"]

    removed = lambda_client.remove_layer_version_permission(LayerName=name, VersionNumber=1, StatementId="s2")
    assert removed["ResponseMetadata"]["HTTPStatusCode"] == 204
    policy = lambda_client.get_layer_version_policy(LayerName=name, VersionNumber=1)
    assert json.loads(policy["Policy"])["Statement"] == [recorded_statement("s1", arn)]
    assert policy["RevisionId"] not in (added["RevisionId"], added2["RevisionId"])

    # An account principal and an organization condition render as AWS renders them.
    added3 = lambda_client.add_layer_version_permission(
        LayerName=name, VersionNumber=1, StatementId="org", Action="lambda:GetLayerVersion",
        Principal="222222222222", OrganizationId="o-abcdefghij",
    )
    assert json.loads(added3["Statement"]) == {
        "Sid": "org", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
        "Action": "lambda:GetLayerVersion", "Resource": arn,
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"}},
    }


def test_layer_policy_errors(lambda_client, layers, alive):
    published = layers.publish()
    name, arn = published["LayerArn"].rsplit(":", 1)[1], published["LayerVersionArn"]
    add = dict(Action="lambda:GetLayerVersion", Principal="*")

    expect_error(lambda_client.get_layer_version_policy, "ResourceNotFoundException", 404,
                 POLICY_EXC["layer_permission_nopolicy_get"]["Error"]["Message"], LayerName=name, VersionNumber=1)
    first = lambda_client.add_layer_version_permission(LayerName=name, VersionNumber=1, StatementId="s1", **add)
    expect_error(lambda_client.add_layer_version_permission, "ValidationException", 400,
                 POLICY_EXC["layer_permission_action_invalid"]["Error"]["Message"],
                 LayerName=name, VersionNumber=1, StatementId="s2", Action="*", Principal="*")
    expect_error(lambda_client.add_layer_version_permission, "ValidationException", 400,
                 LayerName=name, VersionNumber=1, StatementId="s2", Action="lambda:GetLayerVersion", Principal="someone")
    expect_error(lambda_client.add_layer_version_permission, "ResourceConflictException", 409,
                 POLICY_EXC["layer_permission_duplicate_statement"]["Error"]["Message"],
                 LayerName=name, VersionNumber=1, StatementId="s1", **add)
    expect_error(lambda_client.add_layer_version_permission, "PreconditionFailedException", 412, REVISION_MSG,
                 LayerName=name, VersionNumber=1, StatementId="s2", RevisionId=str(uuid.uuid4()), **add)

    missing_name = f"Layer version {layer_arn(name)}-doesnotexist:1 does not exist."
    missing_version = f"Layer version {layer_arn(name)}:2 does not exist."
    expect_error(lambda_client.add_layer_version_permission, "ResourceNotFoundException", 404, missing_name,
                 LayerName=f"{name}-doesnotexist", VersionNumber=1, StatementId="s2", **add)
    expect_error(lambda_client.get_layer_version_policy, "ResourceNotFoundException", 404, missing_name,
                 LayerName=f"{name}-doesnotexist", VersionNumber=1)
    expect_error(lambda_client.remove_layer_version_permission, "ResourceNotFoundException", 404, missing_name,
                 LayerName=f"{name}-doesnotexist", VersionNumber=1, StatementId="s1")
    expect_error(lambda_client.add_layer_version_permission, "ResourceNotFoundException", 404, missing_version,
                 LayerName=name, VersionNumber=2, StatementId="s2", **add)
    expect_error(lambda_client.get_layer_version_policy, "ResourceNotFoundException", 404, missing_version,
                 LayerName=name, VersionNumber=2)
    expect_error(lambda_client.remove_layer_version_permission, "ResourceNotFoundException", 404, missing_version,
                 LayerName=name, VersionNumber=2, StatementId="s1")
    expect_error(lambda_client.remove_layer_version_permission, "ResourceNotFoundException", 404,
                 "Statement doesnotexist is not found in resource policy.",
                 LayerName=name, VersionNumber=1, StatementId="doesnotexist")
    expect_error(lambda_client.remove_layer_version_permission, "PreconditionFailedException", 412, REVISION_MSG,
                 LayerName=name, VersionNumber=1, StatementId="s1", RevisionId=str(uuid.uuid4()))

    # None of the failures changed the policy.
    policy = lambda_client.get_layer_version_policy(LayerName=name, VersionNumber=1)
    assert policy["RevisionId"] == first["RevisionId"]
    assert json.loads(policy["Policy"])["Statement"] == [recorded_statement("s1", arn)]
    # Removing the last statement leaves no policy.
    lambda_client.remove_layer_version_permission(LayerName=name, VersionNumber=1, StatementId="s1", RevisionId=first["RevisionId"])
    expect_error(lambda_client.get_layer_version_policy, "ResourceNotFoundException", 404,
                 "No policy is associated with the given resource.", LayerName=name, VersionNumber=1)
    alive()


# --------------------------------------------------------------------------
# Functions with layers
# --------------------------------------------------------------------------


def test_function_layers_lifecycle(lambda_client, functions, fn_name, layers):
    name = layers.name()
    v1 = layers.publish(name, layer_zip("one"))
    v2 = layers.publish(name, layer_zip("two2"))
    other = layers.publish()

    created = functions.create(fn_name, Layers=[v1["LayerVersionArn"]])
    assert created["Layers"] == [{"Arn": v1["LayerVersionArn"], "CodeSize": v1["Content"]["CodeSize"]}]
    config = lambda_client.get_function_configuration(FunctionName=fn_name)
    assert set(config) - {"ResponseMetadata"} == snapshot_keys(LIFECYCLE["get_fn_config"])
    assert config["Layers"] == created["Layers"]
    assert lambda_client.get_function(FunctionName=fn_name)["Configuration"]["Layers"] == created["Layers"]
    listed = [f for f in lambda_client.list_functions()["Functions"] if f["FunctionName"] == fn_name]
    assert listed and listed[0]["Layers"] == created["Layers"]

    updated = lambda_client.update_function_configuration(
        FunctionName=fn_name, Layers=[other["LayerVersionArn"], v2["LayerVersionArn"]]
    )
    assert snapshot_keys(updated) == snapshot_keys(LIFECYCLE["update_fn_config"])
    assert [l["Arn"] for l in updated["Layers"]] == [other["LayerVersionArn"], v2["LayerVersionArn"]]
    assert updated["Layers"][1]["CodeSize"] == v2["Content"]["CodeSize"]
    assert updated["RevisionId"] != config["RevisionId"]

    # A function keeps a layer version that is deleted afterwards (get_fn_config_postdelete).
    lambda_client.delete_layer_version(LayerName=name, VersionNumber=2)
    assert lambda_client.get_function_configuration(FunctionName=fn_name)["Layers"] == updated["Layers"]

    cleared = lambda_client.update_function_configuration(FunctionName=fn_name, Layers=[])
    assert "Layers" not in cleared
    assert "Layers" not in lambda_client.get_function_configuration(FunctionName=fn_name)


def test_function_without_layers_has_no_layers_field(lambda_client, functions, fn_name):
    created = functions.create(fn_name)
    assert "Layers" not in created
    assert "Layers" not in lambda_client.get_function_configuration(FunctionName=fn_name)


def test_function_layer_errors(lambda_client, functions, fn_name, layers, alive):
    name = layers.name()
    arns = [layers.publish(name)["LayerVersionArn"] for _ in range(3)]
    base = layer_arn(name)
    create = dict(FunctionName=fn_name, Runtime="provided.al2023", Role=ROLE, Handler="b", Code={"ZipFile": echo_zip()})

    def refused(code, status, message, layer_list):
        expect_error(lambda_client.create_function, code, status, message, Layers=layer_list, **create)

    same = "Two different versions of the same layer are not allowed to be referenced in the same function. {} and {} are versions of the same layer."
    refused("InvalidParameterValueException", 400, same.format(arns[0], arns[1]), arns[:2])
    refused("InvalidParameterValueException", 400, same.format(arns[0], arns[1]), arns)
    refused("InvalidParameterValueException", 400, same.format(arns[0], arns[0]), [arns[0], arns[0]])
    refused("InvalidParameterValueException", 400,
            f"Layer version {layer_arn('doesnotexist')}:1 does not exist.", [f"{layer_arn('doesnotexist')}:1"])
    refused("InvalidParameterValueException", 400, f"Layer version {base}:9 does not exist.", [f"{base}:9"])
    refused("ValidationException", 400,
            f"1 validation error detected: Value '[{base}]' at 'layers' failed to satisfy constraint: Member must satisfy constraint: "
            f"[Member must have length less than or equal to 2048, Member must have length greater than or equal to 1, "
            f"Member must satisfy regular expression pattern: {LAYER_ARN_PATTERN}, Member must not be null]",
            [base])
    refused("InvalidParameterValueException", 400,
            f"Layers are not in the same region as the function. Layers are expected to be in region {REGION}.",
            [f"arn:aws:lambda:eu-west-1:{ACCOUNT}:layer:{name}:1"])
    refused("InvalidParameterValueException", 400, "Cannot reference more than 5 layers.",
            [f"{layer_arn(f'{name}-{i}')}:1" for i in range(6)])
    expect_error(lambda_client.get_function, "ResourceNotFoundException", 404, FunctionName=fn_name)

    # The same checks on UpdateFunctionConfiguration, which leave the function unchanged.
    created = functions.create(fn_name, Layers=[arns[2]])
    for bad, code in (([arns[0], arns[1]], "InvalidParameterValueException"),
                      ([f"{base}:9"], "InvalidParameterValueException"),
                      ([base], "ValidationException"),
                      ([arns[2]] * 6, "InvalidParameterValueException")):
        expect_error(lambda_client.update_function_configuration, code, 400, FunctionName=fn_name, Layers=bad)
    after = lambda_client.get_function_configuration(FunctionName=fn_name)
    assert after["Layers"] == created["Layers"]
    assert after["RevisionId"] == created["RevisionId"]
    expect_error(lambda_client.update_function_configuration, "ResourceNotFoundException", 404,
                 FunctionName=f"{fn_name}-missing", Layers=[arns[2]])
    alive()


def test_function_and_layers_over_250_mb(lambda_client, functions, fn_name, layers, alive):
    big_a = layers.publish(content=zeros_zip(132_000_000))
    big_b = layers.publish(content=zeros_zip(131_000_000))
    a, b = big_a["LayerVersionArn"], big_b["LayerVersionArn"]
    code = echo_zip()
    create = dict(FunctionName=fn_name, Runtime="provided.al2023", Role=ROLE, Handler="b", Code={"ZipFile": code})
    err = expect_error(lambda_client.create_function, "InvalidParameterValueException", 400, Layers=[a, b], **create)
    message = err.response["Error"]["Message"]
    match = re.fullmatch(
        r"Function code combined with layers exceeds the maximum allowed size of 262144000 bytes\. The actual size is (\d+) bytes\.",
        message,
    )
    assert match, message
    assert int(match.group(1)) > 263_000_000
    expect_error(lambda_client.get_function, "ResourceNotFoundException", 404, FunctionName=fn_name)

    # One big layer fits; adding the second through an update is refused and changes nothing.
    created = functions.create(fn_name, Layers=[a])
    expect_error(lambda_client.update_function_configuration, "InvalidParameterValueException", 400,
                 FunctionName=fn_name, Layers=[a, b])
    after = lambda_client.get_function_configuration(FunctionName=fn_name)
    assert [l["Arn"] for l in after["Layers"]] == [a]
    assert after["RevisionId"] == created["RevisionId"]
    # New code that no longer fits next to the layer is refused too.
    expect_error(lambda_client.update_function_code, "InvalidParameterValueException", 400,
                 FunctionName=fn_name, ZipFile=zeros_zip(131_000_000, "bootstrap"))
    assert lambda_client.get_function_configuration(FunctionName=fn_name)["CodeSha256"] == sha256_b64(code)
    alive()
