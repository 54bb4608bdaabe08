import Foundation

/// One step of a function's recent activity, for the console's graphs.
public struct MetricPoint: Sendable, Codable, Equatable {
    /// The start of the step.
    public var time: Date
    public var invocations: Int
    public var errors: Int
    public var throttles: Int
    public var coldStarts: Int
    /// Duration percentiles of the step's invocations, in milliseconds; nil without any.
    public var durationP50Ms: Double?
    public var durationP99Ms: Double?
    /// The most invocations running at once during the step.
    public var maxConcurrency: Int

    public init(
        time: Date, invocations: Int = 0, errors: Int = 0, throttles: Int = 0, coldStarts: Int = 0,
        durationP50Ms: Double? = nil, durationP99Ms: Double? = nil, maxConcurrency: Int = 0
    ) {
        self.time = time
        self.invocations = invocations
        self.errors = errors
        self.throttles = throttles
        self.coldStarts = coldStarts
        self.durationP50Ms = durationP50Ms
        self.durationP99Ms = durationP99Ms
        self.maxConcurrency = maxConcurrency
    }
}

/// Recent per-function time series (the metrics component answers; the console asks).
public protocol FunctionMetricsQuery: Sendable {
    /// The function's activity over the last `window` (for example one hour or one day),
    /// oldest first, one point per `step`; steps without activity are zero points.
    func series(function: String, window: Duration, step: Duration) -> [MetricPoint]
}
