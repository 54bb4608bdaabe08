"""Bad input: malicious/invalid zips, size limits, parameter validation,
malformed requests. Nothing may be written and the server must stay up."""

from __future__ import annotations

import base64
import json
import os
import uuid
import zipfile
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from e2e_helpers import (
    ACCOUNT,
    REGION,
    ROLE,
    assert_client_error,
    assert_raw_error,
    echo_zip,
    expect_error,
    fn_path,
    invoke,
    json_reply_zip,
    raw_request,
    runtime_script,
    zip_bytes,
)

UNZIP_MSG = "Could not unzip uploaded file. Please check your file, then try to upload again."
UNZIPPED_TOO_BIG_MSG = "Unzipped size must be smaller than 262144000 bytes"
ZIPPED_TOO_BIG_MSG = "Zipped size must be smaller than 52428800 bytes"


def arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


BOOT = ("bootstrap", runtime_script('respond_json "{\\"ok\\": true}"'), 0o755)


# --------------------------------------------------------------------------
# malicious / broken zips
# --------------------------------------------------------------------------


def build_bad_zip(kind: str, marker: str, outside_dir: Path) -> bytes:
    if kind == "not_a_zip":
        return b"this is definitely not a zip archive\n" * 20
    if kind == "truncated_zip":
        good = echo_zip()
        return good[: len(good) - 40]
    if kind == "dotdot_entry":
        return zip_bytes([BOOT, (f"../{marker}", "escaped", 0o644)])
    if kind == "nested_dotdot_entry":
        return zip_bytes([BOOT, (f"lib/../../{marker}", "escaped", 0o644)])
    if kind == "deep_dotdot_entry":
        return zip_bytes([BOOT, ("../" * 24 + f"tmp/{marker}", "escaped", 0o644)])
    if kind == "absolute_entry":
        return zip_bytes([BOOT, (f"/tmp/{marker}", "escaped", 0o644)])
    if kind == "symlink_etc_passwd":
        return zip_bytes([BOOT, (f"{marker}-link", "/etc/passwd", 0, "symlink")])
    if kind == "symlink_relative_escape":
        return zip_bytes([BOOT, (f"{marker}-link", f"../../{marker}", 0, "symlink")])
    if kind == "nested_symlink_escape":
        return zip_bytes([BOOT, ("sub/", b"", 0o755, "dir"), ("sub/ok.txt", "x", 0o644), (f"sub/{marker}-link", f"../../{marker}", 0, "symlink")])
    if kind == "symlink_to_parent":
        return zip_bytes([BOOT, (f"{marker}-link", "..", 0, "symlink")])
    if kind == "symlink_dir_then_write":
        return zip_bytes([BOOT, ("evil", str(outside_dir), 0, "symlink"), (f"evil/{marker}", "pwned", 0o644)])
    raise ValueError(kind)


BAD_ZIP_KINDS = [
    "not_a_zip",
    "truncated_zip",
    "dotdot_entry",
    "nested_dotdot_entry",
    "deep_dotdot_entry",
    "absolute_entry",
    "symlink_etc_passwd",
    "symlink_relative_escape",
    "nested_symlink_escape",
    "symlink_to_parent",
    "symlink_dir_then_write",
]


def test_bad_zip_builder_sanity(tmp_path):
    """Guard for the test data itself: the malicious entries really are in the zips."""
    import io

    m = "m" + uuid.uuid4().hex
    names = zipfile.ZipFile(io.BytesIO(build_bad_zip("absolute_entry", m, tmp_path))).namelist()
    assert f"/tmp/{m}" in names
    names = zipfile.ZipFile(io.BytesIO(build_bad_zip("dotdot_entry", m, tmp_path))).namelist()
    assert f"../{m}" in names
    info = zipfile.ZipFile(io.BytesIO(build_bad_zip("symlink_etc_passwd", m, tmp_path))).getinfo(f"{m}-link")
    assert (info.external_attr >> 16) & 0o170000 == 0o120000


