import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NimbusControlAPI
import NimbusCore
import NimbusInvoke
import NimbusRuntimeAPI
import NimbusStore
import Testing

@testable import NimbusConsole

/// A metrics component that answers with fixed points.
struct FakeMetrics: FunctionMetricsQuery {
    func series(function: String, window: Duration, step: Duration) -> [MetricPoint] {
        guard function == "hello" else { return [] }
        let start = Date(timeIntervalSince1970: 1_700_000_000)
        return [
            MetricPoint(time: start, invocations: 3, errors: 1, coldStarts: 1, durationP50Ms: 12, durationP99Ms: 40, maxConcurrency: 2),
            MetricPoint(time: start.addingTimeInterval(60), invocations: 4, errors: 0),
        ]
    }
}

/// The console over a real FunctionService and a real database, with one function, `hello`.
struct ConsoleFixture {
    let console: Console
    let registry: FunctionRegistry
    let codeStore: CodeStore

    init(metrics: (any FunctionMetricsQuery)?) throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("nimbus-console-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let logger = Logger(label: "test")
        let account = Account()
        let database = try NimbusDatabase(path: root.appendingPathComponent("db.sqlite").path)
        codeStore = try CodeStore(root: root.appendingPathComponent("code"), database: database)
        registry = try FunctionRegistry(store: SQLiteFunctionStore(database: database))
        let invoker = Invoker(
            registry: registry, codeStore: codeStore, account: account, runtimeAPI: RuntimeAPIServer(),
            sink: LogSink(store: LogStore(database: database), logger: logger),
            launcher: RuntimeLauncher(runtimeDirectory: root.path, python: nil, node: nil), logger: logger
        )
        let functions = FunctionService(
            account: account, registry: registry, codeStore: codeStore,
            layers: LayerService(account: account, store: SQLiteLayerStore(database: database), codeStore: codeStore, logger: logger),
            invoker: invoker, asyncInvoker: AsyncInvoker(invoker: invoker, database: database, logger: logger), logger: logger
        )
        let zip = try makeZip([
            ("bootstrap", Data("#!/bin/sh\necho hi\n".utf8), 0o755),
            ("handler.py", Data("print(1)\n".utf8), 0o644),
        ])
        let stored = try codeStore.store(zip: zip)
        try registry.create(FunctionConfiguration(
            name: "hello", runtime: Runtime(rawValue: "provided.al2023"), role: "arn:aws:iam::000000000000:role/r",
            handler: "bootstrap", codeSHA256Hex: stored.sha256Hex, codeSize: Int64(zip.count)
        ))
        try LogStore(database: database).append((1...3).map {
            FunctionLogEvent(logGroup: "/aws/lambda/hello", logStream: "s", timestamp: 1000 + Int64($0), message: "line \($0)\n")
        })
        console = Console(
            operations: LambdaOperations(functions: functions, releases: ReleaseService(account: account, registry: registry, invoker: invoker)),
            sessions: ConsoleSessions(accessKeyId: "AKID", secretAccessKey: "s3cret"),
            testEvents: ConsoleTestEventStore(database: database), logs: LogStore(database: database), metrics: metrics
        )
    }

    /// Runs `test` with a client and a logged-in session's headers.
    func run(_ test: @escaping @Sendable (any TestClientProtocol, HTTPFields) async throws -> Void) async throws {
        let router = Router()
        router.get("/other") { _, _ in "lambda api" }
        let app = Application(responder: ConsoleRouter(console: console, next: router.buildResponder()))
        try await app.test(.router) { client in
            let login = try await client.execute(
                uri: "/console/api/login", method: .post, headers: [Console.csrfHeader: "1"],
                body: ByteBuffer(string: #"{"accessKeyId":"AKID","secretAccessKey":"s3cret"}"#)
            )
            #expect(login.status == .ok)
            let cookie = try #require(login.headers[.setCookie])
            let token = try #require(cookie.split(separator: ";").first)
            try await test(client, [.cookie: String(token), Console.csrfHeader: "1"])
        }
    }
}

func json(_ body: ByteBuffer) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any])
}

