import Foundation
import Testing

@testable import NimbusQueues

@Suite struct QueueServiceTests {
    @Test func anOlderReceiptHandleDoesNotDeleteAMessageReceivedAgain() throws {
        let clock = TestClock()
        let (service, directory) = try makeService(clock: clock)
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try service.createQueue(name: "q", attributes: ["VisibilityTimeout": "1"], tags: [:])
        let arn = service.arn("q")
        _ = try service.send(queueArn: arn, body: "m")
        let first = try #require(try service.receive(queueArn: arn).first)
        clock.advance(2)
        let second = try #require(try service.receive(queueArn: arn).first)
        #expect(first.receiptHandle != second.receiptHandle)
        try service.delete(queueArn: arn, receiptHandle: first.receiptHandle)  // accepted, deletes nothing
        clock.advance(2)
        #expect(try service.receive(queueArn: arn).map(\.messageId) == [first.messageId])
        #expect(throws: QueueError.receiptHandleIsInvalid("garbage")) {
            try service.delete(queueArn: arn, receiptHandle: "garbage")
        }
    }

    @Test func messagesPastTheRetentionPeriodAreNeitherCountedNorReceived() throws {
        let clock = TestClock()
        let (service, directory) = try makeService(clock: clock)
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try service.createQueue(name: "short", attributes: ["MessageRetentionPeriod": "60"], tags: [:])
        let arn = service.arn("short")
        _ = try service.send(queueArn: arn, body: "old")
        clock.advance(30)
        _ = try service.send(queueArn: arn, body: "new")
        #expect(try service.attributes("short", names: ["ApproximateNumberOfMessages"]) == ["ApproximateNumberOfMessages": "2"])
        clock.advance(31)
        #expect(try service.attributes("short", names: ["ApproximateNumberOfMessages"]) == ["ApproximateNumberOfMessages": "1"])
        #expect(try service.receive(queueArn: arn).map(\.body) == ["new"])
    }

    @Test func aDelayedMessageBecomesVisibleAfterItsDelay() throws {
        let clock = TestClock()
        let (service, directory) = try makeService(clock: clock)
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try service.createQueue(name: "delayed", attributes: ["DelaySeconds": "10"], tags: [:])
        let arn = service.arn("delayed")
        _ = try service.send(queueArn: arn, body: "later")
        #expect(try service.receive(queueArn: arn).isEmpty)
        clock.advance(10)
        #expect(try service.receive(queueArn: arn).map(\.body) == ["later"])
    }
}