def assert_nothing_escaped(server, marker: str, outside_dir: Path):
    hits = [str(p) for p in server.root.rglob(f"*{marker}*")]
    assert not hits, f"files from a rejected zip were written: {hits}"
    for p in (Path("/tmp") / marker, Path("/") / marker, Path("/tmp") / f"{marker}-link"):
        assert not p.exists() and not p.is_symlink(), f"{p} was created by a rejected zip"
    assert sorted(os.listdir(server.sandbox)) == ["data"], f"unexpected entries next to the data dir: {os.listdir(server.sandbox)}"
    assert list(outside_dir.iterdir()) == [], f"write through symlink: {list(outside_dir.iterdir())}"


@pytest.mark.parametrize("kind", BAD_ZIP_KINDS)
def test_create_with_bad_zip(lambda_client, server, alive, fn_name, tmp_path, kind):
    marker = "nimbus-e2e-escape-" + uuid.uuid4().hex
    outside = tmp_path / "outside"
    outside.mkdir()
    data = build_bad_zip(kind, marker, outside)
    msg = UNZIP_MSG if kind in ("not_a_zip", "truncated_zip") else None
    expect_error(
        lambda_client.create_function,
        "InvalidParameterValueException",
        400,
        msg,
        FunctionName=fn_name,
        Runtime="provided.al2023",
        Role=ROLE,
        Handler="bootstrap",
        Code={"ZipFile": data},
    )
    expect_error(lambda_client.get_function, "ResourceNotFoundException", 404, f"Function not found: {arn(fn_name)}", FunctionName=fn_name)
    assert_nothing_escaped(server, marker, outside)
    alive()


@pytest.mark.parametrize(
    "kind", ["not_a_zip", "dotdot_entry", "absolute_entry", "symlink_etc_passwd", "symlink_dir_then_write"]
)
def test_update_code_with_bad_zip_keeps_old_code(lambda_client, functions, server, alive, fn_name, tmp_path, kind):
    created = functions.create(fn_name, json_reply_zip({"version": "original"}))
    before = lambda_client.get_function_configuration(FunctionName=fn_name)
    marker = "nimbus-e2e-escape-" + uuid.uuid4().hex
    outside = tmp_path / "outside"
    outside.mkdir()
    expect_error(
        lambda_client.update_function_code,
        "InvalidParameterValueException",
        400,
        UNZIP_MSG if kind == "not_a_zip" else None,
        FunctionName=fn_name,
        ZipFile=build_bad_zip(kind, marker, outside),
    )
    after = lambda_client.get_function_configuration(FunctionName=fn_name)
    assert after["CodeSha256"] == created["CodeSha256"]
    assert after["RevisionId"] == before["RevisionId"]
    res = invoke(lambda_client, fn_name, {})
    assert "FunctionError" not in res, res["Body"]
    assert res["Json"]["version"] == "original"
    assert_nothing_escaped(server, marker, outside)
    alive()


# --------------------------------------------------------------------------
# size limits
# --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def unzipped_too_big_zip(tmp_path_factory) -> bytes:
    """Small on the wire, > 250 MB once unzipped (a deflated run of zeros)."""
    path = tmp_path_factory.mktemp("bigzip") / "zeros.zip"
    chunk = b"\0" * (1 << 20)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zi = zipfile.ZipInfo("bootstrap", date_time=(2024, 1, 1, 0, 0, 0))
        zi.external_attr = (0o100755 << 16)
        zi.create_system = 3
        zf.writestr(zi, BOOT[1])
        zeros = zipfile.ZipInfo("zeros.bin", date_time=(2024, 1, 1, 0, 0, 0))
        zeros.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(zeros, "w", force_zip64=True) as fh:
            for _ in range(251):  # 251 MiB = 263192576 bytes > 262144000
                fh.write(chunk)
    data = path.read_bytes()
    assert len(data) < 5 * 1024 * 1024
    return data


