import Foundation
import Logging
import ServiceLifecycle

/// Enforces log groups' retention: deletes events older than it, at start and then every
/// `interval` (10 minutes by default). AWS, too, deletes expired events some time after they
/// expire, not at the instant.
public struct RetentionSweeper: Service {
    let reader: LogReader
    let interval: Duration
    let logger: Logger

    public init(service: LogsService, interval: Duration = .seconds(600), logger: Logger) {
        self.reader = service.reader
        self.interval = interval
        self.logger = logger
    }

    /// One sweep; returns the number of events deleted.
    @discardableResult
    public func sweep(now: Date = Date()) -> Int {
        do {
            return try reader.deleteExpired(now: now)
        } catch {
            logger.error("could not delete expired log events: \(error)")
            return 0
        }
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let deleted = self.sweep()
                if deleted > 0 { self.logger.info("deleted \(deleted) log events past their group's retention") }
                try? await Task.sleep(for: self.interval)
            }
        }
    }
}
