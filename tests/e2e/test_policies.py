"""Function resource-based policies: AddPermission, RemovePermission, GetPolicy.

Statements, policy documents, statuses and messages are compared with real-AWS recordings
in /work/shared/reference/aws-recorded-responses/test_lambda_api.snapshot.json (TestLambdaPermissions).
"""

from __future__ import annotations

import json

from e2e_helpers import ACCOUNT, REGION, expect_error, load_snapshot, raw_request, fn_path

AWS = load_snapshot("test_lambda_api.snapshot.json", "TestLambdaPermissions::test_add_lambda_permission_aws")
FIELDS = load_snapshot("test_lambda_api.snapshot.json", "TestLambdaPermissions::test_add_lambda_permission_fields")
REMOVE = load_snapshot("test_lambda_api.snapshot.json", "TestLambdaPermissions::test_remove_multi_permissions")
MULTIPLE = load_snapshot("test_lambda_api.snapshot.json", "TestLambdaPermissions::test_create_multiple_lambda_permissions")
EXC = load_snapshot("test_lambda_api.snapshot.json", "TestLambdaPermissions::test_permission_exceptions")
REVISIONS = load_snapshot("test_lambda_api.snapshot.json", "TestLambdaRevisions::test_function_revisions_permissions")
PERMISSION_REVISIONS = load_snapshot("test_lambda_api.snapshot.json", "TestLambdaPermissions::test_lambda_permission_revisions")

BUCKET_ARN = "arn:aws:s3:::test-bucket"


def arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


def fill(value, **names):
    """The recorded value with its placeholders replaced (recursively)."""
    if isinstance(value, dict):
        return {k: fill(v, **names) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list):
        return [fill(v, **names) for v in value]
    if isinstance(value, str):
        value = value.replace("<partition>", "aws").replace("<region>", REGION).replace("111111111111", ACCOUNT)
        for placeholder, replacement in names.items():
            value = value.replace(f"<{placeholder}>", replacement)
    return value


def recorded_error(entry: dict, **names) -> tuple[str, int, str]:
    return entry["Error"]["Code"], entry["ResponseMetadata"]["HTTPStatusCode"], fill(entry["Error"]["Message"], **names)


def test_add_permission_and_get_policy_match_aws(lambda_client, functions):
    name = functions.name()
    functions.create(name)
    resp = lambda_client.add_permission(
        FunctionName=name, Action="lambda:InvokeFunction", StatementId="s3", Principal="s3.amazonaws.com", SourceArn=BUCKET_ARN
    )
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 201
    names = {"function-name:1": name, "resource:3": "test-bucket"}
    assert json.loads(resp["Statement"]) == fill(AWS["add_permission"]["Statement"], **names)
    policy = lambda_client.get_policy(FunctionName=name)
    assert json.loads(policy["Policy"]) == fill(AWS["get_policy"]["Policy"], **names)
    assert len(policy["RevisionId"]) == 36
    # Byte for byte: AWS's key order, compact JSON.
    assert policy["Policy"] == (
        '{"Version":"2012-10-17","Id":"default","Statement":[{"Sid":"s3","Effect":"Allow","Principal":'
        '{"Service":"s3.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"' + arn(name) + '",'
        '"Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:s3:::test-bucket"}}}]}'
    )
    assert resp["Statement"] == policy["Policy"][len('{"Version":"2012-10-17","Id":"default","Statement":[') : -2]