@pytest.fixture(scope="session")
def zipped_too_big_zip() -> bytes:
    """A stored (uncompressed) zip of random data slightly over 50 MB."""
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        zi = zipfile.ZipInfo("bootstrap", date_time=(2024, 1, 1, 0, 0, 0))
        zi.external_attr = (0o100755 << 16)
        zi.create_system = 3
        zf.writestr(zi, BOOT[1])
        zf.writestr(zipfile.ZipInfo("random.bin", date_time=(2024, 1, 1, 0, 0, 0)), os.urandom(52428800 + 4096))
    data = buf.getvalue()
    assert 52428800 < len(data) < 52428800 + 64 * 1024
    return data


def test_create_unzipped_too_large(lambda_client, alive, fn_name, unzipped_too_big_zip):
    expect_error(
        lambda_client.create_function, "InvalidParameterValueException", 400, UNZIPPED_TOO_BIG_MSG,
        FunctionName=fn_name, Runtime="provided.al2023", Role=ROLE, Handler="b", Code={"ZipFile": unzipped_too_big_zip},
    )
    expect_error(lambda_client.get_function, "ResourceNotFoundException", 404, FunctionName=fn_name)
    alive()


def test_update_unzipped_too_large_keeps_old_code(lambda_client, functions, alive, fn_name, unzipped_too_big_zip):
    created = functions.create(fn_name, json_reply_zip({"version": "original"}))
    expect_error(
        lambda_client.update_function_code, "InvalidParameterValueException", 400, UNZIPPED_TOO_BIG_MSG,
        FunctionName=fn_name, ZipFile=unzipped_too_big_zip,
    )
    assert lambda_client.get_function_configuration(FunctionName=fn_name)["CodeSha256"] == created["CodeSha256"]
    assert invoke(lambda_client, fn_name, {})["Json"]["version"] == "original"
    alive()


def test_create_zipped_too_large(lambda_client, alive, fn_name, zipped_too_big_zip):
    expect_error(
        lambda_client.create_function, "RequestEntityTooLargeException", 413, ZIPPED_TOO_BIG_MSG,
        FunctionName=fn_name, Runtime="provided.al2023", Role=ROLE, Handler="b", Code={"ZipFile": zipped_too_big_zip},
    )
    expect_error(lambda_client.get_function, "ResourceNotFoundException", 404, FunctionName=fn_name)
    alive()


def test_update_zipped_too_large(lambda_client, functions, alive, fn_name, zipped_too_big_zip):
    created = functions.create(fn_name, json_reply_zip({"version": "original"}))
    expect_error(
        lambda_client.update_function_code, "RequestEntityTooLargeException", 413, ZIPPED_TOO_BIG_MSG,
        FunctionName=fn_name, ZipFile=zipped_too_big_zip,
    )
    assert lambda_client.get_function_configuration(FunctionName=fn_name)["CodeSha256"] == created["CodeSha256"]
    alive()


def test_invoke_payload_too_large(lambda_client, functions, alive, fn_name):
    functions.create(fn_name, echo_zip())
    payload = json.dumps({"data": "x" * 6291456}).encode()  # > 6291456 bytes
    assert len(payload) > 6291456
    expect_error(lambda_client.invoke, "RequestEntityTooLargeException", 413, FunctionName=fn_name, Payload=payload)
    assert invoke(lambda_client, fn_name, {"small": 1})["Json"] == {"small": 1}
    alive()


def test_invoke_payload_not_json(lambda_client, functions, alive, fn_name):
    functions.create(fn_name, echo_zip())
    expect_error(lambda_client.invoke, "InvalidRequestContentException", 400, FunctionName=fn_name, Payload=b"this is {not json")
    alive()


