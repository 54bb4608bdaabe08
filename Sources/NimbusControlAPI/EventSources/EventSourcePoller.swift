import Foundation
import Logging
import NIOCore
import NimbusCore
import NimbusInvoke
import NimbusQueues
import NimbusStore
import NimbusStreams
import Synchronization

/// Polls the queue or stream of every enabled event source mapping and invokes its
/// function with batches of messages or records (NimbusServer runs it as a service).
/// Streams are read by a ``ShardConsumer`` per shard.
///
/// For a queue, one receiving loop per mapping gathers batches (BatchSize, within
/// MaximumBatchingWindowInSeconds) and runs up to `MaximumConcurrency` invocations at once.
/// Messages are deleted only after the function succeeds; otherwise they come back after
/// the queue's visibility timeout, and redrive moves them to its dead-letter queue.
public final class EventSourcePoller: Sendable {
    let store: EventSourceMappingStore
    let queues: QueueService
    let streams: StreamService
    let invoker: Invoker
    let registry: FunctionRegistry
    let account: Account
    var region: String { account.region }
    let logger: Logger
    /// Concurrent batches per mapping without a ScalingConfig.
    static let defaultConcurrency = 5

    private struct Running {
        var record: EventSourceMappingRecord
        var task: Task<Void, Never>
    }
    private let running = Mutex<[String: Running]>([:])
    private let generation = Mutex<Int>(0)

    public init(
        store: EventSourceMappingStore, queues: QueueService, streams: StreamService, invoker: Invoker, registry: FunctionRegistry,
        account: Account, logger: Logger
    ) {
        self.store = store
        self.queues = queues
        self.streams = streams
        self.invoker = invoker
        self.registry = registry
        self.account = account
        self.logger = logger
    }

    /// Mappings changed: reconcile at the next tick (within 100 ms).
    public func refresh() {
        generation.withLock { $0 &+= 1 }
    }