def test_permission_fields_match_aws(lambda_client, functions):
    name = functions.name()
    functions.create(name)
    user_arn = f"arn:aws:iam::{ACCOUNT}:user/alice"
    names = {"resource:1": name, "resource:2": "root", "resource:3": "test-bucket", "user_arn": user_arn}
    calls = {
        "add_permission_principal_wildcard": dict(StatementId="wilcard", Action="lambda:InvokeFunction", Principal="*", SourceAccount=ACCOUNT),
        "add_permission_principal_service": dict(StatementId="lambda", Action="lambda:InvokeFunction", Principal="lambda.amazonaws.com", SourceAccount=ACCOUNT),
        "add_permission_principal_account": dict(StatementId="account-id", Action="lambda:InvokeFunction", Principal=ACCOUNT),
        "add_permission_principal_arn": dict(StatementId="user-arn", Action="lambda:InvokeFunction", Principal=user_arn, SourceAccount=ACCOUNT),
        "add_permission_optional_fields": dict(
            StatementId="urlPermission", Action="lambda:InvokeFunctionUrl", Principal="*", SourceArn=BUCKET_ARN,
            SourceAccount=ACCOUNT, PrincipalOrgID="o-1234567890", FunctionUrlAuthType="NONE",
        ),
        "add_permission_alexa_skill": dict(
            StatementId="alexaSkill", Action="lambda:InvokeFunction", Principal="*",
            EventSourceToken="amzn1.ask.skill.xxxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
        ),
    }
    statements = []
    for key, kwargs in calls.items():
        resp = lambda_client.add_permission(FunctionName=name, **kwargs)
        assert json.loads(resp["Statement"]) == fill(FIELDS[key]["Statement"], **names), key
        statements.append(json.loads(resp["Statement"]))
    assert json.loads(lambda_client.get_policy(FunctionName=name)["Policy"])["Statement"] == statements


def test_remove_multi_permissions_matches_aws(lambda_client, functions):
    name = functions.name()
    functions.create(name)
    names = {"resource:1": name, "resource:2": "test-bucket"}
    resp = lambda_client.add_permission(FunctionName=name, Action="lambda:InvokeFunction", StatementId="s3", Principal="s3.amazonaws.com")
    assert json.loads(resp["Statement"]) == fill(REMOVE["add_permission_1"]["Statement"], **names)
    resp = lambda_client.add_permission(
        FunctionName=name, Action="lambda:InvokeFunction", StatementId="sqs", Principal="sqs.amazonaws.com", SourceArn=BUCKET_ARN
    )
    assert json.loads(resp["Statement"]) == fill(REMOVE["add_permission_2"]["Statement"], **names)
    assert json.loads(lambda_client.get_policy(FunctionName=name)["Policy"]) == fill(REMOVE["policy_after_2_add"]["Policy"], **names)

    code, status, message = recorded_error(REMOVE["remove_permission_exception_nonexisting_sid"])
    expect_error(lambda_client.remove_permission, code, status, message, FunctionName=name, StatementId="non-existent")

    resp = lambda_client.remove_permission(FunctionName=name, StatementId="sqs")
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 204
    after = lambda_client.get_policy(FunctionName=name)
    assert json.loads(after["Policy"]) == fill(REMOVE["policy_after_removal"]["Policy"], **names)
    again = lambda_client.get_policy(FunctionName=name)
    assert again["RevisionId"] == after["RevisionId"]  # reads do not change it

    lambda_client.remove_permission(FunctionName=name, StatementId="s3", RevisionId=again["RevisionId"])
    code, status, message = recorded_error(REMOVE["get_policy_exception_removed_all"])
    expect_error(lambda_client.get_policy, code, status, message, FunctionName=name)


def test_multiple_permissions_keep_their_order(lambda_client, functions):
    name = functions.name()
    functions.create(name)
    for sid, principal in (("logs", "logs.amazonaws.com"), ("kinesis", "kinesis.amazonaws.com")):
        lambda_client.add_permission(FunctionName=name, Action="lambda:InvokeFunction", StatementId=sid, Principal=principal)
    policy = json.loads(lambda_client.get_policy(FunctionName=f"{arn(name)}")["Policy"])
    assert policy == fill(MULTIPLE["policy_after_2_add"]["Policy"], **{"resource:1": name})