def test_environment_size_limit(lambda_client, functions, alive, fn_name):
    # AWS measures the compact JSON of Variables: 4096 chars pass, 4097 fail.
    ok_vars = {"LARGE_VAR": "x" * 4080}
    too_big = {"LARGE_VAR": "x" * 4081}
    assert len(json.dumps(ok_vars, separators=(",", ":"))) == 4096
    assert len(json.dumps(too_big, separators=(",", ":"))) == 4097

    expect_error(
        lambda_client.create_function, "InvalidParameterValueException", 400,
        FunctionName=fn_name, Runtime="provided.al2023", Role=ROLE, Handler="b",
        Code={"ZipFile": echo_zip()}, Environment={"Variables": too_big},
    )
    expect_error(lambda_client.get_function, "ResourceNotFoundException", 404, FunctionName=fn_name)

    functions.create(fn_name, echo_zip(), Environment={"Variables": ok_vars})
    expect_error(
        lambda_client.update_function_configuration, "InvalidParameterValueException", 400,
        FunctionName=fn_name, Environment={"Variables": {**too_big}},
    )
    assert lambda_client.get_function_configuration(FunctionName=fn_name)["Environment"] == {"Variables": ok_vars}
    alive()


# --------------------------------------------------------------------------
# parameter validation
# --------------------------------------------------------------------------

NAME_PATTERN_PREFIX = "1 validation error detected: Value 'my-function!' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: "


def _create(client, name, **kw):
    params = dict(FunctionName=name, Runtime="provided.al2023", Role=ROLE, Handler="b", Code={"ZipFile": echo_zip()})
    params.update(kw)
    return client.create_function(**params)


@pytest.mark.parametrize("op", ["create_function", "get_function", "invoke", "delete_function"])
def test_name_with_invalid_characters(lambda_client, alive, op):
    call = {
        "create_function": lambda: _create(lambda_client, "my-function!"),
        "get_function": lambda: lambda_client.get_function(FunctionName="my-function!"),
        "invoke": lambda: lambda_client.invoke(FunctionName="my-function!", Payload=b"{}"),
        "delete_function": lambda: lambda_client.delete_function(FunctionName="my-function!"),
    }[op]
    e = expect_error(call, "ValidationException", 400)
    assert e.response["Error"]["Message"].startswith(NAME_PATTERN_PREFIX), e.response["Error"]["Message"]
    alive()


def test_create_name_longer_than_64(lambda_client, functions, alive):
    """Recorded AWS (test_function_arns / function_name_too_long-create_function):
    InvalidParameterValueException with the standard validation text."""
    name = "a" * 65
    functions.created.append(name)
    expect_error(
        lambda: _create(lambda_client, name), "InvalidParameterValueException", 400,
        f"1 validation error detected: Value '{name}' at 'functionName' failed to satisfy constraint: "
        "Member must have length less than or equal to 64",
    )
    alive()


def test_get_name_longer_than_64_is_not_found(lambda_client, alive):
    """Recorded AWS (function_name_too_long-get_function): a 65-char name is simply not found."""
    name = "a" * 65
    expect_error(lambda_client.get_function, "ResourceNotFoundException", 404, f"Function not found: {arn(name)}", FunctionName=name)
    alive()


def test_create_name_longer_than_140(lambda_client, functions, alive):
    name = "b" * 150
    functions.created.append(name)
    e = expect_error(lambda: _create(lambda_client, name), "ValidationException", 400)
    msg = e.response["Error"]["Message"]
    assert msg.startswith(f"1 validation error detected: Value '{name}' at 'functionName' failed to satisfy constraint: "), msg
    assert "Member must have length less than or equal to 140" in msg, msg
    alive()


