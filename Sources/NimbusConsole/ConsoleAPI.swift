import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NimbusControlAPI
import NimbusCore
import NimbusStore

/// One authenticated request to `/console/api/...`.
///
/// Lambda operations go through ``LambdaOperations`` and answer with AWS's JSON and
/// errors, which the page shows as they are.
struct ConsoleAPI {
    let console: Console
    let request: Request
    let body: ByteBuffer
    let requestId: String

    func route(_ route: String) async throws(LambdaError) -> Response {
        let parts = route.split(separator: "/", omittingEmptySubsequences: false).map { String($0).removingPercentEncoding ?? String($0) }
        let method = request.method
        switch (method, parts.first ?? "", parts.count) {
        case (.get, "session", 1):
            return Console.json(["accessKeyId": console.sessions.accessKeyId])
        case (.get, "functions", 1):
            return try await functionList()
        case (_, "functions", 2...):
            return try await function(parts[1], rest: Array(parts.dropFirst(2)))
        default:
            return Console.message(404, "NotFound", "Unknown console operation: \(method.rawValue) \(route)")
        }
    }

    private func function(_ name: String, rest: [String]) async throws(LambdaError) -> Response {
        let host = request.head.authority
        let operations = console.operations
        switch (request.method, rest.first ?? "", rest.count) {
        case (.get, "", 0):
            return try operations.getFunction(name, host: host)
        case (.put, "configuration", 1):
            return try operations.updateConfiguration(name, body: body)
        case (.get, "versions", 1):
            return try operations.listVersions(name)
        case (.post, "versions", 1):
            return try operations.publishVersion(name, body: body)
        case (.get, "aliases", 1):
            return try operations.listAliases(name)
        case (.post, "aliases", 1):
            return try operations.createAlias(name, body: body)
        case (.put, "aliases", 2):
            return try operations.updateAlias(name, alias: rest[1], body: body)
        case (.post, "invoke", 1):
            return try await invoke(name)
        case (.get, "code", 1):
            return try code(name) { (zip: Data) throws(ZipEditor.Refusal) -> Response in try Console.json(["files": ZipEditor.files(in: zip)]) }
        case (.get, "code", 2) where rest[1] == "file":
            let path = request.uri.queryParameters["path"].map(String.init) ?? ""
            return try code(name) { (zip: Data) throws(ZipEditor.Refusal) -> Response in
                try Console.json(["path": path, "content": ZipEditor.read(path, in: zip)])
            }
        case (.put, "code", 2) where rest[1] == "file":
            struct Edit: Decodable { var path: String; var content: String }
            guard let edit = try? JSONDecoder().decode(Edit.self, from: Data(buffer: body)) else {
                return Console.message(400, "BadRequest", "Send path and content.")
            }
            var rebuilt: Data?
            let refused = try code(name) { (zip: Data) throws(ZipEditor.Refusal) -> Response in
                rebuilt = try ZipEditor.replacing(edit.path, with: edit.content, in: zip)
                return Console.json(Data())
            }
            guard let rebuilt else { return refused }
            return try operations.updateCode(name, zip: rebuilt)
        case (.get, "events", 1):
            _ = try operations.getFunction(name, host: host)
            return try Console.json(store { () throws(StoreError) -> [ConsoleTestEvent] in try console.testEvents.events(function: name) })
        case (.put, "events", 2):
            return try saveEvent(name, eventName: rest[1])
        case (.delete, "events", 2):
            _ = try operations.getFunction(name, host: host)
            let existed = try store { () throws(StoreError) -> Bool in try console.testEvents.delete(name: rest[1], function: name) }
            return existed ? Console.json(Data("{}".utf8)) : Console.message(404, "NotFound", "No test event \(rest[1]).")
        case (.get, "metrics", 1):
            let window = ConsoleMetrics.Window(rawValue: request.uri.queryParameters["window"].map(String.init) ?? "hour") ?? .hour
            return Console.json(console.metrics.seriesJSON(name, window: window))
        case (.get, "logs", 1):
            return try logLines(name)
        default:
            return Console.message(404, "NotFound", "Unknown console operation: \(request.method.rawValue) \(request.uri.path)")
        }
    }

    // MARK: Function list

    private func functionList() async throws(LambdaError) -> Response {
        struct Page: Decodable {
            struct Item: Decodable {
                var FunctionName: String
                var Runtime: String?
                var MemorySize: Int?
                var LastModified: String?
                var State: String?
            }
            var Functions: [Item]
            var NextMarker: String?
        }
        struct Row: Encodable {
            var name: String
            var state: String?
            var runtime: String?
            var memorySize: Int?
            var lastModified: String?
            var invocations: Int?
            var errors: Int?
        }
        var rows: [Row] = []
        var marker: String?
        repeat {
            let response = try console.operations.listFunctions(marker: marker)
            guard let page = try? JSONDecoder().decode(Page.self, from: await Self.data(response)) else { throw LambdaError.internalFailure }
            for item in page.Functions {
                // ListFunctions, as AWS's, has no State: GetFunctionConfiguration says it.
                struct Settled: Decodable { var State: String? }
                let settled = try? JSONDecoder().decode(Settled.self, from: await Self.data(try console.operations.getConfiguration(item.FunctionName)))
                let activity = console.metrics.lastHour(item.FunctionName)
                rows.append(Row(
                    name: item.FunctionName, state: settled?.State ?? item.State, runtime: item.Runtime, memorySize: item.MemorySize,
                    lastModified: item.LastModified, invocations: activity?.invocations, errors: activity?.errors
                ))
            }
            marker = page.NextMarker
        } while marker != nil
        struct Body: Encodable { var functions: [Row]; var metricsAvailable: Bool }
        return Console.json(Body(functions: rows, metricsAvailable: console.metrics.query != nil))
    }