def test_permission_exceptions_match_aws(lambda_client, functions):
    name = functions.name()
    functions.create(name)
    names = {"function-name": name}
    base = dict(Action="lambda:InvokeFunction", StatementId="s3", Principal="s3.amazonaws.com", SourceArn=BUCKET_ARN)

    def check(key, fn, **kwargs):
        code, status, message = recorded_error(EXC[key], **names)
        expect_error(fn, code, status, message, **kwargs)

    check("add_permission_invalid_statement_id", lambda_client.add_permission,
          FunctionName=name, Action="lambda:InvokeFunction", StatementId="example.com", Principal="s3.amazonaws.com")
    check("add_permission_fn_qualifier_mismatch", lambda_client.add_permission, FunctionName=f"{name}:alias-not-42", Qualifier="42", **base)
    check("add_permission_fn_qualifier_latest", lambda_client.add_permission, FunctionName=f"{name}:$LATEST", Qualifier="$LATEST", **base)
    check("add_permission_principal_invalid", lambda_client.add_permission,
          FunctionName=name, Action="lambda:InvokeFunction", StatementId="lambda", Principal="invalid.nonaws.com", SourceAccount=ACCOUNT)
    check("get_policy_fn_doesnotexist", lambda_client.get_policy, FunctionName="doesnotexist")
    check("get_policy_fn_version_doesnotexist", lambda_client.get_policy, FunctionName=name, Qualifier="77")
    check("add_permission_fn_doesnotexist", lambda_client.add_permission, FunctionName="doesnotexist", **base)
    check("remove_permission_policy_doesnotexist", lambda_client.remove_permission, FunctionName=name, StatementId="s3")
    check("add_permission_fn_alias_doesnotexist", lambda_client.add_permission, FunctionName=f"{name}:alias-doesnotexist", **base)
    check("add_permission_fn_version_doesnotexist", lambda_client.add_permission, FunctionName=name, Qualifier="42", **base)
    check("add_permission_fn_qualifier_invalid", lambda_client.add_permission, FunctionName=name, Qualifier="invalid-qualifier-with-?-char", **base)
    check("add_permission_fn_qualifier_valid_doesnotexist", lambda_client.add_permission,
          FunctionName=name, Qualifier="valid-with-$-but-doesnotexist", **base)
    lambda_client.add_permission(FunctionName=name, **base)
    check("add_permission_conflicting_statement_id", lambda_client.add_permission, FunctionName=name, **base)
    check("remove_permission_fn_doesnotexist", lambda_client.remove_permission, FunctionName="doesnotexist", StatementId="s3")
    check("remove_permission_fn_alias_doesnotexist", lambda_client.remove_permission,
          FunctionName=name, StatementId="s3", Qualifier="alias-doesnotexist")


def test_permission_validation_errors(server, lambda_client, functions):
    name = functions.name()
    functions.create(name)
    pattern = "Member must satisfy regular expression pattern"
    expect_error(
        lambda_client.add_permission, "ValidationException", 400,
        f"1 validation error detected: Value 'invoke' at 'action' failed to satisfy constraint: {pattern}: (lambda:[*]|lambda:[a-zA-Z]+|[*])",
        FunctionName=name, StatementId="a", Action="invoke", Principal="*",
    )
    expect_error(
        lambda_client.add_permission, "ValidationException", 400,
        f"1 validation error detected: Value '1234' at 'sourceAccount' failed to satisfy constraint: {pattern}: \\d{{12}}",
        FunctionName=name, StatementId="a", Action="lambda:InvokeFunction", Principal="*", SourceAccount="1234",
    )
    expect_error(
        lambda_client.add_permission, "ValidationException", 400,
        "2 validation errors detected: Value 'not-an-arn' at 'sourceArn' failed to satisfy constraint: "
        f"{pattern}: arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:([a-z]{{2}}(-gov)?-[a-z]+-\\d{{1}})?:(\\d{{12}})?:(.*); "
        "Value 'BASIC' at 'functionUrlAuthType' failed to satisfy constraint: Member must satisfy enum value set: [NONE, AWS_IAM]",
        FunctionName=name, StatementId="a", Action="lambda:InvokeFunctionUrl", Principal="*", SourceArn="not-an-arn",
        FunctionUrlAuthType="BASIC",
    )
    expect_error(
        lambda_client.add_permission, "ValidationException", 400,
        f"1 validation error detected: Value 'org-123456789' at 'principalOrgID' failed to satisfy constraint: {pattern}: o-[a-z0-9]{{10,32}}",
        FunctionName=name, StatementId="a", Action="lambda:InvokeFunction", Principal="*", PrincipalOrgID="org-123456789",
    )
    # Missing required members and a body that is not JSON (botocore would not send these).
    resp = raw_request(server.endpoint, "POST", fn_path(name, "/policy"), {"StatementId": "a"})
    assert (resp.status, resp.error_type, resp.message) == (
        400, "ValidationException",
        "2 validation errors detected: Value null at 'action' failed to satisfy constraint: Member must not be null; "
        "Value null at 'principal' failed to satisfy constraint: Member must not be null",
    ), resp
    resp = raw_request(server.endpoint, "POST", fn_path(name, "/policy"), "{")
    assert (resp.status, resp.error_type) == (400, "InvalidRequestContentException"), resp
    resp = raw_request(server.endpoint, "DELETE", fn_path(name, "/policy/bad%23sid"))
    assert (resp.status, resp.error_type, resp.message) == (
        400, "ValidationException",
        f"1 validation error detected: Value 'bad#sid' at 'statementId' failed to satisfy constraint: {pattern}: ([a-zA-Z0-9-_.]+)",
    ), resp
    expect_error(lambda_client.get_policy, "ResourceNotFoundException", 404, "The resource you requested does not exist.", FunctionName=name)
    # A service principal and the IAM forms are accepted; anything else is refused.
    for principal in ("events.amazonaws.com", "alexa-appkit.amazon.com", "arn:aws:iam::222222222222:role/r", "arn:aws:iam::222222222222:root"):
        lambda_client.add_permission(FunctionName=name, StatementId=f"p{abs(hash(principal))}", Action="lambda:*", Principal=principal)
    expect_error(
        lambda_client.add_permission, "InvalidParameterValueException", 400,
        "The provided principal was invalid. Please check the principal and try again.",
        FunctionName=name, StatementId="bad", Action="lambda:InvokeFunction", Principal="bob",
    )


