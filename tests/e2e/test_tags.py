"""Function tags: TagResource, UntagResource, ListTags, CreateFunction's `Tags`, GetFunction's `Tags`.

Shapes, statuses and messages are compared with real-AWS recordings in
/work/shared/reference/aws-recorded-responses/test_lambda_api.snapshot.json (TestLambdaTags, TestLambdaTag).
"""

from __future__ import annotations

import json

from e2e_helpers import ACCOUNT, REGION, expect_error, load_snapshot, raw_request

LIFECYCLE = load_snapshot("test_lambda_api.snapshot.json", "TestLambdaTags::test_tag_lifecycle")
EXCEPTIONS = load_snapshot("test_lambda_api.snapshot.json", "TestLambdaTags::test_tag_exceptions")
LIMITS = load_snapshot("test_lambda_api.snapshot.json", "TestLambdaTags::test_tag_limits")
VERSIONS = load_snapshot("test_lambda_api.snapshot.json", "TestLambdaTags::test_tag_versions")
ON_CREATE = load_snapshot("test_lambda_api.snapshot.json", "TestLambdaTag::test_create_tag_on_fn_create")
NONEXISTING = load_snapshot("test_lambda_api.snapshot.json", "TestLambdaTag::test_tag_nonexisting_resource")


def arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


def recorded(entry: dict, **names) -> tuple[str, int, str]:
    """(code, status, message) of a recorded error, placeholders filled in."""
    message = entry["Error"]["Message"].replace("<partition>", "aws").replace("<region>", REGION)
    message = message.replace("111111111111", ACCOUNT)
    for placeholder, value in names.items():
        message = message.replace(f"<{placeholder}>", value)
    return entry["Error"]["Code"], entry["ResponseMetadata"]["HTTPStatusCode"], message