def test_invalid_runtime(lambda_client, functions, alive, fn_name):
    expect_error(lambda: _create(lambda_client, fn_name, Runtime="non-existent-runtime"), "InvalidParameterValueException", 400)
    expect_error(lambda_client.get_function, "ResourceNotFoundException", 404, FunctionName=fn_name)
    functions.create(fn_name)
    expect_error(lambda_client.update_function_configuration, "InvalidParameterValueException", 400,
                 FunctionName=fn_name, Runtime="PYTHON3.9")
    assert lambda_client.get_function_configuration(FunctionName=fn_name)["Runtime"] == "provided.al2023"
    alive()


def _raw_create_body(name, **overrides):
    body = {
        "FunctionName": name,
        "Runtime": "provided.al2023",
        "Role": ROLE,
        "Handler": "bootstrap",
        "Code": {"ZipFile": base64.b64encode(echo_zip()).decode()},
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("MemorySize", 64, "1 validation error detected: Value '64' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128"),
        ("MemorySize", 10241, None),
        ("Timeout", 0, "1 validation error detected: Value '0' at 'timeout' failed to satisfy constraint: Member must have value greater than or equal to 1"),
        ("Timeout", 901, None),
        ("EphemeralStorage", {"Size": 511}, None),
        ("EphemeralStorage", {"Size": 10241}, None),
    ],
)
def test_create_out_of_range_values(server, lambda_client, alive, fn_name, field, value, message):
    resp = raw_request(server.endpoint, "POST", "/2015-03-31/functions", _raw_create_body(fn_name, **{field: value}))
    assert_raw_error(resp, "ValidationException", 400, message)
    lower = field[0].lower() + field[1:]
    assert f"at '{lower}" in resp.message, resp.message
    expect_error(lambda_client.get_function, "ResourceNotFoundException", 404, FunctionName=fn_name)
    alive()


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("MemorySize", 64, "1 validation error detected: Value '64' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128"),
        ("MemorySize", 10241, None),
        ("Timeout", 0, "1 validation error detected: Value '0' at 'timeout' failed to satisfy constraint: Member must have value greater than or equal to 1"),
        ("Timeout", 901, None),
    ],
)
def test_update_out_of_range_values(server, lambda_client, functions, alive, fn_name, field, value, message):
    functions.create(fn_name)
    resp = raw_request(server.endpoint, "PUT", fn_path(fn_name, "/configuration"), {field: value})
    assert_raw_error(resp, "ValidationException", 400, message)
    cfg = lambda_client.get_function_configuration(FunctionName=fn_name)
    assert (cfg["MemorySize"], cfg["Timeout"]) == (128, 3)
    alive()


@pytest.mark.parametrize("missing", ["Role", "Code", "FunctionName"])
def test_create_missing_required_field(server, lambda_client, alive, fn_name, missing):
    body = _raw_create_body(fn_name, **{missing: None})
    resp = raw_request(server.endpoint, "POST", "/2015-03-31/functions", body)
    assert_raw_error(resp, "ValidationException", 400)
    lower = missing[0].lower() + missing[1:]
    assert f"Value null at '{lower}' failed to satisfy constraint: Member must not be null" in resp.message, resp.message
    if missing != "FunctionName":
        expect_error(lambda_client.get_function, "ResourceNotFoundException", 404, FunctionName=fn_name)
    alive()


@pytest.mark.parametrize(
    "case",
    ["malformed_json", "json_array", "empty_body", "memory_wrong_type", "env_wrong_type", "zip_not_base64", "timeout_float_string"],
)
def test_create_malformed_request(server, lambda_client, alive, fn_name, case):
    body = {
        "malformed_json": b'{"FunctionName": "' + fn_name.encode() + b'", "Role": ',
        "json_array": json.dumps([_raw_create_body(fn_name)]).encode(),
        "empty_body": b"",
        "memory_wrong_type": json.dumps(_raw_create_body(fn_name, MemorySize="lots")).encode(),
        "env_wrong_type": json.dumps(_raw_create_body(fn_name, Environment={"Variables": ["A", "B"]})).encode(),
        "zip_not_base64": json.dumps(_raw_create_body(fn_name, Code={"ZipFile": "!!!% not base64 %!!!"})).encode(),
        "timeout_float_string": json.dumps(_raw_create_body(fn_name, Timeout="three")).encode(),
    }[case]
    resp = raw_request(server.endpoint, "POST", "/2015-03-31/functions", body, headers={"Content-Type": "application/json"})
    assert resp.status == 400, resp
    assert resp.error_type, f"no X-Amzn-ErrorType header: {resp!r}"
    assert resp.message, f"no error message: {resp!r}"
    expect_error(lambda_client.get_function, "ResourceNotFoundException", 404, FunctionName=fn_name)
    alive()


