// Nimbus's runtime interface client for Node.js: the Lambda Runtime API loop.
//
// Started as `node index.mjs` with Lambda's environment. It loads the handler named by
// _HANDLER from LAMBDA_TASK_ROOT once (init), then serves invocations until the
// environment ends. Handlers may be async or take a callback; errors and console
// lines follow AWS's Node.js runtime.
import http from "node:http";
import path from "node:path";
import fs from "node:fs";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import util from "node:util";

const [HOST, PORT] = (() => {
  const api = process.env.AWS_LAMBDA_RUNTIME_API;
  const i = api.lastIndexOf(":");
  return [api.slice(0, i), Number(api.slice(i + 1))];
})();
const PREFIX = "/2018-06-01/runtime";
const TASK_ROOT = process.env.LAMBDA_TASK_ROOT || process.cwd();
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function call(method, p, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: HOST, port: PORT, path: PREFIX + p, method, agent, headers }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    if (body !== undefined) req.end(body); else req.end();
  });
}

function errorPayload(err) {
  if (err && typeof err === "object") {
    return {
      errorType: err.name || err.constructor?.name || "Error",
      errorMessage: err.message ?? String(err),
      trace: typeof err.stack === "string" ? err.stack.split("\n") : [],
    };
  }
  return { errorType: typeof err === "string" ? "string" : typeof err, errorMessage: String(err), trace: [] };
}

class RuntimeError extends Error {
  constructor(type, message, cause) {
    super(message);
    this.name = type;
    if (cause?.stack) this.stack = `${type}: ${message}\n${cause.stack.split("\n").slice(1).join("\n")}`;
  }
}

// console.* writes `<time>\t<request id>\t<LEVEL>\t<message>`, one event per call.
let currentRequestId = undefined;
function patchConsole() {
  const write = (level) => (...args) => {
    const message = util.format(...args).replace(/\n/g, "\r");
    process.stdout.write(`${new Date().toISOString()}\t${currentRequestId ?? "undefined"}\t${level}\t${message}\n`);
  };
  console.log = write("INFO");
  console.info = write("INFO");
  console.warn = write("WARN");
  console.error = write("ERROR");
  console.debug = write("DEBUG");
  console.trace = write("TRACE");
}

async function loadHandler(handlerString) {
  const match = /^([^.]*?)\.(.*)$/.exec(path.basename(handlerString));
  if (!match) throw new RuntimeError("Runtime.MalformedHandlerName", `Bad handler ${handlerString}`);
  const modulePath = path.join(path.dirname(handlerString), match[1]);
  const functionPath = match[2];
  const base = path.resolve(TASK_ROOT, modulePath);
  let module;
  const candidates = [".js", ".mjs", ".cjs"].map((ext) => base + ext).filter((f) => fs.existsSync(f));
  try {
    if (candidates.length === 0) {
      // Let require produce Node's own "Cannot find module" error, as AWS's runtime does.
      const require = createRequire(path.join(TASK_ROOT, "index.js"));
      module = require(modulePath.startsWith(".") ? modulePath : "./" + modulePath);
    } else if (candidates[0].endsWith(".mjs")) {
      module = await import(pathToFileURL(candidates[0]).href);
    } else {
      try {
        module = createRequire(candidates[0])(candidates[0]);
      } catch (e) {
        if (e.code !== "ERR_REQUIRE_ESM") throw e;
        module = await import(pathToFileURL(candidates[0]).href);
      }
    }
  } catch (e) {
    if (e instanceof SyntaxError) {
      throw new RuntimeError("Runtime.UserCodeSyntaxError", `${e.name}: ${e.message}`, e);
    }
    if (e.code === "MODULE_NOT_FOUND" || e.code === "ERR_MODULE_NOT_FOUND") {
      throw new RuntimeError("Runtime.ImportModuleError", `Error: ${e.message}`, e);
    }
    throw e;
  }
  let handler = module;
  for (const part of functionPath.split(".")) handler = handler?.[part];
  if (handler === undefined && module?.default) {
    handler = module.default;
    for (const part of functionPath.split(".")) handler = handler?.[part];
  }
  if (handler === undefined) {
    throw new RuntimeError("Runtime.HandlerNotFound", `${handlerString} is undefined or not exported`);
  }
  if (typeof handler !== "function") {
    throw new RuntimeError("Runtime.HandlerNotFound", `${handlerString} is not a function`);
  }
  return handler;
}

