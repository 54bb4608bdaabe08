import Foundation
import Logging
import NimbusCore
import NimbusStore
import ServiceLifecycle

/// Durable asynchronous (`Event`) invocation.
///
/// `enqueue` returns once the event is committed to SQLite, so a 202 is never sent for
/// an event a crash could lose. Commits are grouped (``GroupCommitter``): one writer
/// commits every event that arrived while the previous transaction was committing. The
/// ``AsyncDispatcher`` then runs due events with Lambda's retries and destinations.
///
/// Lifecycle: a service. Events may be enqueued before `run` starts (they wait for the
/// writer); after graceful shutdown begins, `enqueue` fails with a ServiceException.
public final class AsyncInvoker: Service, Sendable {
    private let committer: GroupCommitter<NewAsyncEvent>
    private let events: AsyncEventStore
    /// The event invoke configs, read by the dispatcher and written by the control API.
    public let configs: EventInvokeConfigStore
    private let dispatcher: AsyncDispatcher
    private let logger: Logger

    /// - Parameters:
    ///   - policy: the retry schedule (its scale is `--async-delay-scale`).
    ///   - maxInFlight: events run at once by the dispatcher; the Invoker's concurrency
    ///     limits still apply (a 429 is a throttle, retried).
    ///   - queues: delivers records to queue destinations and dead letters (nil: logged only).
    public init(invoker: Invoker, database: NimbusDatabase, policy: AsyncRetryPolicy = AsyncRetryPolicy(), maxInFlight: Int = 64, queues: (any QueueSender)? = nil, logger: Logger) {
        let events = AsyncEventStore(database: database)
        let configs = EventInvokeConfigStore(database: database)
        self.events = events
        self.configs = configs
        self.committer = GroupCommitter { batch in try await events.insert(batch) }
        self.dispatcher = AsyncDispatcher(
            invoker: invoker, events: events, configs: configs, policy: policy, maxInFlight: maxInFlight, queues: queues, logger: logger
        )
        self.logger = logger
    }

    /// Commits an Event invocation to the queue; returns when it is durable.
    public func enqueue(_ request: InvokeRequest) async throws(LambdaError) {
        let payload = request.payload.withUnsafeReadableBytes { Data($0) }
        let event = NewAsyncEvent(
            requestId: request.requestId, functionName: request.functionName, qualifier: request.qualifier,
            payload: payload, clientContext: request.clientContext, receivedAt: Date(),
            traceHeader: request.traceHeader
        )
        do {
            try await committer.submit(event)
        } catch {
            logger.error("could not queue an event for \(request.functionName): \(error)")
            throw .internalFailure
        }
        dispatcher.wake()
    }

    /// Events queued (waiting or running) and when the oldest was accepted, for metrics.
    public func queueStatus() -> (pending: Int, oldestReceivedAt: Date?) {
        ((try? events.count()) ?? 0, try? events.oldestReceivedAt())
    }

    /// Drops a deleted function's queued events and configs.
    public func functionDeleted(_ name: String) throws(LambdaError) {
        do {
            try events.deleteEvents(functionName: name)
            try configs.deleteAll(functionName: name)
        } catch {
            logger.error("could not delete the async events of \(name): \(error)")
            throw .internalFailure
        }
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.committer.run() }
                group.addTask { await self.dispatcher.run() }
                group.addTask { await self.dispatcher.runUpdates() }
            }
        } onGracefulShutdown: {
            self.committer.close()
            self.dispatcher.stop()
        }
    }
}
