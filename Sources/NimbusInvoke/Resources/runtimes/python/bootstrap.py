"""Nimbus's runtime interface client for Python: the Lambda Runtime API loop.

Started as `python3 bootstrap.py` with Lambda's environment. It imports the handler
named by _HANDLER from LAMBDA_TASK_ROOT once (init), then serves invocations from
/2018-06-01/runtime/invocation/next until the environment ends. Results, errors and
log lines follow AWS's Python runtime (the shapes of awslambdaric).
"""
import importlib
import json
import logging
import os
import socket
import sys
import time
import traceback

RUNTIME_API = os.environ["AWS_LAMBDA_RUNTIME_API"]
TASK_ROOT = os.environ.get("LAMBDA_TASK_ROOT", os.getcwd())
HOST, _, PORT = RUNTIME_API.rpartition(":")
PREFIX = "/2018-06-01/runtime"


class Response:
    """Status and headers of a Runtime API answer (header names are case-insensitive)."""

    def __init__(self, status, headers):
        self.status = status
        self.headers = headers

    def getheader(self, name):
        return self.headers.get(name.lower())


class RuntimeClient:
    """Keep-alive HTTP/1.1 to the Runtime API over one socket.

    Written on `socket` rather than http.client, whose imports (email, ssl...) cost about
    30 ms of every cold start; the Runtime API only needs Content-Length bodies.
    """

    def __init__(self):
        self.sock = None
        self.buffer = b""

    def _connect(self):
        self.sock = socket.create_connection((HOST, int(PORT)))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def _read_until(self, marker):
        while marker not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("Runtime API closed the connection")
            self.buffer += chunk
        head, _, self.buffer = self.buffer.partition(marker)
        return head

    def _read_exactly(self, length):
        while len(self.buffer) < length:
            chunk = self.sock.recv(max(65536, length - len(self.buffer)))
            if not chunk:
                raise ConnectionError("Runtime API closed the connection")
            self.buffer += chunk
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return body

    def _exchange(self, method, path, body, headers):
        lines = [f"{method} {PREFIX}{path} HTTP/1.1", f"Host: {RUNTIME_API}"]
        lines += [f"{key}: {value}" for key, value in (headers or {}).items()]
        if body is not None:
            lines.append(f"Content-Length: {len(body)}")
        request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.sock.sendall(request + body if body is not None else request)
        head = self._read_until(b"\r\n\r\n").decode("latin-1").split("\r\n")
        status = int(head[0].split(" ", 2)[1])
        fields = {}
        for line in head[1:]:
            key, _, value = line.partition(":")
            fields[key.strip().lower()] = value.strip()
        if fields.get("transfer-encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self._read_until(b"\r\n").split(b";")[0], 16)
                if size == 0:
                    self._read_until(b"\r\n")
                    break
                data += self._read_exactly(size)
                self._read_exactly(2)
        else:
            data = self._read_exactly(int(fields.get("content-length", "0")))
        if fields.get("connection", "").lower() == "close":
            self.sock.close()
            self.sock = None
        return Response(status, fields), data

    def _call(self, method, path, body=None, headers=None):
        for attempt in (0, 1):
            try:
                if self.sock is None:
                    self._connect()
                return self._exchange(method, path, body, headers)
            except (ConnectionError, OSError):
                # The platform closed an idle connection; reconnect once.
                if self.sock is not None:
                    self.sock.close()
                self.sock = None
                if attempt:
                    raise

    def next(self):
        return self._call("GET", "/invocation/next")

    def respond(self, request_id, body):
        return self._call("POST", f"/invocation/{request_id}/response", body)

    def error(self, request_id, error):
        return self._call("POST", f"/invocation/{request_id}/error", json.dumps(error).encode(),
                          {"Lambda-Runtime-Function-Error-Type": error["errorType"],
                           "Content-Type": "application/json"})

    def init_error(self, error):
        return self._call("POST", "/init/error", json.dumps(error).encode(),
                          {"Lambda-Runtime-Function-Error-Type": error["errorType"],
                           "Content-Type": "application/json"})


class FaultException(Exception):
    def __init__(self, error_type, message, trace=None):
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.trace = trace or []


def make_error(message, error_type, trace, request_id=""):
    return {"errorMessage": message, "errorType": error_type, "requestId": request_id, "stackTrace": trace}


def fault_from_exception(exc, request_id=""):
    tb = traceback.extract_tb(exc.__traceback__)
    return make_error(str(exc), type(exc).__name__, traceback.format_list(tb[1:]), request_id)


def load_handler(handler):
    """Imports `module.function` or `path/file.function`, as AWS's runtime does."""
    try:
        module_name, function_name = handler.rsplit(".", 1)
    except ValueError as e:
        raise FaultException("Runtime.MalformedHandlerName", f"Bad handler '{handler}': {e}")
    try:
        if module_name.split(".")[0] in sys.builtin_module_names:
            raise FaultException(
                "Runtime.BuiltInModuleConflict",
                f"Cannot use built-in module {module_name.split('.')[0]} as a handler module")
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as e:
        raise FaultException("Runtime.ImportModuleError", f"Unable to import module '{module_name}': {e}")
    except SyntaxError as e:
        trace = [f'  File "{e.filename}" Line {e.lineno}\n    {e.text}']
        raise FaultException("Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {e}", trace)
    function = getattr(module, function_name, None)
    if function is None:
        fault = FaultException("Runtime.HandlerNotFound", f"Handler '{function_name}' missing on module '{module_name}'")

        def missing(event, context):
            raise fault
        return missing
    return function


class CognitoIdentity:
    __slots__ = ["cognito_identity_id", "cognito_identity_pool_id"]


class Client:
    __slots__ = ["installation_id", "app_title", "app_version_name", "app_version_code", "app_package_name"]


class ClientContext:
    __slots__ = ["client", "custom", "env"]


def make_client_context(text):
    if not text:
        return None
    data = json.loads(text)
    context = ClientContext()
    context.custom = data.get("custom")
    context.env = data.get("env")
    client = data.get("client")
    context.client = None
    if client is not None:
        context.client = Client()
        for key, attr in (("installation_id", "installation_id"), ("app_title", "app_title"),
                          ("app_version_name", "app_version_name"), ("app_version_code", "app_version_code"),
                          ("app_package_name", "app_package_name")):
            setattr(context.client, attr, client.get(key))
    return context


def make_identity(text):
    identity = CognitoIdentity()
    data = json.loads(text) if text else {}
    identity.cognito_identity_id = data.get("cognitoIdentityId")
    identity.cognito_identity_pool_id = data.get("cognitoIdentityPoolId")
    return identity


class LambdaContext:
    """The `context` argument, with AWS's attributes and method."""

    def __init__(self, request_id, deadline_ms, invoked_function_arn, client_context, identity):
        self.aws_request_id = request_id
        self.invoked_function_arn = invoked_function_arn
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.client_context = make_client_context(client_context)
        self.identity = make_identity(identity)
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(int(self._deadline_ms - time.time() * 1000), 0)

    def __repr__(self):
        return (f"LambdaContext([aws_request_id={self.aws_request_id},log_group_name={self.log_group_name},"
                f"log_stream_name={self.log_stream_name},function_name={self.function_name},"
                f"memory_limit_in_mb={self.memory_limit_in_mb},function_version={self.function_version},"
                f"invoked_function_arn={self.invoked_function_arn},client_context={self.client_context},"
                f"identity={self.identity}])")


class RequestIdFilter(logging.Filter):
    request_id = ""

    def filter(self, record):
        record.aws_request_id = RequestIdFilter.request_id
        return True


def setup_logging():
    """The root logger prints `[LEVEL]\\t<time>Z\\t<request id>\\t<message>`, as on AWS."""
    handler = logging.StreamHandler(sys.stdout)
    formatter = logging.Formatter("[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s",
                                  "%Y-%m-%dT%H:%M:%S")
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.WARNING)


