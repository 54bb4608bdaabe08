import Foundation
import Logging
import NIOCore
import NimbusCore
import NimbusInvoke
import NimbusStore
import NimbusStreams
import Synchronization

extension EventSourcePoller {
    /// One stream mapping: a consumer per shard until cancelled. A stream that is gone is
    /// looked for again every second; the mapping stays, as on AWS.
    func pollStream(_ mapping: EventSourceMappingRecord, settings: StreamMappingSettings) async {
        while !Task.isCancelled {
            guard let shards = try? streams.shardIds(streamArn: mapping.eventSourceArn) else {
                try? await Task.sleep(for: .seconds(1))
                continue
            }
            await withTaskGroup(of: Void.self) { group in
                for shard in shards {
                    group.addTask { await ShardConsumer(poller: self, mapping: mapping, settings: settings, shardId: shard).run() }
                }
            }
        }
    }
}

/// Delivers one shard's records to a mapping's function, in order, and keeps the
/// shard's checkpoint in the store.
///
/// A reader appends the shard's records, in sequence order, to `ParallelizationFactor`
/// lanes chosen by partition key, so records with the same key stay in order. Each lane
/// delivers one batch at a time and retries it until it succeeds or is discarded. The
/// durable checkpoint is the last record of the longest finished prefix: after a restart,
/// delivery resumes there (records a faster lane finished beyond it come again, as
/// Lambda's own at-least-once delivery allows).
final class ShardConsumer: Sendable {
    let poller: EventSourcePoller
    let mapping: EventSourceMappingRecord
    let settings: StreamMappingSettings
    let shardId: String
    let filters: FilterCriteria?
    private let lanes: [Lane]
    private let progress = Mutex(Progress())

    init(poller: EventSourcePoller, mapping: EventSourceMappingRecord, settings: StreamMappingSettings, shardId: String) {
        self.poller = poller
        self.mapping = mapping
        self.settings = settings
        self.shardId = shardId
        self.filters = mapping.filterPatterns.isEmpty ? nil : try? FilterCriteria(patterns: mapping.filterPatterns, source: .kinesis)
        self.lanes = (0..<max(1, settings.parallelizationFactor)).map { _ in Lane() }
    }

    /// Records read but not yet finished, in sequence order.
    struct Progress {
        var order: [String] = []
        var head = 0
        var finished: Set<String> = []
        var checkpoint: String?

        var outstanding: Int { order.count - head }

        /// Marks records finished; returns the new checkpoint if the finished prefix grew.
        mutating func finish(_ sequences: some Sequence<String>) -> String?? {
            finished.formUnion(sequences)
            var moved = false
            while head < order.count, finished.remove(order[head]) != nil {
                checkpoint = order[head]
                head += 1
                moved = true
            }
            if head > 4096 {
                order.removeFirst(head)
                head = 0
            }
            return moved ? .some(checkpoint) : nil
        }
    }

    /// Records waiting for one lane's next batch.
    final class Lane: Sendable {
        struct State {
            var records: [StreamRecord] = []
            /// When the oldest waiting record arrived in the lane: the batching window's start.
            var since: ContinuousClock.Instant?
        }
        let state = Mutex(State())

        func push(_ record: StreamRecord) {
            state.withLock { state in
                if state.records.isEmpty { state.since = .now }
                state.records.append(record)
            }
        }

        /// Up to `max` records once the batch is full or its window closed; empty if none yet.
        func take(max: Int, window: Duration) -> [StreamRecord] {
            state.withLock { state in
                guard let since = state.since, !state.records.isEmpty else { return [] }
                if state.records.count < max && ContinuousClock.now - since < window { return [] }
                let batch = Array(state.records.prefix(max))
                state.records.removeFirst(batch.count)
                state.since = state.records.isEmpty ? nil : .now
                return batch
            }
        }
    }

    /// Records read ahead of the slowest lane, at most.
    var readAhead: Int { min(10_000, max(100, mapping.batchSize * lanes.count * 2)) }

