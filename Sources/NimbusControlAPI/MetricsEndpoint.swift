import Foundation
import Hummingbird
import NIOCore
import NimbusCore

/// `GET /metrics` (Prometheus text exposition, unauthenticated, as Prometheus scrapes) and
/// `GET /_nimbus/metrics/series` (signed; the console's per-minute series).
///
/// The Prometheus registry lives in NimbusServer; this target only gets a closure that
/// renders it, so the API layer does not depend on the exporter.
public struct MetricsEndpoint: Sendable {
    /// Renders every metric in the text exposition format (refreshing scrape-time gauges first).
    let render: @Sendable () -> [UInt8]
    let query: any FunctionMetricsQuery
    /// Whether a function exists (the series of an unknown function is a 404).
    let functionExists: @Sendable (String) -> Bool

    public init(render: @escaping @Sendable () -> [UInt8], query: any FunctionMetricsQuery, functionExists: @escaping @Sendable (String) -> Bool) {
        self.render = render
        self.query = query
        self.functionExists = functionExists
    }

    /// Whether a request is a Prometheus scrape.
    static func isScrape(_ request: Request) -> Bool {
        guard request.method == .get, let path = request.head.path else { return false }
        return path == "/metrics" || path.hasPrefix("/metrics?")
    }

    func scrape() -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: render())))
    }

    /// `function` (required), `window` and `step` in seconds (defaults 3600 and 60): the
    /// step is a whole number of minutes, the window at most a day and at least one step.
    func series(query: [String: String]) throws(LambdaError) -> Response {
        guard let function = query["function"], !function.isEmpty else {
            throw LambdaError(.invalidParameterValue, "function is required")
        }
        guard functionExists(function) else {
            throw LambdaError(.resourceNotFound, "Function not found: \(function)")
        }
        let window = try Self.seconds(query["window"], name: "window", default: 3600, range: 60...86_400)
        let step = try Self.seconds(query["step"], name: "step", default: 60, range: 60...86_400)
        guard step % 60 == 0, step <= window else {
            throw LambdaError(.invalidParameterValue, "step must be a whole number of minutes, at most window")
        }
        let points = self.query.series(function: function, window: .seconds(window), step: .seconds(step))
        guard let data = try? JSONEncoder().encode(SeriesOutput(function: function, points: points.map(SeriesOutput.Point.init))) else {
            throw .internalFailure
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    private static func seconds(_ text: String?, name: String, default value: Int, range: ClosedRange<Int>) throws(LambdaError) -> Int {
        guard let text else { return value }
        guard let seconds = Int(text), range.contains(seconds) else {
            throw LambdaError(.invalidParameterValue, "\(name) must be an integer number of seconds from \(range.lowerBound) to \(range.upperBound)")
        }
        return seconds
    }
}

/// The series route's answer (camelCase keys, unlike the Lambda API's PascalCase); `time`
/// is the step's start in epoch seconds; percentiles are null for a step without invocations.
struct SeriesOutput: Encodable {
    struct Point: Encodable {
        var time: Int
        var invocations: Int
        var errors: Int
        var throttles: Int
        var coldStarts: Int
        var durationP50Ms: Double?
        var durationP99Ms: Double?
        var maxConcurrency: Int

        enum CodingKeys: String, CodingKey {
            case time, invocations, errors, throttles, coldStarts, durationP50Ms, durationP99Ms, maxConcurrency
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(time, forKey: .time)
            try container.encode(invocations, forKey: .invocations)
            try container.encode(errors, forKey: .errors)
            try container.encode(throttles, forKey: .throttles)
            try container.encode(coldStarts, forKey: .coldStarts)
            try container.encode(durationP50Ms, forKey: .durationP50Ms)
            try container.encode(durationP99Ms, forKey: .durationP99Ms)
            try container.encode(maxConcurrency, forKey: .maxConcurrency)
        }

        init(_ point: MetricPoint) {
            time = Int(point.time.timeIntervalSince1970)
            invocations = point.invocations
            errors = point.errors
            throttles = point.throttles
            coldStarts = point.coldStarts
            durationP50Ms = point.durationP50Ms
            durationP99Ms = point.durationP99Ms
            maxConcurrency = point.maxConcurrency
        }
    }

    var function: String
    var points: [Point]
}