def to_json(value):
    def default(obj):
        import decimal  # only when something is not plain JSON
        if isinstance(obj, decimal.Decimal):
            return float(obj) if obj % 1 else int(obj)
        raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")
    return json.dumps(value, default=default)


def log_error(error):
    lines = [f"[ERROR] {error['errorType']}: {error['errorMessage']}"]
    if error.get("stackTrace"):
        lines.append("Traceback (most recent call last):")
        lines.extend(line.rstrip("\n") for line in error["stackTrace"])
    # One log event, as AWS writes it: continuation lines carry a carriage return.
    sys.stdout.write("\r".join(lines) + "\n")
    sys.stdout.flush()


def init_function():
    """Init: puts the code and layers on sys.path, then imports the handler.
    Returns (handler, None) or (None, error payload)."""
    # Lambda's order: the code, then the layers, ahead of the interpreter's own paths.
    opt = os.environ.get("NIMBUS_OPT_ROOT", "/opt")
    layers = [opt + "/python/lib/python%d.%d/site-packages" % sys.version_info[:2], opt + "/python"]
    sys.path[0:0] = [TASK_ROOT] + [path for path in layers if os.path.isdir(path)]
    importlib.invalidate_caches()
    try:
        return load_handler(os.environ["_HANDLER"]), None
    except FaultException as e:
        return None, make_error(e.message, e.error_type, e.trace)
    except Exception as e:  # an exception raised by the module's own init code
        return None, fault_from_exception(e)


