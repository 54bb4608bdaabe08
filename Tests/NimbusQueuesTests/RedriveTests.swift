import Foundation
import NimbusCore
import NimbusStore
import Synchronization
import Testing

@testable import NimbusQueues

/// A settable clock for the queue service.
final class TestClock: Sendable {
    private let time = Mutex<Date>(Date(timeIntervalSince1970: 1_700_000_000))
    var now: Date { time.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { time.withLock { $0 += seconds } }
}

/// A queue service on a fresh database in a temporary directory, with a settable clock.
func makeService(clock: TestClock) throws -> (QueueService, URL) {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nimbus-queues-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let database = try NimbusDatabase(path: directory.appendingPathComponent("db.sqlite").path)
    return (QueueService(account: Account(), database: database, now: { clock.now }), directory)
}

@Suite struct RedriveTests {
    @Test(arguments: [(0, false), (2, false), (3, true), (4, true)])
    func movesOnceReceivedMaxReceiveCountTimes(receiveCount: Int, moves: Bool) {
        let policy = RedrivePolicy(deadLetterTargetArn: "arn:aws:sqs:us-east-1:000000000000:dlq", maxReceiveCount: 3)
        #expect(policy.movesToDeadLetterQueue(receiveCount: receiveCount) == moves)
    }

    @Test func parsesNumberOrStringCountAndRejectsOutOfRange() throws {
        #expect(try RedrivePolicy(parsing: #"{"deadLetterTargetArn":"a","maxReceiveCount":"5"}"#).maxReceiveCount == 5)
        #expect(try RedrivePolicy(parsing: #"{"deadLetterTargetArn":"a","maxReceiveCount":7}"#).maxReceiveCount == 7)
        #expect(throws: QueueError.self) { try RedrivePolicy(parsing: #"{"deadLetterTargetArn":"a","maxReceiveCount":0}"#) }
        #expect(throws: QueueError.self) { try RedrivePolicy(parsing: "not json") }
    }

    @Test func aMessageReceivedMaxReceiveCountTimesMovesToTheDeadLetterQueue() throws {
        let clock = TestClock()
        let (service, directory) = try makeService(clock: clock)
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try service.createQueue(name: "dlq", attributes: [:], tags: [:])
        let dlqArn = service.arn("dlq")
        _ = try service.createQueue(
            name: "source",
            attributes: ["RedrivePolicy": #"{"deadLetterTargetArn":"\#(dlqArn)","maxReceiveCount":2}"#, "VisibilityTimeout": "5"],
            tags: [:])
        let sourceArn = service.arn("source")
        _ = try service.send(queueArn: sourceArn, body: "poison")

        for attempt in 1...2 {
            let received = try service.receive(queueArn: sourceArn)
            #expect(received.map(\.body) == ["poison"])
            #expect(received.first?.approximateReceiveCount == attempt)
            clock.advance(6)  // the visibility timeout runs out
        }
        #expect(try service.receive(queueArn: sourceArn).isEmpty)
        let moved = try service.receive(queueArn: dlqArn)
        #expect(moved.map(\.body) == ["poison"])
        #expect(moved.first?.approximateReceiveCount == 1)
    }
}