    /// Reconciles the running pollers with the store until cancelled.
    public func run() async {
        var seen = -1
        var lastLoad = ContinuousClock.now
        while !Task.isCancelled {
            let current = generation.withLock { $0 }
            if current != seen || ContinuousClock.now - lastLoad > .seconds(5) {
                seen = current
                lastLoad = .now
                reconcile()
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        let tasks = running.withLock { state in
            defer { state.removeAll() }
            return state.values.map(\.task)
        }
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
    }

    /// Starts pollers for new or changed enabled mappings; stops those of disabled,
    /// changed or deleted ones.
    func reconcile() {
        let records: [EventSourceMappingRecord]
        do { records = try store.all().filter(\.enabled) } catch {
            logger.error("could not load event source mappings: \(error)")
            return
        }
        let wanted = Dictionary(records.map { ($0.uuid, $0) }, uniquingKeysWith: { $1 })
        running.withLock { state in
            for (uuid, entry) in state where wanted[uuid].map({ Self.sameWork($0, entry.record) }) != true {
                entry.task.cancel()
                state[uuid] = nil
            }
            for (uuid, record) in wanted where state[uuid] == nil {
                state[uuid] = Running(record: record, task: Task { await self.poll(record) })
            }
        }
    }

    private static func sameWork(_ a: EventSourceMappingRecord, _ b: EventSourceMappingRecord) -> Bool {
        var a = a
        a.lastModified = b.lastModified
        return a == b
    }

    /// One mapping's loop: receive a batch, hand it to a concurrent invocation, repeat.
    func poll(_ mapping: EventSourceMappingRecord) async {
        if let settings = mapping.stream {
            await pollStream(mapping, settings: settings)
            return
        }
        let limit = mapping.maximumConcurrency ?? Self.defaultConcurrency
        let filters = mapping.filterPatterns.isEmpty ? nil : try? FilterCriteria(patterns: mapping.filterPatterns, source: .sqs)
        await withTaskGroup(of: Void.self) { group in
            var inFlight = 0
            while !Task.isCancelled {
                if inFlight >= limit {
                    _ = await group.next()
                    inFlight -= 1
                    continue
                }
                var batch = await gather(mapping)
                if let filters { batch = dropFiltered(batch, filters: filters, mapping: mapping) }
                if Task.isCancelled { break }
                if batch.isEmpty { continue }
                inFlight += 1
                group.addTask { await self.process(batch, mapping: mapping) }
            }
            group.cancelAll()
        }
    }

    /// Up to BatchSize messages: what one receive returns, or, with a batching window,
    /// what arrives until the batch is full or the window closes.
    func gather(_ mapping: EventSourceMappingRecord) async -> [QueueService.ReceivedMessage] {
        var batch: [QueueService.ReceivedMessage] = []
        do {
            batch = try await queues.receive(queueArn: mapping.eventSourceArn, max: min(10, mapping.batchSize), waitSeconds: 1)
            guard !batch.isEmpty, mapping.maximumBatchingWindowInSeconds > 0 else { return batch }
            let deadline = ContinuousClock.now + .seconds(mapping.maximumBatchingWindowInSeconds)
            while batch.count < mapping.batchSize, ContinuousClock.now < deadline, !Task.isCancelled {
                let more = try await queues.receive(
                    queueArn: mapping.eventSourceArn, max: min(10, mapping.batchSize - batch.count), waitSeconds: 0)
                // A message whose visibility ran out during the window comes back with a new
                // handle: keep one copy, with the handle that can still delete it.
                let again = Set(more.map(\.messageId))
                batch = batch.filter { !again.contains($0.messageId) } + more
                if more.isEmpty { try? await Task.sleep(for: .milliseconds(50)) }
            }
        } catch {
            // The queue was deleted: keep the mapping (as AWS) and try again later.
            logger.debug("event source mapping \(mapping.uuid): \(error)")
            try? await Task.sleep(for: .seconds(1))
        }
        return batch
    }

    /// The messages that pass the mapping's filters; the others are deleted at once, as
    /// Lambda does (they never reach the function and never count as failures).
    func dropFiltered(_ batch: [QueueService.ReceivedMessage], filters: FilterCriteria, mapping: EventSourceMappingRecord)
        -> [QueueService.ReceivedMessage]
    {
        batch.filter { message in
            let record = SQSEvent.record(message, queueArn: mapping.eventSourceArn, region: region)
            if filters.matchesSQSRecord(json: Array(record.utf8)) { return true }
            do { try queues.delete(queueArn: mapping.eventSourceArn, receiptHandle: message.receiptHandle) } catch {
                logger.info("event source mapping \(mapping.uuid): could not delete filtered \(message.messageId): \(error)")
            }
            return false
        }
    }

    /// Invokes the function with one batch and deletes what succeeded.
    func process(_ batch: [QueueService.ReceivedMessage], mapping: EventSourceMappingRecord) async {
        let payload = SQSEvent.payload(batch, queueArn: mapping.eventSourceArn, region: region)
        let started = ContinuousClock.now
        var result: InvokeResult?
        while result == nil && !Task.isCancelled {
            do {
                result = try await invoker.invoke(InvokeRequest(
                    functionName: mapping.functionName, qualifier: mapping.qualifier, payload: ByteBuffer(bytes: payload), trigger: .pubsub))
            } catch let error where error.code == .tooManyRequests && ContinuousClock.now - started < .seconds(10) {
                // A throttle is retried for a while (the messages stay invisible meanwhile).
                try? await Task.sleep(for: .milliseconds(200))
            } catch {
                // Anything else leaves the batch to come back after its visibility timeout.
                logger.info("event source mapping \(mapping.uuid): invoke failed: \(error)")
                return
            }
        }
        guard let result, result.functionError == nil else { return }
        var done = batch
        if mapping.functionResponseTypes.contains("ReportBatchItemFailures") {
            let response = result.payload.withUnsafeReadableBytes { Data($0) }
            switch BatchItemFailures.parse(response, messageIds: Set(batch.map(\.messageId))) {
            case .allSucceeded: break
            case .batchFailed: return
            case .failed(let failed): done = batch.filter { !failed.contains($0.messageId) }
            }
        }
        for message in done {
            do { try queues.delete(queueArn: mapping.eventSourceArn, receiptHandle: message.receiptHandle) } catch {
                logger.info("event source mapping \(mapping.uuid): could not delete \(message.messageId): \(error)")
            }
        }
    }
}
