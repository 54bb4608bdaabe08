import Foundation
import NimbusCore

/// What the console shows from the metrics component, when there is one.
struct ConsoleMetrics: Sendable {
    let query: (any FunctionMetricsQuery)?

    static let unavailable = "Metrics are not available"

    /// The graph windows: one hour by the minute, one day by the quarter hour.
    enum Window: String {
        case hour, day
        var length: Duration { self == .hour ? .seconds(3600) : .seconds(86_400) }
        var step: Duration { self == .hour ? .seconds(60) : .seconds(900) }
    }

    /// Invocations and errors over the last hour, for the function list; nil without metrics.
    func lastHour(_ function: String) -> (invocations: Int, errors: Int)? {
        guard let query else { return nil }
        let points = query.series(function: function, window: Window.hour.length, step: Window.hour.step)
        return (points.reduce(0) { $0 + $1.invocations }, points.reduce(0) { $0 + $1.errors })
    }

    /// The body of `GET .../metrics?window=hour|day`.
    func seriesJSON(_ function: String, window: Window) -> Data {
        struct Body: Encodable {
            var available: Bool
            var message: String?
            var window: String
            var points: [MetricPoint]
        }
        var body = Body(available: query != nil, message: query == nil ? Self.unavailable : nil, window: window.rawValue, points: [])
        if let query {
            body.points = query.series(function: function, window: window.length, step: window.step)
        }
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .millisecondsSince1970
        return (try? encoder.encode(body)) ?? Data("{}".utf8)
    }
}