def specialize(client):
    """A pre-initialized environment: the interpreter and this client were started before
    any function was chosen. The first event names the function: its environment
    variables and handler (Nimbus has mounted its code at /var/task by then). Init happens
    here, and its outcome is the answer to that event."""
    response, body = client.next()
    request_id = response.getheader("Lambda-Runtime-Aws-Request-Id")
    spec = json.loads(body)
    os.environ.clear()
    os.environ.update(spec["environment"])
    os.chdir(os.environ.get("LAMBDA_TASK_ROOT", "/var/task"))
    handler, error = init_function()
    if error is not None:
        log_error(error)
        client.error(request_id, error)
        sys.exit(1)
    sys.stdout.flush()
    client.respond(request_id, b"{}")
    return handler


def main():
    global TASK_ROOT
    setup_logging()
    client = RuntimeClient()
    if os.environ.get("NIMBUS_PREWARMED") == "1":
        handler = specialize(client)
        TASK_ROOT = os.environ.get("LAMBDA_TASK_ROOT", TASK_ROOT)
    else:
        handler, error = init_function()
        if error is not None:
            log_error(error)
            client.init_error(error)
            sys.exit(1)

    while True:
        response, body = client.next()
        request_id = response.getheader("Lambda-Runtime-Aws-Request-Id")
        RequestIdFilter.request_id = request_id
        trace_id = response.getheader("Lambda-Runtime-Trace-Id")
        if trace_id:
            os.environ["_X_AMZN_TRACE_ID"] = trace_id
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)
        context = LambdaContext(
            request_id,
            int(response.getheader("Lambda-Runtime-Deadline-Ms") or 0),
            response.getheader("Lambda-Runtime-Invoked-Function-Arn"),
            response.getheader("Lambda-Runtime-Client-Context"),
            response.getheader("Lambda-Runtime-Cognito-Identity"),
        )
        try:
            event = json.loads(body) if body else {}
        except ValueError as e:
            error = make_error(f"Unable to unmarshal input: {e}", "Runtime.UnmarshalError", [], request_id)
            log_error(error)
            client.error(request_id, error)
            continue
        try:
            result = handler(event, context)
        except FaultException as e:
            error = make_error(e.message, e.error_type, e.trace, request_id)
            log_error(error)
            client.error(request_id, error)
            continue
        except Exception as e:
            error = fault_from_exception(e, request_id)
            log_error(error)
            client.error(request_id, error)
            continue
        try:
            payload = to_json(result).encode()
        except (TypeError, ValueError) as e:
            error = make_error(f"Unable to marshal response: {e}", "Runtime.MarshalError", [], request_id)
            log_error(error)
            client.error(request_id, error)
            continue
        sys.stdout.flush()
        sys.stderr.flush()
        client.respond(request_id, payload)


if __name__ == "__main__":
    main()
