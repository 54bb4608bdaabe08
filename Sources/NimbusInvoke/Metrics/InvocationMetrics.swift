import CoreMetrics
import Foundation
import NimbusCore
import Synchronization

/// Invocation metrics: swift-metrics counters, gauges and histograms per function and
/// version (Prometheus scrapes them from `/metrics`), and a 24-hour per-minute series per
/// function for the console (``FunctionMetricsQuery``).
///
/// The invoke path never looks anything up by label: each version's metric objects are
/// made once and kept on its ``FunctionPool`` (``VersionMetrics``), so an invocation costs
/// a few atomic increments and one uncontended lock (the function's minute series).
public final class InvocationMetrics: FunctionMetricsQuery, Sendable {
    /// Metric names: AWS's CloudWatch names for Lambda in snake case, prefixed `nimbus_`.
    public enum Name {
        public static let invocations = "nimbus_invocations"
        public static let errors = "nimbus_errors"
        public static let throttles = "nimbus_throttles"
        /// Milliseconds, as AWS's `Duration`.
        public static let duration = "nimbus_duration_ms"
        public static let concurrentExecutions = "nimbus_concurrent_executions"
        public static let coldStarts = "nimbus_cold_starts"
        /// Milliseconds from spawn to the runtime's first `/next`.
        public static let initDuration = "nimbus_init_duration_ms"
        public static let asyncEventsPending = "nimbus_async_events_pending"
        /// Milliseconds since the oldest queued Event invocation was accepted (AWS: AsyncEventAge).
        public static let asyncEventAge = "nimbus_async_event_age_ms"
        /// Per event source mapping: SQS messages waiting, or Kinesis records behind the checkpoint.
        public static let eventSourceLag = "nimbus_event_source_lag"
    }

    /// Histogram buckets for ``Name/duration`` and ``Name/initDuration``, in ms: 0.1 ms to 15 minutes.
    public static let durationBucketsMs: [Double] = [
        0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 900000,
    ]

    let factory: any MetricsFactory
    private let series = Mutex<[String: FunctionSeries]>([:])
    private let clock: @Sendable () -> Date

    /// - Parameter factory: where the metric objects are made (the server's Prometheus
    ///   factory; a test's own).
    public init(factory: any MetricsFactory, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.factory = factory
        self.clock = clock
    }

    /// The metric objects of one version, made now; the caller keeps them.
    func makeVersionMetrics(function: String, version: String) -> VersionMetrics {
        let functionSeries = series.withLock { all in
            if let existing = all[function] { return existing }
            let made = FunctionSeries()
            all[function] = made
            return made
        }
        return VersionMetrics(function: function, version: version, factory: factory, series: functionSeries, clock: clock)
    }

    public func series(function: String, window: Duration, step: Duration) -> [MetricPoint] {
        let now = Int(clock().timeIntervalSince1970) / 60
        let stepMinutes = Int(step.components.seconds / 60)
        let windowMinutes = Int(window.components.seconds / 60)
        guard let functionSeries = series.withLock({ $0[function] }) else {
            return MinuteSeries().series(nowMinute: now, windowMinutes: windowMinutes, stepMinutes: stepMinutes)
        }
        return functionSeries.state.withLock {
            $0.series(nowMinute: now, windowMinutes: windowMinutes, stepMinutes: stepMinutes)
        }
    }

    /// Forgets a deleted function's series (its Prometheus counters stay, as counters do).
    public func functionDeleted(_ name: String) {
        series.withLock { _ = $0.removeValue(forKey: name) }
    }
}

/// A function's minute series and the number of its invocations running now (all versions).
final class FunctionSeries: Sendable {
    let state = Mutex(MinuteSeries())
    let running = Atomic<Int>(0)
}

/// One version's metric objects, made once and kept on its pool.
final class VersionMetrics: Sendable {
    let invocations: Counter
    let errors: Counter
    let throttles: Counter
    let duration: Recorder
    let concurrent: Meter
    let coldStarts: Counter
    let initDuration: Recorder
    let series: FunctionSeries
    let clock: @Sendable () -> Date

    init(function: String, version: String, factory: any MetricsFactory, series: FunctionSeries, clock: @escaping @Sendable () -> Date) {
        let labels = [("function_name", function), ("version", version)]
        typealias Name = InvocationMetrics.Name
        invocations = Counter(label: Name.invocations, dimensions: labels, factory: factory)
        errors = Counter(label: Name.errors, dimensions: labels, factory: factory)
        throttles = Counter(label: Name.throttles, dimensions: labels, factory: factory)
        duration = Recorder(label: Name.duration, dimensions: labels, aggregate: true, factory: factory)
        concurrent = Meter(label: Name.concurrentExecutions, dimensions: labels, factory: factory)
        coldStarts = Counter(label: Name.coldStarts, dimensions: labels, factory: factory)
        initDuration = Recorder(label: Name.initDuration, dimensions: labels, aggregate: true, factory: factory)
        self.series = series
        self.clock = clock
    }

    private var minute: Int { Int(clock().timeIntervalSince1970) / 60 }

    /// A request refused for concurrency (429).
    func throttled() {
        throttles.increment()
        let minute = self.minute
        series.state.withLock { $0.recordThrottle(minute: minute) }
    }

    /// An invocation starts running; returns the function's invocations running now.
    func began() -> Int {
        concurrent.increment()
        return series.running.wrappingAdd(1, ordering: .relaxed).newValue
    }

    /// Pairs with ``began()``, whatever the outcome.
    func ended() {
        concurrent.decrement()
        series.running.wrappingSubtract(1, ordering: .relaxed)
    }

    /// An invocation that ran: `durationMs` excludes init, as AWS's Duration does;
    /// `initDurationMs` is nil when the runtime never finished its init.
    func completed(durationMs: Double, error: Bool, coldStart: Bool, initDurationMs: Double?, concurrency: Int) {
        invocations.increment()
        if error { errors.increment() }
        duration.record(durationMs)
        if coldStart { coldStarts.increment() }
        if let initDurationMs { initDuration.record(initDurationMs) }
        let minute = self.minute
        series.state.withLock {
            $0.recordInvocation(minute: minute, durationMs: durationMs, error: error, coldStart: coldStart, concurrency: concurrency)
        }
    }
}
