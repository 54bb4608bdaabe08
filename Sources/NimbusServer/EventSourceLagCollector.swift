import NimbusInvoke
import NimbusQueues
import NimbusStore
import NimbusStreams
import Prometheus

/// Event source mapping lag, read when Prometheus scrapes: for a queue, the messages
/// waiting to be received; for a stream, the records after the mapping's checkpoint
/// (summed over shards, counted up to ``cap`` per shard). Gauges of deleted mappings are
/// unregistered, so a scrape shows only mappings that exist.
struct EventSourceLagCollector: Sendable {
    let store: EventSourceMappingStore
    let queues: QueueService
    let streams: StreamService
    /// Records counted per shard at most: a scrape must stay cheap.
    static let cap = 10_000

    func collect(into registry: PrometheusCollectorRegistry, known: inout [String: Prometheus.Gauge]) {
        let mappings = (try? store.all()) ?? []
        var seen: Set<String> = []
        for mapping in mappings {
            guard let lag = lag(of: mapping) else { continue }
            seen.insert(mapping.uuid)
            let gauge = known[mapping.uuid] ?? registry.makeGauge(
                name: InvocationMetrics.Name.eventSourceLag,
                labels: [("uuid", mapping.uuid), ("function_name", mapping.functionName)],
                help: "Queue messages waiting, or stream records behind the checkpoint, per event source mapping"
            )
            known[mapping.uuid] = gauge
            gauge.set(Int64(lag))
        }
        for (uuid, gauge) in known where !seen.contains(uuid) {
            registry.unregisterGauge(gauge)
            known[uuid] = nil
        }
    }

    private func lag(of mapping: EventSourceMappingRecord) -> Int? {
        if mapping.stream == nil {
            return queues.messagesWaiting(queueArn: mapping.eventSourceArn)
        }
        guard let shards = try? streams.shardIds(streamArn: mapping.eventSourceArn),
              let checkpoints = try? store.checkpoints(mapping.uuid) else { return nil }
        return shards.reduce(0) { total, shard in
            // A shard the mapping has not started reading yet has no checkpoint: not counted.
            guard let after = checkpoints[shard] else { return total }
            let behind = (try? streams.records(streamArn: mapping.eventSourceArn, shardId: shard, after: after, limit: Self.cap).count) ?? 0
            return total + behind
        }
    }
}