def test_policy_revision_ids(lambda_client, functions):
    name = functions.name()
    created = functions.create(name)
    message = REVISIONS["add_permission_revision_exception"]["Error"]["Message"]
    base = dict(Action="lambda:InvokeFunction", Principal="s3.amazonaws.com")
    expect_error(lambda_client.add_permission, "PreconditionFailedException", 412, message, FunctionName=name, StatementId="a", RevisionId="wrong", **base)
    # Before the first statement, the function's own RevisionId is the latest one.
    lambda_client.add_permission(FunctionName=name, StatementId="a", RevisionId=created["RevisionId"], **base)
    first = lambda_client.get_policy(FunctionName=name)["RevisionId"]
    lambda_client.add_permission(FunctionName=name, StatementId="b", RevisionId=first, **base)
    second = lambda_client.get_policy(FunctionName=name)["RevisionId"]
    assert second != first
    expect_error(lambda_client.add_permission, "PreconditionFailedException", 412, message, FunctionName=name, StatementId="c", RevisionId=first, **base)
    # RemovePermission compares with the function's RevisionId, and says so (recorded).
    remove_message = PERMISSION_REVISIONS["remove_permission_fn_revision_id_doesnotmatch"]["Error"]["Message"]
    expect_error(lambda_client.remove_permission, "PreconditionFailedException", 412, remove_message, FunctionName=name, StatementId="a", RevisionId=first)
    # A policy change gives the function the policy's new RevisionId (recorded: fn9_v1 and
    # the version's policy share one), and nothing else changes.
    config = lambda_client.get_function_configuration(FunctionName=name)
    assert config["RevisionId"] == second and config["LastModified"] == created["LastModified"]
    lambda_client.remove_permission(FunctionName=name, StatementId="a", RevisionId=second)
    assert [s["Sid"] for s in json.loads(lambda_client.get_policy(FunctionName=name)["Policy"])["Statement"]] == ["b"]
    assert lambda_client.get_function_configuration(FunctionName=name)["RevisionId"] == lambda_client.get_policy(FunctionName=name)["RevisionId"]


