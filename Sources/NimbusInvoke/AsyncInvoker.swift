import Logging
import NimbusCore
import ServiceLifecycle

/// Runs `Event` invocations in the background, from memory.
///
/// Not durable yet: events queued when the server stops are lost. Durable async
/// invocation with retries comes later.
public final class AsyncInvoker: Service, Sendable {
    private let stream: AsyncStream<InvokeRequest>
    private let continuation: AsyncStream<InvokeRequest>.Continuation
    private let invoker: Invoker
    private let logger: Logger

    public init(invoker: Invoker, logger: Logger) {
        (stream, continuation) = AsyncStream.makeStream(of: InvokeRequest.self)
        self.invoker = invoker
        self.logger = logger
    }

    /// Queues an event.
    public func enqueue(_ request: InvokeRequest) {
        continuation.yield(request)
    }

    /// How many Event invocations run at once; the rest wait in the queue.
    static let concurrency = 64

    public func run() async throws {
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                var running = 0
                for await request in self.stream {
                    if running >= Self.concurrency {
                        await group.next()
                        running -= 1
                    }
                    running += 1
                    group.addTask { [invoker, logger] in
                        do {
                            _ = try await invoker.invoke(request)
                        } catch {
                            logger.warning("event invocation of \(request.functionName) failed: \((error as? LambdaError)?.message ?? "\(error)")")
                        }
                    }
                }
            }
        } onGracefulShutdown: {
            self.continuation.finish()
        }
    }
}
