import Foundation
import NimbusCore
import Testing
@testable import NimbusInvoke

@Suite("Async retry schedule")
struct AsyncRetryPolicyTests {
    let now = Date(timeIntervalSince1970: 1_700_000_000)

    @Test("function errors: retry after 1 min, then 2 min, then retries exhausted", arguments: [
        (1, AsyncRetryPolicy.Decision.retry(at: Date(timeIntervalSince1970: 1_700_000_060))),
        (2, .retry(at: Date(timeIntervalSince1970: 1_700_000_120))),
        (3, .finish(.retriesExhausted)),
    ])
    func functionErrors(invokeCount: Int, expected: AsyncRetryPolicy.Decision) {
        let decision = AsyncRetryPolicy().decide(.functionError, invokeCount: invokeCount, platformRetries: 0, config: nil, now: now)
        #expect(decision == expected)
    }

    @Test("MaximumRetryAttempts bounds the function-error retries", arguments: [0, 1, 2])
    func maximumRetryAttempts(maximum: Int) {
        let policy = AsyncRetryPolicy()
        let config = EventInvokeConfig(functionName: "f", maximumRetryAttempts: maximum)
        for count in 1...maximum + 1 {
            let decision = policy.decide(.functionError, invokeCount: count, platformRetries: 0, config: config, now: now)
            if count <= maximum {
                #expect(decision == .retry(at: now.addingTimeInterval(60 * Double(count))))
            } else {
                #expect(decision == .finish(.retriesExhausted))
            }
        }
    }

    @Test("throttles and platform errors back off from 1 s, doubling, capped at 5 min")
    func throttleBackoff() {
        let policy = AsyncRetryPolicy()
        let delays = (1...12).map { policy.throttleDelay(retries: $0) }
        #expect(delays == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300])
        #expect(policy.throttleDelay(retries: 1000) == 300)
        for outcome in [AsyncRetryPolicy.Outcome.throttled, .platformError] {
            // Throttles never exhaust retries: only the event's age ends them.
            let decision = policy.decide(outcome, invokeCount: 0, platformRetries: 50, config: EventInvokeConfig(functionName: "f", maximumRetryAttempts: 0), now: now)
            #expect(decision == .retry(at: now.addingTimeInterval(300)))
        }
    }

    @Test("success finishes at once")
    func success() {
        #expect(AsyncRetryPolicy().decide(.success, invokeCount: 1, platformRetries: 3, config: nil, now: now) == .finish(.success))
    }

    @Test("the scale multiplies every delay and the maximum age")
    func scale() {
        let policy = AsyncRetryPolicy(scale: 0.01)
        #expect(abs(policy.functionErrorDelay(invokeCount: 1) - 0.6) < 1e-9)
        #expect(abs(policy.functionErrorDelay(invokeCount: 2) - 1.2) < 1e-9)
        #expect(abs(policy.throttleDelay(retries: 1) - 0.01) < 1e-9)
        #expect(abs(policy.throttleDelay(retries: 20) - 3) < 1e-9)
        let config = EventInvokeConfig(functionName: "f", maximumEventAgeInSeconds: 60)
        #expect(abs(policy.maximumAge(config) - 0.6) < 1e-9)
        #expect(abs(policy.maximumAge(nil) - 216) < 1e-9)
    }

    @Test("an event is expired once older than MaximumEventAgeInSeconds (default 6 h)")
    func expiry() {
        let policy = AsyncRetryPolicy()
        let received = now
        #expect(!policy.isExpired(receivedAt: received, config: nil, now: now.addingTimeInterval(21_600)))
        #expect(policy.isExpired(receivedAt: received, config: nil, now: now.addingTimeInterval(21_601)))
        let config = EventInvokeConfig(functionName: "f", maximumEventAgeInSeconds: 60)
        #expect(!policy.isExpired(receivedAt: received, config: config, now: now.addingTimeInterval(59)))
        #expect(policy.isExpired(receivedAt: received, config: config, now: now.addingTimeInterval(61)))
    }
}
