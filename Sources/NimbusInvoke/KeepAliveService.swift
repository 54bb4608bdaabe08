import Logging
import ServiceLifecycle

/// Scales to zero: retires environments idle for longer than the keep-alive, and
/// every environment on shutdown.
public struct KeepAliveService: Service {
    let invoker: Invoker
    let keepAlive: Duration
    let logger: Logger

    public init(invoker: Invoker, keepAlive: Duration, logger: Logger) {
        self.invoker = invoker
        self.keepAlive = keepAlive
        self.logger = logger
    }

    /// How often to look for idle environments and top up provisioned concurrency: a
    /// quarter of the keep-alive, within 100 ms…1 s.
    var interval: Duration {
        min(max(keepAlive / 4, .milliseconds(100)), .seconds(1))
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                invoker.maintainProvisioned()
                let evicted = invoker.evictIdle(keepAlive: keepAlive)
                if evicted > 0 { logger.debug("retired \(evicted) idle environments") }
            }
        }
        invoker.shutdown()
    }
}