def test_a_versions_and_an_aliass_policy_revisions(lambda_client, functions):
    name = functions.name()
    functions.create(name)
    version = lambda_client.publish_version(FunctionName=name)
    alias = lambda_client.create_alias(FunctionName=name, Name="live", FunctionVersion=version["Version"])
    base = dict(Action="lambda:InvokeFunction", Principal="s3.amazonaws.com")
    # Before its first statement, an alias's policy is at the alias's RevisionId (recorded message).
    message = REVISIONS["add_permission_revision_exception"]["Error"]["Message"]
    expect_error(lambda_client.add_permission, "PreconditionFailedException", 412, message,
                 FunctionName=name, Qualifier="live", StatementId="a", RevisionId="not-the-alias-revision", **base)
    lambda_client.add_permission(FunctionName=name, Qualifier="live", StatementId="a", RevisionId=alias["RevisionId"], **base)
    policy = lambda_client.get_policy(FunctionName=name, Qualifier="live")["RevisionId"]
    assert policy != alias["RevisionId"] and lambda_client.get_alias(FunctionName=name, Name="live")["RevisionId"] == policy
    # A version's policy: its RevisionId becomes the version's; $LATEST keeps its own.
    latest = lambda_client.get_function_configuration(FunctionName=name)["RevisionId"]
    lambda_client.add_permission(FunctionName=name, Qualifier=version["Version"], StatementId="v", RevisionId=version["RevisionId"], **base)
    on_version = lambda_client.get_policy(FunctionName=name, Qualifier=version["Version"])["RevisionId"]
    assert lambda_client.get_function_configuration(FunctionName=name, Qualifier=version["Version"])["RevisionId"] == on_version
    assert lambda_client.get_function_configuration(FunctionName=name)["RevisionId"] == latest


def test_latest_qualifier_reads_the_unqualified_policy(lambda_client, functions):
    name = functions.name()
    functions.create(name)
    lambda_client.add_permission(FunctionName=name, StatementId="a", Action="lambda:InvokeFunction", Principal="*")
    assert lambda_client.get_policy(FunctionName=name, Qualifier="$LATEST")["Policy"] == lambda_client.get_policy(FunctionName=name)["Policy"]
    lambda_client.remove_permission(FunctionName=f"{name}:$LATEST", StatementId="a")
    expect_error(lambda_client.get_policy, "ResourceNotFoundException", 404, FunctionName=name)


def test_policies_with_the_aws_cli(aws_cli, functions):
    name = functions.name()
    functions.create(name)
    out = json.loads(aws_cli(
        "lambda", "add-permission", "--function-name", name, "--statement-id", "sns", "--action", "lambda:InvokeFunction",
        "--principal", "sns.amazonaws.com", "--source-arn", f"arn:aws:sns:{REGION}:{ACCOUNT}:topic",
    ).stdout)
    statement = json.loads(out["Statement"])
    assert statement["Principal"] == {"Service": "sns.amazonaws.com"}
    assert statement["Condition"] == {"ArnLike": {"AWS:SourceArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:topic"}}
    policy = json.loads(aws_cli("lambda", "get-policy", "--function-name", name).stdout)
    assert json.loads(policy["Policy"])["Statement"] == [statement]
    aws_cli("lambda", "remove-permission", "--function-name", name, "--statement-id", "sns")
    proc = aws_cli("lambda", "get-policy", "--function-name", name, check=False)
    assert proc.returncode != 0 and b"ResourceNotFoundException" in proc.stderr


def test_policies_on_versions_and_aliases(lambda_client, functions):
    """A qualifier names a published version or an alias; each has its own policy."""
    name = functions.name()
    functions.create(name)
    lambda_client.publish_version(FunctionName=name)
    lambda_client.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
    for qualifier in ("1", "live"):
        lambda_client.add_permission(FunctionName=name, Qualifier=qualifier, StatementId="s3",
                                     Action="lambda:InvokeFunction", Principal="s3.amazonaws.com")
        policy = json.loads(lambda_client.get_policy(FunctionName=name, Qualifier=qualifier)["Policy"])
        assert [s["Resource"] for s in policy["Statement"]] == [f"{arn}:{qualifier}"]
    expect_error(lambda_client.get_policy, "ResourceNotFoundException", 404, FunctionName=name)
    expect_error(lambda_client.add_permission, "ResourceNotFoundException", 404, FunctionName=name, Qualifier="2",
                 StatementId="x", Action="lambda:InvokeFunction", Principal="s3.amazonaws.com")
