import Logging
import NimbusStore
import ServiceLifecycle
import Synchronization

/// Buffers log events in memory and writes them to the store in batches.
///
/// Why: a database write per log line (or per invoke) on the invoke path would put
/// SQLite's latency into every invocation. Events reach disk within `flushInterval`.
public final class LogSink: Service, Sendable {
    private let pending = Mutex<[FunctionLogEvent]>([])
    private let store: LogStore
    private let flushInterval: Duration
    private let logger: Logger

    public init(store: LogStore, flushInterval: Duration = .milliseconds(200), logger: Logger) {
        self.store = store
        self.flushInterval = flushInterval
        self.logger = logger
    }

    /// Queues events for the next flush.
    public func append(_ events: [FunctionLogEvent]) {
        guard !events.isEmpty else { return }
        pending.withLock { $0.append(contentsOf: events) }
    }

    /// Writes everything queued so far.
    public func flush() {
        let batch = pending.withLock { events -> [FunctionLogEvent] in
            defer { events.removeAll(keepingCapacity: true) }
            return events
        }
        guard !batch.isEmpty else { return }
        do {
            try store.append(batch)
        } catch {
            logger.error("could not write \(batch.count) log events: \(error)")
        }
    }

    public func run() async throws {
        while !Task.isCancelledOrShuttingDownGracefully {
            try? await Task.sleep(for: flushInterval)
            flush()
        }
        flush()
    }
}

extension Task where Success == Never, Failure == Never {
    /// Whether the current task is cancelled or its service group is shutting down.
    static var isCancelledOrShuttingDownGracefully: Bool {
        Task.isCancelled || Task.isShuttingDownGracefully
    }
}