@Suite struct ConsoleAPITests {
    @Test func loginSetsAStrictHttpOnlyCookieAndRefusesWrongCredentials() async throws {
        let fixture = try ConsoleFixture(metrics: nil)
        let app = Application(responder: ConsoleRouter(console: fixture.console, next: Router().buildResponder()))
        try await app.test(.router) { client in
            let wrong = try await client.execute(
                uri: "/console/api/login", method: .post, headers: [Console.csrfHeader: "1"],
                body: ByteBuffer(string: #"{"accessKeyId":"AKID","secretAccessKey":"nope"}"#)
            )
            #expect(wrong.status == .unauthorized)
            #expect(wrong.headers[.setCookie] == nil)
            #expect(try json(wrong.body)["Message"] as? String == "The access key id or secret access key is wrong.")

            let right = try await client.execute(
                uri: "/console/api/login", method: .post, headers: [Console.csrfHeader: "1"],
                body: ByteBuffer(string: #"{"accessKeyId":"AKID","secretAccessKey":"s3cret"}"#)
            )
            let cookie = try #require(right.headers[.setCookie])
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Max-Age=43200"))
        }
    }

    @Test func tooManyWrongLoginsAreAnsweredWith429UntilAMinuteHasPassed() async throws {
        let fixture = try ConsoleFixture(metrics: nil)
        let app = Application(responder: ConsoleRouter(console: fixture.console, next: Router().buildResponder()))
        try await app.test(.router) { client in
            func attempt(_ secret: String) async throws -> TestResponse {
                try await client.execute(
                    uri: "/console/api/login", method: .post, headers: [Console.csrfHeader: "1"],
                    body: ByteBuffer(string: #"{"accessKeyId":"AKID","secretAccessKey":"\#(secret)"}"#)
                )
            }
            for _ in 0..<ConsoleSessions.maxFailures {
                #expect(try await attempt("guess").status == .unauthorized)
            }
            // Locked: even the right secret is refused, so guessing learns nothing.
            let locked = try await attempt("s3cret")
            #expect(locked.status == .tooManyRequests)
            #expect(locked.headers[.setCookie] == nil)
            let wait = try #require(locked.headers[.retryAfter].flatMap { Int($0) })
            #expect((1...60).contains(wait))
            #expect(try json(locked.body)["Message"] as? String == "Too many wrong logins: try again in \(wait) seconds.")
        }
    }

    @Test func theAPINeedsASessionAndMutationsNeedTheConsoleHeader() async throws {
        let fixture = try ConsoleFixture(metrics: nil)
        try await fixture.run { client, session in
            try await client.execute(uri: "/console/api/functions", method: .get) { response in
                #expect(response.status == .unauthorized)
            }
            try await client.execute(uri: "/console/api/functions", method: .get, headers: [.cookie: "nimbus_console=forged"]) { response in
                #expect(response.status == .unauthorized)
            }
            var noHeader = session
            noHeader[Console.csrfHeader] = nil
            try await client.execute(uri: "/console/api/functions/hello/versions", method: .post, headers: noHeader, body: ByteBuffer(string: "{}")) { response in
                #expect(response.status == .forbidden)
            }
            try await client.execute(uri: "/console/api/logout", method: .post, headers: session)
            try await client.execute(uri: "/console/api/functions", method: .get, headers: session) { response in
                #expect(response.status == .unauthorized)
            }
            // Anonymous clients cannot send large bodies: a login is at most 16 KiB.
            let bigLogin = try await client.execute(
                uri: "/console/api/login", method: .post, headers: [Console.csrfHeader: "1"],
                body: ByteBuffer(string: String(repeating: "x", count: 20_000))
            )
            #expect(bigLogin.status == .contentTooLarge)
            // Everything else still reaches the Lambda API.
            try await client.execute(uri: "/other", method: .get) { response in
                #expect(String(buffer: response.body) == "lambda api")
            }
        }
    }

    @Test func functionListCountsTheLastHourFromMetrics() async throws {
        let fixture = try ConsoleFixture(metrics: FakeMetrics())
        try await fixture.run { client, session in
            let response = try await client.execute(uri: "/console/api/functions", method: .get, headers: session)
            let body = try json(response.body)
            #expect(body["metricsAvailable"] as? Bool == true)
            let rows = try #require(body["functions"] as? [[String: Any]])
            #expect(rows.count == 1)
            #expect(rows[0]["name"] as? String == "hello")
            #expect(rows[0]["invocations"] as? Int == 7)
            #expect(rows[0]["errors"] as? Int == 1)
            #expect(rows[0]["state"] as? String == "Active")
            #expect(rows[0]["memorySize"] as? Int == 128)

            let metrics = try json(try await client.execute(uri: "/console/api/functions/hello/metrics?window=day", method: .get, headers: session).body)
            #expect(metrics["available"] as? Bool == true)
            let points = try #require(metrics["points"] as? [[String: Any]])
            #expect(points.count == 2)
            #expect(points[0]["durationP99Ms"] as? Double == 40)
            #expect(points[0]["time"] as? Double == 1_700_000_000_000)
        }
    }

    @Test func withoutMetricsTheConsoleSaysSo() async throws {
        let fixture = try ConsoleFixture(metrics: nil)
        try await fixture.run { client, session in
            let metrics = try json(try await client.execute(uri: "/console/api/functions/hello/metrics", method: .get, headers: session).body)
            #expect(metrics["available"] as? Bool == false)
            #expect(metrics["message"] as? String == "Metrics are not available")
            let list = try json(try await client.execute(uri: "/console/api/functions", method: .get, headers: session).body)
            let rows = try #require(list["functions"] as? [[String: Any]])
            #expect(rows[0]["invocations"] == nil)
        }
    }

    @Test func editingAFileDeploysANewPackage() async throws {
        let fixture = try ConsoleFixture(metrics: nil)
        let before = try #require(fixture.registry.get("hello")).codeSHA256Hex
        try await fixture.run { client, session in
            let files = try json(try await client.execute(uri: "/console/api/functions/hello/code", method: .get, headers: session).body)
            #expect((files["files"] as? [[String: Any]])?.compactMap { $0["path"] as? String } == ["bootstrap", "handler.py"])
            let file = try json(try await client.execute(uri: "/console/api/functions/hello/code/file?path=handler.py", method: .get, headers: session).body)
            #expect(file["content"] as? String == "print(1)\n")
            let saved = try await client.execute(
                uri: "/console/api/functions/hello/code/file", method: .put, headers: session,
                body: ByteBuffer(string: #"{"path":"handler.py","content":"print(2)\n"}"#)
            )
            #expect(saved.status == .ok)
            #expect(try json(saved.body)["CodeSha256"] is String)
        }
        let after = try #require(fixture.registry.get("hello")).codeSHA256Hex
        #expect(after != before)
        let zip = try #require(FileManager.default.contents(atPath: fixture.codeStore.zipPath(for: after)))
        #expect(try ZipEditor.read("handler.py", in: zip) == "print(2)\n")
    }

    @Test func lambdaErrorsArePassedThroughAsAWSSendsThem() async throws {
        let fixture = try ConsoleFixture(metrics: nil)
        try await fixture.run { client, session in
            let tooSmall = try await client.execute(
                uri: "/console/api/functions/hello/configuration", method: .put, headers: session, body: ByteBuffer(string: #"{"MemorySize":100}"#)
            )
            #expect(tooSmall.status == .badRequest)
            #expect(tooSmall.headers[HTTPField.Name("X-Amzn-ErrorType")!] == "ValidationException")
            #expect(try json(tooSmall.body)["message"] as? String == "1 validation error detected: Value '100' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128")
            let missing = try await client.execute(uri: "/console/api/functions/nope", method: .get, headers: session)
            #expect(missing.status == .notFound)
            #expect(try json(missing.body)["Message"] as? String == "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope")
        }
    }

    @Test func testEventsAreSavedListedAndValidated() async throws {
        let fixture = try ConsoleFixture(metrics: nil)
        try await fixture.run { client, session in
            let saved = try await client.execute(uri: "/console/api/functions/hello/events/ping", method: .put, headers: session, body: ByteBuffer(string: #"{"a":1}"#))
            #expect(saved.status == .ok)
            let bad = try await client.execute(uri: "/console/api/functions/hello/events/ping", method: .put, headers: session, body: ByteBuffer(string: "{nope"))
            #expect(bad.status == .badRequest)
            #expect(try json(bad.body)["Message"] as? String == "The event must be valid JSON.")
            let badName = try await client.execute(uri: "/console/api/functions/hello/events/a%20b", method: .put, headers: session, body: ByteBuffer(string: "{}"))
            #expect(badName.status == .badRequest)
            let list = try await client.execute(uri: "/console/api/functions/hello/events", method: .get, headers: session)
            let events = try #require(try JSONSerialization.jsonObject(with: Data(buffer: list.body)) as? [[String: Any]])
            #expect(events.count == 1)
            #expect(events[0]["name"] as? String == "ping")
            #expect(events[0]["payload"] as? String == #"{"a":1}"#)
        }
    }

    @Test func logsStartWithTheTailAndFollowAfterAnId() async throws {
        let fixture = try ConsoleFixture(metrics: nil)
        try await fixture.run { client, session in
            let first = try json(try await client.execute(uri: "/console/api/functions/hello/logs", method: .get, headers: session).body)
            let lines = try #require(first["events"] as? [[String: Any]])
            #expect(lines.compactMap { $0["message"] as? String } == ["line 1\n", "line 2\n", "line 3\n"])
            let lastId = try #require(lines.last?["id"] as? Int)
            let next = try json(try await client.execute(uri: "/console/api/functions/hello/logs?after=\(lastId - 1)", method: .get, headers: session).body)
            #expect((next["events"] as? [[String: Any]])?.compactMap { $0["message"] as? String } == ["line 3\n"])
        }
    }

    @Test func staticFilesAndVendorPathsAreServedSafely() async throws {
        let fixture = try ConsoleFixture(metrics: nil)
        try await fixture.run { client, _ in
            let index = try await client.execute(uri: "/console/", method: .get)
            #expect(index.status == .ok)
            #expect(String(buffer: index.body).contains("/console/app.js"))
            #expect(index.headers[.contentType] == "text/html; charset=utf-8")
            let redirect = try await client.execute(uri: "/console", method: .get)
            #expect(redirect.status == .found)
            let escape = try await client.execute(uri: "/console/vendor/codemirror/../../../../etc/passwd", method: .get)
            #expect(escape.status == .notFound)
        }
    }
}