def test_update_configuration_malformed_json(server, lambda_client, functions, alive, fn_name):
    functions.create(fn_name)
    resp = raw_request(server.endpoint, "PUT", fn_path(fn_name, "/configuration"), b'{"Timeout": ', headers={"Content-Type": "application/json"})
    assert resp.status == 400 and resp.error_type and resp.message, resp
    assert lambda_client.get_function_configuration(FunctionName=fn_name)["Timeout"] == 3
    alive()


def test_invalid_invocation_type(lambda_client, functions, alive, fn_name):
    functions.create(fn_name)
    expect_error(lambda_client.invoke, "ValidationException", 400, FunctionName=fn_name, InvocationType="Bogus", Payload=b"{}")
    alive()


def test_unknown_qualifier(lambda_client, functions, alive, fn_name):
    functions.create(fn_name)
    expect_error(lambda_client.get_function, "ResourceNotFoundException", 404, f"Function not found: {arn(fn_name)}:7",
                 FunctionName=fn_name, Qualifier="7")
    expect_error(lambda_client.invoke, "ResourceNotFoundException", 404, f"Function not found: {arn(fn_name)}:7",
                 FunctionName=fn_name, Qualifier="7", Payload=b"{}")
    alive()


def test_unknown_route(server, alive):
    resp = raw_request(server.endpoint, "GET", "/2015-03-31/no-such-thing")
    assert 400 <= resp.status < 500, resp
    alive()


def test_name_of_exactly_64_chars_is_valid(lambda_client, functions, alive):
    name = ("e2e_64_" + "x" * 64)[:64]
    assert len(name) == 64
    resp = functions.create(name, json_reply_zip({"ok": True}))
    assert resp["FunctionName"] == name
    assert invoke(lambda_client, name, {})["Json"]["ok"] is True
    alive()


def test_invalid_role(lambda_client, alive, fn_name):
    """Recorded AWS (test_create_lambda_exceptions / invalid_role_arn_exc)."""
    e = expect_error(lambda: _create(lambda_client, fn_name, Role="r1"), "ValidationException", 400)
    assert e.response["Error"]["Message"].startswith("1 validation error detected: Value 'r1' at 'role' failed to satisfy constraint:")
    expect_error(lambda_client.get_function, "ResourceNotFoundException", 404, FunctionName=fn_name)
    alive()


def test_multiple_architectures(lambda_client, alive, fn_name):
    """Recorded AWS (test_create_lambda_exceptions / multiple_architectures)."""
    expect_error(lambda: _create(lambda_client, fn_name, Architectures=["x86_64", "arm64"]), "ValidationException", 400)
    alive()