function makeContext(headers, finish) {
  const deadline = Number(headers["lambda-runtime-deadline-ms"] || 0);
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: headers["lambda-runtime-invoked-function-arn"],
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: headers["lambda-runtime-aws-request-id"],
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    getRemainingTimeInMillis: () => Math.max(deadline - Date.now(), 0),
    // Legacy API of the Node.js runtime.
    succeed: (result) => finish(null, result),
    fail: (err) => finish(err ?? "handled"),
    done: (err, result) => finish(err, result),
  };
  if (headers["lambda-runtime-client-context"]) context.clientContext = JSON.parse(headers["lambda-runtime-client-context"]);
  if (headers["lambda-runtime-cognito-identity"]) context.identity = JSON.parse(headers["lambda-runtime-cognito-identity"]);
  return context;
}

async function postError(path_, err) {
  const payload = errorPayload(err);
  console.error(`${payload.errorType}: ${payload.errorMessage}` + (payload.trace.length ? "\n" + payload.trace.slice(1).join("\n") : ""));
  await call("POST", path_, JSON.stringify(payload), {
    "Content-Type": "application/json",
    "Lambda-Runtime-Function-Error-Type": payload.errorType,
  });
}

// Runs one invocation; resolves with [error, result] once the handler has finished.
function runHandler(handler, event, headers) {
  return new Promise((resolve) => {
    let settled = false;
    let context;
    const finish = (err, result) => {
      if (settled) return;
      settled = true;
      const done = () => resolve([err ?? null, result]);
      if (context.callbackWaitsForEmptyEventLoop && handler.length >= 3) {
        // Wait until the function's own work has drained, as AWS does for callbacks.
        process.once("beforeExit", done);
      } else {
        done();
      }
    };
    context = makeContext(headers, finish);
    try {
      const returned = handler(event, context, finish);
      if (returned && typeof returned.then === "function") {
        returned.then((result) => finish(null, result), (err) => finish(err ?? new Error("rejected")));
      } else if (handler.length < 3) {
        finish(null, returned);
      }
    } catch (err) {
      finish(err);
    }
  });
}

// A pre-initialized environment: Node and this client started before any function was
// chosen. The first event names the function (its environment variables and handler;
// Nimbus has mounted its code at /var/task by then). Init happens here, and its outcome
// is the answer to that event.
async function specialize() {
  // Warm what loading a handler uses before the function is known: Node builds its
  // module loaders lazily, and the first import() otherwise pays for that during init.
  await import("data:text/javascript,export default 0");
  createRequire(path.join(TASK_ROOT, "index.js"));
  const { headers, body } = await call("GET", "/invocation/next");
  const requestId = headers["lambda-runtime-aws-request-id"];
  const spec = JSON.parse(body.toString("utf8"));
  // Only touch what differs: changing TZ makes Node reset its time zone (~7 ms), and the
  // pool's TZ is usually the function's.
  for (const key of Object.keys(process.env)) {
    if (!Object.hasOwn(spec.environment, key)) delete process.env[key];
  }
  for (const [key, value] of Object.entries(spec.environment)) {
    if (process.env[key] !== value) process.env[key] = value;
  }
  process.chdir(process.env.LAMBDA_TASK_ROOT || TASK_ROOT);
  try {
    const handler = await loadHandler(process.env._HANDLER || "");
    await call("POST", `/invocation/${requestId}/response`, "{}", { "Content-Type": "application/json" });
    return handler;
  } catch (err) {
    await postError(`/invocation/${requestId}/error`, err);
    process.exit(1);
  }
}

async function main() {
  patchConsole();
  let handler;
  if (process.env.NIMBUS_PREWARMED === "1") {
    handler = await specialize();
  } else {
    try {
      handler = await loadHandler(process.env._HANDLER || "");
    } catch (err) {
      await postError("/init/error", err);
      process.exit(1);
    }
  }
  for (;;) {
    const { headers, body } = await call("GET", "/invocation/next");
    const requestId = headers["lambda-runtime-aws-request-id"];
    currentRequestId = requestId;
    if (headers["lambda-runtime-trace-id"]) process.env._X_AMZN_TRACE_ID = headers["lambda-runtime-trace-id"];
    let event;
    try {
      event = body.length ? JSON.parse(body.toString("utf8")) : {};
    } catch (err) {
      await postError(`/invocation/${requestId}/error`, new RuntimeError("Runtime.UnmarshalError", `Unable to parse event: ${err.message}`));
      continue;
    }
    const [err, result] = await runHandler(handler, event, headers);
    if (err !== null && err !== undefined) {
      await postError(`/invocation/${requestId}/error`, err);
      continue;
    }
    let payload;
    try {
      payload = JSON.stringify(result === undefined ? null : result);
    } catch (e) {
      await postError(`/invocation/${requestId}/error`, new RuntimeError("Runtime.MarshalError", `Unable to stringify response body: ${e.message}`));
      continue;
    }
    await call("POST", `/invocation/${requestId}/response`, payload, { "Content-Type": "application/json" });
  }
}

main().catch((err) => {
  process.stderr.write(`Nimbus runtime failure: ${err?.stack ?? err}\n`);
  process.exit(1);
});
