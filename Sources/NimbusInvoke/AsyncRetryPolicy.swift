import Foundation
import NimbusCore
import NimbusStore

/// Lambda's schedule for asynchronous invocations, as a pure function of an attempt's
/// outcome (invocation-async.md):
///
/// 1. A function error is retried after 1 minute, then 2 minutes, up to
///    MaximumRetryAttempts (default 2) retries.
/// 2. A throttle (429) or a platform error (5xx) is retried with exponential backoff from
///    1 second, doubling, capped at 5 minutes, for as long as the event is young enough.
/// 3. An event older than MaximumEventAgeInSeconds (default 6 hours) when it is due is
///    not run again: it ends with `EventAgeExceeded`.
///
/// Every duration is multiplied by `scale` (`nimbus serve --async-delay-scale`), the
/// maximum age included, so tests can run the real schedule in a fraction of the time.
public struct AsyncRetryPolicy: Sendable, Equatable {
    public var scale: Double

    public init(scale: Double = 1) {
        self.scale = scale
    }

    /// What an attempt ended with.
    public enum Outcome: Sendable, Equatable {
        case success
        /// The function ran and returned an error (`X-Amz-Function-Error`), timeouts included.
        case functionError
        /// 429: no concurrency was free.
        case throttled
        /// 5xx: Nimbus could not run the function.
        case platformError
    }

    /// What to do with the event next.
    public enum Decision: Sendable, Equatable {
        /// The event is over; send a record to the destination of `condition`, if any.
        case finish(AsyncInvocationCondition)
        /// Run it again at this time.
        case retry(at: Date)
    }

    /// Delay before retrying a function error, after `invokeCount` attempts (1 → 1 min, 2 → 2 min).
    public func functionErrorDelay(invokeCount: Int) -> TimeInterval {
        60 * Double(max(1, invokeCount)) * scale
    }

    /// Delay after the `retries`-th throttle or platform error: 1 s, 2 s, 4 s ... 5 min.
    public func throttleDelay(retries: Int) -> TimeInterval {
        let exponent = min(max(retries - 1, 0), 16)
        return min(Double(1 << exponent), 300) * scale
    }

    /// The age after which an event is discarded.
    public func maximumAge(_ config: EventInvokeConfig?) -> TimeInterval {
        Double(config?.maximumEventAgeOrDefault ?? EventInvokeConfig.defaultMaximumEventAgeInSeconds) * scale
    }

    /// Whether an event received at `receivedAt` is too old to run at `now`.
    public func isExpired(receivedAt: Date, config: EventInvokeConfig?, now: Date) -> Bool {
        now.timeIntervalSince(receivedAt) > maximumAge(config)
    }

    /// The decision after an attempt.
    ///
    /// - Parameters:
    ///   - invokeCount: attempts that ran the function, this one included.
    ///   - platformRetries: throttles and platform errors so far, this one included.
    public func decide(_ outcome: Outcome, invokeCount: Int, platformRetries: Int, config: EventInvokeConfig?, now: Date) -> Decision {
        switch outcome {
        case .success:
            return .finish(.success)
        case .functionError:
            let retriesAllowed = config?.maximumRetryAttemptsOrDefault ?? EventInvokeConfig.defaultMaximumRetryAttempts
            guard invokeCount - 1 < retriesAllowed else { return .finish(.retriesExhausted) }
            return .retry(at: now.addingTimeInterval(functionErrorDelay(invokeCount: invokeCount)))
        case .throttled, .platformError:
            return .retry(at: now.addingTimeInterval(throttleDelay(retries: platformRetries)))
        }
    }
}
