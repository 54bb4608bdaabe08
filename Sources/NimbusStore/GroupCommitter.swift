import Synchronization

/// Group commit: one writer commits, in a single transaction, every item submitted while
/// the previous transaction was committing; each submitter waits for its own commit.
///
/// Why: a commit costs the same for one row as for fifty. With one transaction per
/// request, the writer lock serializes callers; grouped, throughput grows with the load
/// while no caller is answered before its item is durable.
///
/// Lifecycle: ``run()`` is the writer (a service's run loop); ``submit(_:)`` may be called
/// before or while it runs. ``close()`` makes it commit what is already submitted and
/// return; later submissions fail with ``Closed``.
public final class GroupCommitter<Item: Sendable>: Sendable {
    /// Thrown to submitters once the committer is closed.
    public struct Closed: Error {}

    struct Pending {
        var item: Item
        var continuation: CheckedContinuation<Void, any Error>
    }

    struct State {
        var pending: [Pending] = []
        var closed = false
    }

    private let state = Mutex(State())
    private let wake: AsyncStream<Void>
    private let wakeContinuation: AsyncStream<Void>.Continuation
    private let commit: @Sendable ([Item]) async throws -> Void
    /// At most this many items per transaction (bounds a transaction's duration).
    private let maxBatch: Int

    /// - Parameter commit: writes a batch durably (one transaction); throwing fails the whole batch.
    public init(maxBatch: Int = 512, commit: @escaping @Sendable ([Item]) async throws -> Void) {
        (wake, wakeContinuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        self.commit = commit
        self.maxBatch = maxBatch
    }

    /// Returns once `item` is committed; throws the commit's error, or ``Closed``.
    public func submit(_ item: Item) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let accepted = state.withLock { state -> Bool in
                guard !state.closed else { return false }
                state.pending.append(Pending(item: item, continuation: continuation))
                return true
            }
            if accepted {
                wakeContinuation.yield()
            } else {
                continuation.resume(throwing: Closed())
            }
        }
    }

    /// The writer: commits batches until closed, then commits what is left and returns.
    public func run() async {
        for await _ in wake {
            await drain()
        }
        await drain()
    }

    /// Stops accepting items; ``run()`` returns after committing those already submitted.
    public func close() {
        state.withLock { $0.closed = true }
        wakeContinuation.finish()
    }

    private func drain() async {
        while true {
            let batch = state.withLock { state -> [Pending] in
                let count = min(state.pending.count, maxBatch)
                let batch = Array(state.pending.prefix(count))
                state.pending.removeFirst(count)
                return batch
            }
            if batch.isEmpty { return }
            do {
                try await commit(batch.map(\.item))
                for pending in batch { pending.continuation.resume() }
            } catch {
                for pending in batch { pending.continuation.resume(throwing: error) }
            }
        }
    }
}
