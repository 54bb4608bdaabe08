import CoreMetrics
import Foundation
import NimbusControlAPI
import NimbusCore
import NimbusInvoke
import Prometheus
import Synchronization

/// The server's metrics: one Prometheus registry behind swift-metrics, the invocation
/// metrics kept on the invoke path, and gauges read when Prometheus scrapes.
///
/// The process-wide `MetricsSystem` is bootstrapped once with the first server's factory
/// (so libraries using swift-metrics report too); each server also passes its own factory
/// explicitly, so a second server in one process (tests) keeps its own counts.
public final class ServerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory
    /// Per-function metrics and the console's series (``FunctionMetricsQuery``).
    public let invocations: InvocationMetrics
    private let asyncPending: Prometheus.Gauge
    private let asyncAge: Prometheus.Gauge
    /// Refreshes scrape-time gauges (async queue, event source lag) before rendering.
    private let collectors = Mutex<[@Sendable (PrometheusCollectorRegistry) -> Void]>([])

    private static let bootstrapped = Atomic<Bool>(false)

    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.valueHistogramBuckets = [
            InvocationMetrics.Name.duration: InvocationMetrics.durationBucketsMs,
            InvocationMetrics.Name.initDuration: InvocationMetrics.durationBucketsMs,
        ]
        self.factory = factory
        invocations = InvocationMetrics(factory: factory)
        asyncPending = registry.makeGauge(name: InvocationMetrics.Name.asyncEventsPending, help: "Event invocations queued, waiting or running")
        asyncAge = registry.makeGauge(name: InvocationMetrics.Name.asyncEventAge, help: "Milliseconds since the oldest queued Event invocation was accepted")
        if Self.bootstrapped.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged {
            MetricsSystem.bootstrap(factory)
        }
    }

    /// Reads the async queue at each scrape (two indexed queries, not on the invoke path).
    func watch(_ asyncInvoker: AsyncInvoker) {
        let (pending, age) = (asyncPending, asyncAge)
        collectors.withLock {
            $0.append { _ in
                let status = asyncInvoker.queueStatus()
                pending.set(Int64(status.pending))
                age.set(status.oldestReceivedAt.map { max(0, Date().timeIntervalSince($0) * 1000) } ?? 0)
            }
        }
    }

    /// Reads every event source mapping's lag at each scrape.
    func watch(_ lag: EventSourceLagCollector) {
        let gauges = Mutex<[String: Prometheus.Gauge]>([:])
        collect { registry in gauges.withLock { lag.collect(into: registry, known: &$0) } }
    }

    /// Adds a scrape-time collector.
    func collect(_ body: @escaping @Sendable (PrometheusCollectorRegistry) -> Void) {
        collectors.withLock { $0.append(body) }
    }

    func render() -> [UInt8] {
        for collector in collectors.withLock({ $0 }) { collector(registry) }
        return registry.emitToBuffer()
    }

    func endpoint(functionExists: @escaping @Sendable (String) -> Bool) -> MetricsEndpoint {
        MetricsEndpoint(render: { [self] in render() }, query: invocations, functionExists: functionExists)
    }
}
