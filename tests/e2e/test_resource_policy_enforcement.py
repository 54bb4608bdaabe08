"""Resource-based policies enforced between identities (`nimbus serve --identities FILE`).

The server's account owns the functions; another account's identity may only call what a
function's policy grants its principal, and gets AWS's AccessDeniedException otherwise.
"""

from __future__ import annotations

import json

import pytest

from e2e_helpers import ACCOUNT, REGION, ROLE, echo_zip, expect_error, invoke, make_client, wait_active

OTHER_ACCOUNT = "222222222222"
BOB = {"accessKeyId": "AKIDBOB", "secretAccessKey": "bob-secret", "accountId": OTHER_ACCOUNT, "arn": f"arn:aws:iam::{OTHER_ACCOUNT}:user/bob"}
CAROL = {"accessKeyId": "AKIDCAROL", "secretAccessKey": "carol-secret", "accountId": OTHER_ACCOUNT, "arn": f"arn:aws:iam::{OTHER_ACCOUNT}:user/carol"}
ALICE = {"accessKeyId": "AKIDALICE", "secretAccessKey": "alice-secret", "accountId": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:user/alice"}


def arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


def denied(user: dict, action: str, resource: str) -> str:
    return (
        f"User: {user['arn']} is not authorized to perform: lambda:{action} on resource: {resource} "
        f"because no resource-based policy allows the lambda:{action} action"
    )


@pytest.fixture
def shared(server_factory, tmp_path):
    path = tmp_path / "identities.json"
    path.write_text(json.dumps([BOB, CAROL, ALICE]))
    srv = server_factory("identities", extra_args=["--identities", str(path)])
    owner = srv.client()
    clients = {u["accessKeyId"]: make_client(srv.endpoint, access_key=u["accessKeyId"], secret_key=u["secretAccessKey"]) for u in (BOB, CAROL, ALICE)}
    name = "shared-fn"
    owner.create_function(FunctionName=name, Runtime="provided.al2023", Role=ROLE, Handler="x", Code={"ZipFile": echo_zip()})
    wait_active(owner, name)
    return srv, owner, clients, name


def test_other_account_needs_a_grant_to_invoke(shared):
    srv, owner, clients, name = shared
    bob = clients["AKIDBOB"]
    expect_error(bob.invoke, "AccessDeniedException", 403, denied(BOB, "InvokeFunction", arn(name)), FunctionName=arn(name), Payload=b"{}")
    # Denied before the lookup: a missing function looks the same.
    expect_error(bob.invoke, "AccessDeniedException", 403, denied(BOB, "InvokeFunction", arn("nope")), FunctionName=arn("nope"))

    owner.add_permission(FunctionName=name, StatementId="bob-account", Action="lambda:InvokeFunction", Principal=OTHER_ACCOUNT)
    resp = invoke(bob, arn(name), {"hello": "bob"})
    assert resp["StatusCode"] == 200 and resp["Json"] == {"hello": "bob"}
    # The account grant covers every principal of the account, and Event invocations.
    assert invoke(clients["AKIDCAROL"], name, {"x": 1}, InvocationType="Event")["StatusCode"] == 202
    # It grants nothing else.
    expect_error(bob.get_function, "AccessDeniedException", 403, denied(BOB, "GetFunction", arn(name)), FunctionName=arn(name))
    expect_error(bob.delete_function, "AccessDeniedException", 403, denied(BOB, "DeleteFunction", arn(name)), FunctionName=arn(name))
    expect_error(bob.add_permission, "AccessDeniedException", 403, denied(BOB, "AddPermission", arn(name)),
                 FunctionName=arn(name), StatementId="x", Action="lambda:*", Principal="*")
    expect_error(
        bob.list_functions, "AccessDeniedException", 403,
        f"User: {BOB['arn']} is not authorized to perform: lambda:ListFunctions on resource: * because no identity-based policy allows the lambda:ListFunctions action",
    )
    owner.get_function(FunctionName=name)  # the function is still there

    owner.remove_permission(FunctionName=name, StatementId="bob-account")
    expect_error(bob.invoke, "AccessDeniedException", 403, denied(BOB, "InvokeFunction", arn(name)), FunctionName=arn(name))


def test_principal_forms_and_actions(shared):
    srv, owner, clients, name = shared
    bob, carol = clients["AKIDBOB"], clients["AKIDCAROL"]
    owner.add_permission(FunctionName=name, StatementId="bob-only", Action="lambda:InvokeFunction", Principal=BOB["arn"])
    assert invoke(bob, arn(name), {})["StatusCode"] == 200
    expect_error(carol.invoke, "AccessDeniedException", 403, denied(CAROL, "InvokeFunction", arn(name)), FunctionName=arn(name))

    owner.add_permission(FunctionName=name, StatementId="root-get", Action="lambda:GetFunction", Principal=f"arn:aws:iam::{OTHER_ACCOUNT}:root")
    assert carol.get_function(FunctionName=arn(name))["Configuration"]["FunctionName"] == name
    expect_error(carol.get_function_configuration, "AccessDeniedException", 403, denied(CAROL, "GetFunctionConfiguration", arn(name)),
                 FunctionName=arn(name))
    owner.add_permission(FunctionName=name, StatementId="any-config", Action="lambda:*", Principal="*")
    assert carol.get_function_configuration(FunctionName=arn(name))["FunctionName"] == name
    assert invoke(carol, arn(name), {})["StatusCode"] == 200


def test_conditions_and_qualifiers_do_not_grant_direct_calls(shared):
    srv, owner, clients, name = shared
    bob = clients["AKIDBOB"]
    # A condition on the source (as for a service) never matches a direct call.
    owner.add_permission(FunctionName=name, StatementId="cond", Action="lambda:InvokeFunction", Principal="*", SourceAccount=OTHER_ACCOUNT)
    owner.add_permission(FunctionName=name, StatementId="svc", Action="lambda:InvokeFunction", Principal="s3.amazonaws.com")
    expect_error(bob.invoke, "AccessDeniedException", 403, denied(BOB, "InvokeFunction", arn(name)), FunctionName=arn(name))
    # The unqualified policy is also $LATEST's.
    owner.add_permission(FunctionName=name, StatementId="open", Action="lambda:InvokeFunction", Principal="*")
    assert invoke(bob, arn(name), {}, Qualifier="$LATEST")["StatusCode"] == 200
    assert invoke(bob, f"{arn(name)}:$LATEST", {})["StatusCode"] == 200
    # Another qualifier has its own (here missing) policy.
    expect_error(bob.invoke, "AccessDeniedException", 403, denied(BOB, "InvokeFunction", f"{arn(name)}:live"),
                 FunctionName=arn(name), Qualifier="live")


def test_same_account_identities_and_unknown_keys(shared):
    srv, owner, clients, name = shared
    alice = clients["AKIDALICE"]
    # An identity of the server's account is an owner: it may do everything.
    alice.update_function_configuration(FunctionName=name, Description="by alice")
    alice.tag_resource(Resource=arn(name), Tags={"by": "alice"})
    assert owner.get_function(FunctionName=name)["Tags"] == {"by": "alice"}
    stranger = make_client(srv.endpoint, access_key="AKIDNOBODY", secret_key="x")
    expect_error(stranger.list_functions, "UnrecognizedClientException", 403, "The security token included in the request is invalid.")
    wrong_secret = make_client(srv.endpoint, access_key="AKIDBOB", secret_key="not-bobs")
    expect_error(wrong_secret.invoke, "InvalidSignatureException", 403, FunctionName=arn(name))


def test_bad_identities_file_is_refused(server_factory, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps([{"accessKeyId": "A", "secretAccessKey": "s", "accountId": "12", "arn": "arn:aws:iam::12:user/x"}]))
    with pytest.raises(RuntimeError, match="accountId '12' is not 12 digits"):
        server_factory("bad-identities", extra_args=["--identities", str(path)])