def test_tag_lifecycle_matches_aws(lambda_client, functions):
    name = functions.name()
    functions.create(name, Tags={"key_a": "value_a"})
    assert lambda_client.list_tags(Resource=arn(name))["Tags"] == LIFECYCLE["list_tags_response_postfncreate"]["Tags"]
    assert lambda_client.get_function(FunctionName=name)["Tags"] == LIFECYCLE["get_fn_response_postfncreate"]["Tags"]

    resp = lambda_client.tag_resource(
        Resource=arn(name), Tags={"key_b": "value_b", "key_c": "value_c", "key_d": "value_d", "key_e": "value_e"}
    )
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == LIFECYCLE["tag_resource_response"]["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert lambda_client.list_tags(Resource=arn(name))["Tags"] == LIFECYCLE["list_tags_response_postaddtags"]["Tags"]
    assert lambda_client.get_function(FunctionName=name)["Tags"] == LIFECYCLE["get_fn_response_postaddtags"]["Tags"]

    lambda_client.tag_resource(Resource=arn(name), Tags={"key_c": "value_x"})
    assert lambda_client.list_tags(Resource=arn(name))["Tags"] == LIFECYCLE["list_tags_response_overwrite"]["Tags"]

    resp = lambda_client.untag_resource(Resource=arn(name), TagKeys=["key_c", "key_d"])
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert lambda_client.list_tags(Resource=arn(name))["Tags"] == LIFECYCLE["list_tags_response_postuntag"]["Tags"]

    lambda_client.untag_resource(Resource=arn(name), TagKeys=["key_a", "key_b", "key_e"])
    assert lambda_client.list_tags(Resource=arn(name))["Tags"] == LIFECYCLE["list_tags_response_postuntagall"]["Tags"] == {}
    # AWS leaves "Tags" out of GetFunction when there are none.
    got = lambda_client.get_function(FunctionName=name)
    assert ("Tags" in got) == ("Tags" in LIFECYCLE["get_fn_response_postuntagall"]) == False  # noqa: E712

    lambda_client.delete_function(FunctionName=name)
    code, status, message = recorded(LIFECYCLE["list_tags_postdelete"], **{"function-name:1": name})
    expect_error(lambda_client.list_tags, code, status, message, Resource=arn(name))


def test_tags_on_create_and_keys_kept_verbatim(lambda_client, functions):
    name = functions.name()
    functions.create(name, Tags={"testtag": "x", "lower-case key": "v", "Ünïcode": "välue"})
    expected = {"testtag": "x", "lower-case key": "v", "Ünïcode": "välue"}
    assert lambda_client.list_tags(Resource=arn(name))["Tags"] == expected
    assert lambda_client.get_function(FunctionName=name)["Tags"] == expected
    assert set(ON_CREATE["get_function_result"]) - {"ResponseMetadata"} == {"Code", "Configuration", "Tags"}


def test_get_function_without_tags_has_no_tags_key(lambda_client, functions):
    name = functions.name()
    functions.create(name)
    assert "Tags" not in NONEXISTING["pre_delete_get_function"]
    assert "Tags" not in lambda_client.get_function(FunctionName=name)
    assert lambda_client.list_tags(Resource=arn(name))["Tags"] == {}


def test_tag_operations_on_a_missing_function(lambda_client):
    name = "doesnotexist"
    for op, key, kwargs in (
        ("tag_resource", "not_found_exception_tag", {"Tags": {"a": "b"}}),
        ("untag_resource", "not_found_exception_untag", {"TagKeys": ["a"]}),
        ("list_tags", "not_found_exception_list", {}),
    ):
        code, status, message = recorded(NONEXISTING[key], **{"function-name:1": name})
        expect_error(getattr(lambda_client, op), code, status, message, Resource=arn(name), **kwargs)


def test_tag_exceptions_match_aws(lambda_client, functions):
    name = functions.name()
    functions.create(name)
    code, status, message = recorded(EXCEPTIONS["tag_lambda_invalidarn"])
    expect_error(lambda_client.tag_resource, code, status, message, Resource="arn:aws:something", Tags={"key_a": "value_a"})

    code, status, message = recorded(EXCEPTIONS["tag_lambda_doesnotexist"])
    expect_error(lambda_client.tag_resource, code, status, message, Resource=arn("doesnotexist"), Tags={"key_a": "value_a"})

    code, status, message = recorded(EXCEPTIONS["tag_lambda_qualifier_doesnotexist"])
    expect_error(lambda_client.tag_resource, code, status, message, Resource=arn("doesnotexist") + ":alias", Tags={"key_a": "value_a"})
    for qualifier in ("1", "$LATEST"):
        code, status, message = recorded(VERSIONS["tag_resource_latest_exception"])
        expect_error(lambda_client.tag_resource, code, status, message, Resource=f"{arn(name)}:{qualifier}", Tags={"a": "b"})

    assert lambda_client.list_tags(Resource=arn(name))["Tags"] == EXCEPTIONS["list_tag_lambda_empty"]["Tags"]
    resp = lambda_client.untag_resource(Resource=arn(name), TagKeys=["doesnotexist"])
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == EXCEPTIONS["untag_nomatch"]["ResponseMetadata"]["HTTPStatusCode"]

    code, status, message = recorded(EXCEPTIONS["untag_empty_keys"])
    expect_error(lambda_client.untag_resource, code, status, message, Resource=arn(name), TagKeys=[])

    code, status, message = recorded(EXCEPTIONS["tag_empty_tags"])
    expect_error(lambda_client.tag_resource, code, status, message, Resource=arn(name), Tags={})


def test_tag_limits_match_aws(lambda_client, functions):
    name = functions.name()
    functions.create(name)
    code, status, message = recorded(LIMITS["tag_lambda_too_many_tags"])
    too_many = {f"{i}_key": f"{i}_value" for i in range(51)}
    expect_error(lambda_client.tag_resource, code, status, message, Resource=arn(name), Tags=too_many)
    assert lambda_client.list_tags(Resource=arn(name))["Tags"] == {}

    fifty = {f"{i}_key": f"{i}_value" for i in range(50)}
    lambda_client.tag_resource(Resource=arn(name), Tags=fifty)
    assert lambda_client.list_tags(Resource=arn(name))["Tags"] == LIMITS["list_tags_response"]["Tags"]
    assert lambda_client.get_function(FunctionName=name)["Tags"] == LIMITS["get_fn_response"]["Tags"]
    # Overwriting an existing key stays within the limit; one more key does not.
    lambda_client.tag_resource(Resource=arn(name), Tags={"0_key": "0_value"})
    code, status, message = recorded(LIMITS["tag_lambda_too_many_tags_additional"])
    expect_error(lambda_client.tag_resource, code, status, message, Resource=arn(name), Tags={"a_key": "a_value"})

    code, status, message = recorded(LIMITS["create_function_invalid_tags"])
    other = functions.name()
    expect_error(functions.create, code, status, message, name=other, Tags=too_many)
    expect_error(lambda_client.get_function, "ResourceNotFoundException", 404, FunctionName=other)


def test_tag_key_and_value_rules(lambda_client, functions):
    name = functions.name()
    functions.create(name)
    key_rule = (
        "Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length "
        "greater than or equal to 1, Member must satisfy regular expression pattern: ^(?!aws:)[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*$]"
    )
    value_rule = (
        "Map value must satisfy constraint: [Member must have length less than or equal to 256, Member must have length "
        "greater than or equal to 0, Member must satisfy regular expression pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$]"
    )
    for tags, rule in (
        ({"k" * 129: "v"}, key_rule),
        ({"aws:reserved": "v"}, key_rule),
        ({"bad#key": "v"}, key_rule),
        ({"key": "v" * 257}, value_rule),
        ({"key": "bad#value"}, value_rule),
    ):
        rendered = "{" + ", ".join(f"{k}={v}" for k, v in tags.items()) + "}"
        expect_error(
            lambda_client.tag_resource, "ValidationException", 400,
            f"1 validation error detected: Value '{rendered}' at 'tags' failed to satisfy constraint: {rule}",
            Resource=arn(name), Tags=tags,
        )
    # The limits themselves are accepted.
    lambda_client.tag_resource(Resource=arn(name), Tags={"k" * 128: "v" * 256, "e": "", "sp ace_.:/=+-@": "ok"})
    assert lambda_client.list_tags(Resource=arn(name))["Tags"] == {"k" * 128: "v" * 256, "e": "", "sp ace_.:/=+-@": "ok"}
    assert lambda_client.list_tags(Resource=arn(name))["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_tag_bodies_and_resources_refused_before_anything_is_written(server, functions, lambda_client):
    name = functions.name()
    functions.create(name)
    path = "/2017-03-31/tags/" + arn(name).replace(":", "%3A")
    resp = raw_request(server.endpoint, "POST", path, "{not json")
    assert (resp.status, resp.error_type) == (400, "InvalidRequestContentException"), resp
    resp = raw_request(server.endpoint, "POST", path, {"Tags": {"a": 1}})
    assert (resp.status, resp.error_type) == (400, "InvalidRequestContentException"), resp
    resp = raw_request(server.endpoint, "POST", path, {})
    assert (resp.status, resp.error_type, resp.message) == (
        400, "ValidationException", "1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null"
    ), resp
    other_account = f"arn:aws:lambda:{REGION}:123456789012:function:{name}"
    resp = raw_request(server.endpoint, "GET", "/2017-03-31/tags/" + other_account)
    assert (resp.status, resp.error_type) == (403, "AccessDeniedException"), resp
    assert lambda_client.list_tags(Resource=arn(name))["Tags"] == {}


def test_deleting_a_function_deletes_its_tags_and_policy(lambda_client, functions):
    name = functions.name()
    functions.create(name, Tags={"team": "a"})
    lambda_client.add_permission(FunctionName=name, StatementId="s3", Action="lambda:InvokeFunction", Principal="s3.amazonaws.com")
    lambda_client.delete_function(FunctionName=name)
    functions.create(name)
    assert lambda_client.list_tags(Resource=arn(name))["Tags"] == {}
    assert "Tags" not in lambda_client.get_function(FunctionName=name)
    expect_error(lambda_client.get_policy, "ResourceNotFoundException", 404, "The resource you requested does not exist.", FunctionName=name)


def test_tags_with_the_aws_cli(aws_cli, functions):
    name = functions.name()
    functions.create(name)
    aws_cli("lambda", "tag-resource", "--resource", arn(name), "--tags", "team=core,env=dev")
    out = json.loads(aws_cli("lambda", "list-tags", "--resource", arn(name)).stdout)
    assert out == {"Tags": {"team": "core", "env": "dev"}}
    aws_cli("lambda", "untag-resource", "--resource", arn(name), "--tag-keys", "env")
    out = json.loads(aws_cli("lambda", "get-function", "--function-name", name).stdout)
    assert out["Tags"] == {"team": "core"}
    proc = aws_cli("lambda", "tag-resource", "--resource", arn(name) + ":1", "--tags", "a=b", check=False)
    assert proc.returncode != 0
    assert b"InvalidParameterValueException" in proc.stderr
    assert b"Tags on function aliases and versions are not supported. Please specify a function ARN." in proc.stderr