    func run() async {
        guard let start = await startingCheckpoint() else { return }
        progress.withLock { $0.checkpoint = start }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.read(after: start) }
            for lane in lanes {
                group.addTask { await self.drain(lane) }
            }
        }
    }

    /// The durable checkpoint, resolving the mapping's starting position the first time
    /// (mappings normally resolve it when they are created). nil when cancelled.
    private func startingCheckpoint() async -> String?? {
        while !Task.isCancelled {
            do {
                if let saved = try poller.store.checkpoints(mapping.uuid)[shardId] { return .some(saved) }
                let start: StreamStartingPoint = switch settings.startingPosition {
                case "LATEST": .latest
                case "AT_TIMESTAMP": .atTimestamp(settings.startingPositionTimestamp ?? Date())
                default: .trimHorizon
                }
                let sequence = try poller.streams.checkpoint(streamArn: mapping.eventSourceArn, shardId: shardId, start: start)
                try poller.store.setCheckpoint(mapping.uuid, shard: shardId, sequence: sequence)
                return .some(sequence)
            } catch {
                poller.logger.debug("event source mapping \(mapping.uuid) \(shardId): \(error)")
                try? await Task.sleep(for: .seconds(1))
            }
        }
        return nil
    }

    /// Reads the shard in order and hands each record to its lane (or finishes it at once
    /// when the mapping's filters drop it).
    private func read(after start: String?) async {
        var position = start
        while !Task.isCancelled {
            let room = readAhead - progress.withLock { $0.outstanding }
            guard room > 0 else {
                try? await Task.sleep(for: .milliseconds(20))
                continue
            }
            let records: [StreamRecord]
            do {
                records = try poller.streams.records(streamArn: mapping.eventSourceArn, shardId: shardId, after: position, limit: room)
            } catch {
                poller.logger.debug("event source mapping \(mapping.uuid) \(shardId): \(error)")
                try? await Task.sleep(for: .seconds(1))
                continue
            }
            guard let last = records.last else {
                try? await Task.sleep(for: .milliseconds(100))
                continue
            }
            position = last.sequenceNumber
            progress.withLock { $0.order.append(contentsOf: records.map(\.sequenceNumber)) }
            var dropped: [String] = []
            for record in records {
                if let filters, !filters.matchesKinesisRecord(json: Array(KinesisEvent.record(
                    record, shardId: shardId, streamArn: mapping.eventSourceArn, region: poller.account.region, role: "").utf8)) {
                    dropped.append(record.sequenceNumber)
                } else {
                    lanes[lane(for: record.partitionKey)].push(record)
                }
            }
            if !dropped.isEmpty { finish(dropped) }
        }
    }

    /// The lane of a partition key: stable, so that a key's records stay in order.
    private func lane(for key: String) -> Int {
        guard lanes.count > 1 else { return 0 }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
        for byte in key.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return Int(hash % UInt64(lanes.count))
    }

    private func drain(_ lane: Lane) async {
        let window = Duration.seconds(mapping.maximumBatchingWindowInSeconds)
        while !Task.isCancelled {
            let batch = lane.take(max: mapping.batchSize, window: window)
            if batch.isEmpty {
                try? await Task.sleep(for: .milliseconds(20))
                continue
            }
            await deliver(batch)
        }
    }

    /// Invokes the function with `initial` until it succeeds or the records are discarded
    /// (retries exhausted, or too old), bisecting failed batches when asked to. Records
    /// are finished only then: a cancelled delivery comes again after a restart.
    func deliver(_ initial: [StreamRecord]) async {
        var batch = initial
        var attempts = 0
        while !batch.isEmpty && !Task.isCancelled {
            if settings.maximumRecordAgeInSeconds >= 0 {
                let oldest = Date().addingTimeInterval(-Double(settings.maximumRecordAgeInSeconds))
                let expired = batch.prefix { $0.approximateArrival < oldest }
                if !expired.isEmpty {
                    await discard(Array(expired), .recordAgeExceeded, invokeCount: attempts, response: nil)
                    batch.removeFirst(expired.count)
                    continue
                }
            }
            guard let outcome = await invoke(batch) else { return }
            attempts += 1
            let response: KinesisEvent.Response
            switch outcome {
            case .succeeded:
                finish(batch.map(\.sequenceNumber))
                return
            case .partlyFailed(let index, let answer):
                // Everything before the lowest reported record is done; retry from it.
                finish(batch[..<index].map(\.sequenceNumber))
                batch.removeFirst(index)
                response = answer
            case .failed(let answer):
                response = answer
                if settings.bisectBatchOnFunctionError && batch.count > 1
                    && (settings.maximumRetryAttempts < 0 || attempts <= settings.maximumRetryAttempts) {
                    // Each half is delivered (and retried) on its own, first half first.
                    let half = batch.count / 2
                    await deliver(Array(batch[..<half]))
                    await deliver(Array(batch[half...]))
                    return
                }
            }
            if settings.maximumRetryAttempts >= 0 && attempts > settings.maximumRetryAttempts {
                await discard(batch, .retryAttemptsExhausted, invokeCount: attempts, response: response)
                return
            }
            // Back off: 0.1 s, doubling, at most 5 s between attempts.
            let delay = min(5.0, 0.1 * pow(2.0, Double(min(attempts - 1, 10))))
            try? await Task.sleep(for: .milliseconds(Int(delay * 1000)))
        }
    }

    enum Outcome {
        case succeeded
        /// `ReportBatchItemFailures`: the batch failed from this index on.
        case partlyFailed(Int, KinesisEvent.Response)
        case failed(KinesisEvent.Response)
    }

    /// One invocation of the batch; throttles are retried here without counting as
    /// attempts. nil when cancelled.
    private func invoke(_ batch: [StreamRecord]) async -> Outcome? {
        let role: String
        if case .function(let configuration) = poller.registry.resolve(mapping.functionName, qualifier: mapping.qualifier) {
            role = configuration.role
        } else {
            role = ""
        }
        let payload = KinesisEvent.payload(
            batch, shardId: shardId, streamArn: mapping.eventSourceArn, region: poller.account.region, role: role)
        while !Task.isCancelled {
            let result: InvokeResult
            do {
                result = try await poller.invoker.invoke(InvokeRequest(
                    functionName: mapping.functionName, qualifier: mapping.qualifier, payload: ByteBuffer(bytes: payload), trigger: .pubsub))
            } catch let error where error.code == .tooManyRequests {
                try? await Task.sleep(for: .milliseconds(200))
                continue
            } catch {
                poller.logger.info("event source mapping \(mapping.uuid): invoke failed: \(error)")
                return .failed(KinesisEvent.Response(statusCode: error.httpStatus, executedVersion: mapping.qualifier ?? "$LATEST"))
            }
            let answer = KinesisEvent.Response(statusCode: 200, executedVersion: result.executedVersion, functionError: result.functionError)
            if result.functionError != nil { return .failed(answer) }
            guard mapping.functionResponseTypes.contains("ReportBatchItemFailures") else { return .succeeded }
            let sequences = batch.map(\.sequenceNumber)
            switch BatchItemFailures.parse(result.payload.withUnsafeReadableBytes { Data($0) }, messageIds: Set(sequences)) {
            case .allSucceeded: return .succeeded
            case .batchFailed: return .failed(answer)
            case .failed(let failed):
                let index = sequences.firstIndex(where: failed.contains) ?? 0
                return .partlyFailed(index, answer)
            }
        }
        return nil
    }

    /// Gives up on records: their batch's description goes to the on-failure destination
    /// (if any), and the shard moves past them.
    private func discard(
        _ records: [StreamRecord], _ condition: KinesisEvent.Condition, invokeCount: Int, response: KinesisEvent.Response?
    ) async {
        if let destination = settings.onFailureDestination {
            let functionArn = mapping.qualifier.map { poller.account.functionArn(mapping.functionName, qualifier: $0) }
                ?? poller.account.functionArn(mapping.functionName)
            let body = KinesisEvent.failureRecord(
                records, condition: condition, invokeCount: invokeCount, response: response,
                requestId: UUID().uuidString.lowercased(), functionArn: functionArn, shardId: shardId,
                streamArn: mapping.eventSourceArn)
            do {
                _ = try poller.queues.send(queueArn: destination, body: body)
            } catch {
                poller.logger.error("event source mapping \(mapping.uuid): could not send the failure record to \(destination): \(error)")
            }
        }
        finish(records.map(\.sequenceNumber))
    }

    /// Marks records finished and saves the checkpoint if it moved (under the lock, so
    /// that lanes never write an older checkpoint over a newer one).
    private func finish(_ sequences: [String]) {
        progress.withLock { progress in
            guard let moved = progress.finish(sequences) else { return }
            do { try poller.store.setCheckpoint(mapping.uuid, shard: shardId, sequence: moved) } catch {
                poller.logger.error("event source mapping \(mapping.uuid) \(shardId): could not save the checkpoint: \(error)")
            }
        }
    }
}
