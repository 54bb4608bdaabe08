"""Runtime names: which ones run today, and what happens with the rest."""
from e2e_helpers import invoke, zip_bytes


def test_managed_runtime_without_bootstrap_says_it_is_not_supported_yet(lambda_client, functions, fn_name, alive):
    """python3.12 is a valid AWS runtime, so CreateFunction accepts it; until managed runtimes
    exist, invoking it reports clearly why it cannot run instead of blaming the package."""
    functions.create(fn_name, zip_bytes([("handler.py", "def handler(e, c):\n    return 1\n", 0o644)]),
                     Runtime="python3.12", Handler="handler.handler")
    res = invoke(lambda_client, fn_name, {})
    assert res.get("FunctionError") == "Unhandled"
    assert res["Json"]["errorType"] == "Runtime.InvalidEntrypoint"
    assert "cannot run the python3.12 runtime yet" in res["Json"]["errorMessage"]
    alive()


def test_custom_runtime_without_bootstrap_gets_aws_message(lambda_client, functions, fn_name, alive):
    functions.create(fn_name, zip_bytes([("not-bootstrap", "#!/bin/sh\n", 0o755)]))
    res = invoke(lambda_client, fn_name, {})
    assert res.get("FunctionError") == "Unhandled"
    assert res["Json"]["errorType"] == "Runtime.InvalidEntrypoint"
    assert res["Json"]["errorMessage"].endswith(
        "Error: Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]")
    alive()