@pytest.mark.parametrize("key", ["AWS_REGION", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT"])
def test_reserved_environment_keys_rejected(lambda_client, functions, alive, fn_name, key):
    """configuration-envvars.md: reserved keys cannot be set in the function configuration."""
    expect_error(
        lambda: _create(lambda_client, fn_name, Environment={"Variables": {key: "x"}}), "InvalidParameterValueException", 400
    )
    functions.create(fn_name)
    expect_error(lambda_client.update_function_configuration, "InvalidParameterValueException", 400,
                 FunctionName=fn_name, Environment={"Variables": {key: "x"}})
    alive()


def test_invalid_environment_key(lambda_client, alive, fn_name):
    expect_error(lambda: _create(lambda_client, fn_name, Environment={"Variables": {"1BAD-KEY": "x"}}), "ValidationException", 400)
    alive()


def test_list_functions_max_items_zero(server, alive):
    resp = raw_request(server.endpoint, "GET", "/2015-03-31/functions/", query={"MaxItems": "0"})
    assert_raw_error(resp, "ValidationException", 400)
    alive()


def test_event_payload_limit(lambda_client, functions, alive, fn_name):
    """Asynchronous invocations accept at most 1 MB (reference README: the async limit is now 1 MB)."""
    functions.create(fn_name, echo_zip())
    small = json.dumps({"data": "x" * 900_000}).encode()
    assert lambda_client.invoke(FunctionName=fn_name, InvocationType="Event", Payload=small)["StatusCode"] == 202
    big = json.dumps({"data": "x" * 1_200_000}).encode()
    expect_error(lambda_client.invoke, "RequestEntityTooLargeException", 413, FunctionName=fn_name, InvocationType="Event", Payload=big)
    alive()


@pytest.fixture(scope="session")
def lying_zip_bomb(tmp_path_factory) -> bytes:
    """A zip whose headers claim 1000 bytes for an entry that inflates to 300 MiB."""
    import struct

    path = tmp_path_factory.mktemp("liar") / "liar.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zi = zipfile.ZipInfo("bootstrap", date_time=(2024, 1, 1, 0, 0, 0))
        zi.external_attr = (0o100755 << 16)
        zi.create_system = 3
        zf.writestr(zi, BOOT[1])
        bomb = zipfile.ZipInfo("bomb.bin", date_time=(2024, 1, 1, 0, 0, 0))
        bomb.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(bomb, "w") as fh:
            chunk = b"\0" * (1 << 20)
            for _ in range(300):
                fh.write(chunk)
    data = bytearray(path.read_bytes())
    real = 300 * (1 << 20)
    patched = 0
    for sig, size_off in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        pos = 0
        while (pos := data.find(sig, pos)) != -1:
            if struct.unpack_from("<I", data, pos + size_off)[0] == real:
                struct.pack_into("<I", data, pos + size_off, 1000)
                patched += 1
            pos += 4
    assert patched == 2, patched
    return bytes(data)


def _tree_size(root: Path) -> int:
    total = 0
    for p in root.rglob("*"):
        try:
            if p.is_file() and not p.is_symlink():
                total += p.stat().st_size
        except FileNotFoundError:
            pass
    return total


def test_zip_with_lying_sizes_is_rejected(lambda_client, server, alive, fn_name, lying_zip_bomb):
    before = _tree_size(server.data_dir)
    try:
        _create(lambda_client, fn_name, Code={"ZipFile": lying_zip_bomb})
    except ClientError as e:
        assert_client_error(e, "InvalidParameterValueException", 400)
        assert e.response["Error"]["Message"] in (UNZIP_MSG, UNZIPPED_TOO_BIG_MSG), e.response["Error"]["Message"]
    else:
        raise AssertionError("a zip whose entry inflates beyond its declared size was accepted")
    expect_error(lambda_client.get_function, "ResourceNotFoundException", 404, FunctionName=fn_name)
    grown = _tree_size(server.data_dir) - before
    assert grown < 20 * 1024 * 1024, f"data dir grew by {grown} bytes for a rejected zip"
    alive()


def test_names_are_case_sensitive(lambda_client, functions, alive):
    upper = "E2E-Case-" + uuid.uuid4().hex[:8].upper()
    functions.create(upper, json_reply_zip({"case": "upper"}))
    expect_error(lambda_client.get_function, "ResourceNotFoundException", 404, FunctionName=upper.lower())
    functions.create(upper.lower(), json_reply_zip({"case": "lower"}))
    assert invoke(lambda_client, upper, {})["Json"]["case"] == "upper"
    assert invoke(lambda_client, upper.lower(), {})["Json"]["case"] == "lower"
    alive()


def test_arn_from_other_region(lambda_client, functions, alive, fn_name):
    """Recorded AWS (test_function_arns / function_arn_other_region_exc)."""
    functions.create(fn_name)
    expect_error(
        lambda_client.get_function, "ResourceNotFoundException", 404,
        "Functions from 'ap-southeast-1' are not reachable in this region ('us-east-1')",
        FunctionName=f"arn:aws:lambda:ap-southeast-1:{ACCOUNT}:function:{fn_name}",
    )
    alive()


def test_arn_from_other_account(lambda_client, functions, alive, fn_name):
    """Recorded AWS (test_function_arns / function_arn_other_account_exc): AccessDeniedException 403."""
    functions.create(fn_name)
    try:
        lambda_client.get_function(FunctionName=f"arn:aws:lambda:{REGION}:111122223333:function:{fn_name}")
    except ClientError as e:
        assert (e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]) == ("AccessDeniedException", 403), e.response
    else:
        raise AssertionError("a function ARN of another account was resolved")
    alive()


def test_qualifier_mismatch(lambda_client, functions, alive, fn_name):
    """Recorded AWS (latest_version_with_additional_qualifier-*)."""
    functions.create(fn_name)
    msg = "The derived qualifier from the function name does not match the specified qualifier."
    expect_error(lambda_client.get_function, "InvalidParameterValueException", 400, msg, FunctionName=f"{arn(fn_name)}:$LATEST", Qualifier="1")
    expect_error(lambda_client.invoke, "InvalidParameterValueException", 400, msg, FunctionName=f"{arn(fn_name)}:$LATEST", Qualifier="1", Payload=b"{}")
    alive()


@pytest.mark.parametrize("name", ["..", ".", "...", "a..b"])
def test_dot_names_do_not_touch_the_filesystem(server_factory, name):
    """Get/Invoke/Delete accept dots in names (NamespacedFunctionName pattern); such names
    must resolve to 'not found' and never to directories of the data dir."""
    srv = server_factory("dots")
    client = srv.client()
    client.create_function(FunctionName="survivor", Runtime="provided.al2023", Role=ROLE, Handler="b",
                           Code={"ZipFile": json_reply_zip({"alive": True})})
    from e2e_helpers import wait_active

    wait_active(client, "survivor")
    snapshot = sorted(str(p.relative_to(srv.root)) for p in srv.root.rglob("*") if "server-" not in p.name)
    for call in (
        lambda: client.get_function(FunctionName=name),
        lambda: client.get_function_configuration(FunctionName=name),
        lambda: client.invoke(FunctionName=name, Payload=b"{}"),
        lambda: client.delete_function(FunctionName=name),
        lambda: client.delete_function(FunctionName=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"),
    ):
        try:
            result = call()
        except ClientError as e:
            status = e.response["ResponseMetadata"]["HTTPStatusCode"]
            assert status in (400, 404), e.response
        else:
            raise AssertionError(f"operation on function name {name!r} succeeded: {result}")
    after = sorted(str(p.relative_to(srv.root)) for p in srv.root.rglob("*") if "server-" not in p.name)
    assert after == snapshot, "the data dir changed"
    assert invoke(client, "survivor", {})["Json"]["alive"] is True
    assert [f["FunctionName"] for f in client.list_functions()["Functions"]] == ["survivor"]


def test_logs_cli_rejects_path_names(server):
    import subprocess

    from e2e_helpers import nimbus_bin

    for name in ("../../../../../../../../etc/passwd", "/etc/passwd", ".."):
        proc = subprocess.run([str(nimbus_bin()), "logs", name, "--data-dir", str(server.data_dir)],
                              capture_output=True, timeout=30, stdin=subprocess.DEVNULL)
        assert b"root:x:0:0" not in proc.stdout + proc.stderr, name