    // MARK: Invoke

    private func invoke(_ name: String) async throws(LambdaError) -> Response {
        let clock = ContinuousClock()
        let started = clock.now
        let qualifier = request.uri.queryParameters["qualifier"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        let response = try await console.operations.invoke(name, qualifier: qualifier, payload: body, requestId: requestId)
        let elapsed = clock.now - started
        struct Result: Encodable {
            var requestId: String
            var statusCode: Int
            var functionError: String?
            var payload: String
            var durationMs: Double
            var logTail: String
            var executedVersion: String?
        }
        let tail = response.headers[HTTPField.Name("X-Amz-Log-Result")!].flatMap { Data(base64Encoded: $0) }
        let result = Result(
            requestId: response.headers[HTTPField.Name("X-Amzn-RequestId")!] ?? requestId,
            statusCode: Int(response.status.code),
            functionError: response.headers[HTTPField.Name("X-Amz-Function-Error")!],
            payload: String(decoding: await Self.data(response), as: UTF8.self),
            durationMs: Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15,
            logTail: tail.map { String(decoding: $0, as: UTF8.self) } ?? "",
            executedVersion: response.headers[HTTPField.Name("X-Amz-Executed-Version")!]
        )
        return Console.json(result)
    }

    // MARK: Code

    /// Runs `body` on the function's current package; a refusal becomes a 422 with its message.
    private func code(_ name: String, _ body: (Data) throws(ZipEditor.Refusal) -> Response) throws(LambdaError) -> Response {
        _ = try console.operations.getFunction(name, host: nil)
        guard let configuration = console.operations.registry.get(try FunctionIdentifier.parse(name).name) else {
            throw LambdaError.internalFailure
        }
        if configuration.packageType != "Zip" {
            return Console.message(422, "UnsupportedPackage", "Only .zip packages can be edited in the console.")
        }
        let path = console.operations.codeStore.zipPath(for: configuration.codeSHA256Hex)
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        if let size = (attributes?[.size] as? NSNumber)?.intValue, size > ZipEditor.maximumPackageSize {
            return Console.message(422, "UnsupportedPackage", "The package is \(size) bytes; the console edits packages up to 1 MB (1048576 bytes).")
        }
        guard let zip = FileManager.default.contents(atPath: path) else {
            return Console.message(422, "UnsupportedPackage", "The package is not available on this server.")
        }
        do {
            return try body(zip)
        } catch {
            return Console.message(422, "UnsupportedPackage", error.message)
        }
    }

    // MARK: Test events

    private func saveEvent(_ name: String, eventName: String) throws(LambdaError) -> Response {
        _ = try console.operations.getFunction(name, host: nil)
        guard Self.isEventName(eventName) else {
            return Console.message(400, "InvalidEventName", "An event name has 1 to 25 letters, digits, '-' or '_'.")
        }
        let payload = Data(buffer: body)
        guard (try? JSONSerialization.jsonObject(with: payload, options: [.fragmentsAllowed])) != nil else {
            return Console.message(400, "InvalidEventPayload", "The event must be valid JSON.")
        }
        let event = ConsoleTestEvent(name: eventName, payload: String(decoding: payload, as: UTF8.self))
        try store { () throws(StoreError) -> Void in try console.testEvents.save(event, function: name) }
        return Console.json(event)
    }

    /// As the AWS console's test event names.
    static func isEventName(_ name: String) -> Bool {
        (1...25).contains(name.count) && name.unicodeScalars.allSatisfy {
            CharacterSet.alphanumerics.contains($0) && $0.isASCII || $0 == "-" || $0 == "_"
        }
    }

    // MARK: Logs

    private func logLines(_ name: String) throws(LambdaError) -> Response {
        _ = try console.operations.getFunction(name, host: nil)
        let plainName = try FunctionIdentifier.parse(name).name
        let logGroup = console.operations.registry.get(plainName)?.logGroup ?? "/aws/lambda/\(plainName)"
        let after = request.uri.queryParameters["after"].flatMap { Int64($0) }
        let events = try store { () throws(StoreError) -> [FunctionLogEvent] in
            if let after {
                return try console.logs.events(logGroup: logGroup, afterId: after, limit: 1000)
            }
            return try console.logs.recentEvents(logGroup: logGroup, limit: 500)
        }
        struct Line: Encodable { var id: Int64; var timestamp: Int64; var stream: String; var message: String }
        struct Body: Encodable { var logGroup: String; var events: [Line] }
        return Console.json(Body(logGroup: logGroup, events: events.map { Line(id: $0.id, timestamp: $0.timestamp, stream: $0.logStream, message: $0.message) }))
    }

    // MARK: Helpers

    private func store<T>(_ work: () throws(StoreError) -> T) throws(LambdaError) -> T {
        do {
            return try work()
        } catch {
            throw LambdaError.internalFailure
        }
    }

    /// A service response's body.
    static func data(_ response: Response) async -> Data {
        let box = CollectedBody()
        try? await response.body.write(CollectingWriter(box: box))
        return box.data
    }
}

/// Where ``CollectingWriter`` puts the bytes (the writer itself is consumed).
private final class CollectedBody: @unchecked Sendable {
    var data = Data()
}

/// Reads a service `Response`'s body in-process, as a client would receive it.
private struct CollectingWriter: ResponseBodyWriter {
    let box: CollectedBody
    mutating func write(_ buffer: ByteBuffer) async throws { box.data.append(contentsOf: buffer.readableBytesView) }
    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
