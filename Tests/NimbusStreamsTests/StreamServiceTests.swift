import Foundation
import NimbusCore
import NimbusStore
import Synchronization
import Testing
@testable import NimbusStreams

/// A settable clock.
final class TestClock: Sendable {
    let date = Mutex<Date>(Date(timeIntervalSince1970: 1_800_000_000))
    var now: Date { date.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { date.withLock { $0 += seconds } }
}

func temporaryDatabasePath() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("streams-\(UUID().uuidString).sqlite").path
}

@Suite struct StreamServiceTests {
    let clock = TestClock()

    func makeService(path: String = temporaryDatabasePath()) throws -> StreamService {
        let clock = self.clock
        return StreamService(account: Account(), database: try NimbusDatabase(path: path), now: { clock.now })
    }

    func put(_ service: StreamService, _ stream: String, _ key: String, _ text: String) throws -> (shardId: String, sequenceNumber: String) {
        try service.put(stream, [.init(partitionKey: key, data: Array(text.utf8))])[0]
    }

    @Test func sequenceNumbersIncreaseWithinAShardAndDifferAcrossShards() throws {
        let service = try makeService()
        try service.createStream(name: "s", shardCount: 4, mode: "PROVISIONED")
        var byShard: [String: [String]] = [:]
        var all: Set<String> = []
        for index in 0..<60 {
            let (shard, sequence) = try put(service, "s", "key-\(index % 9)", "r\(index)")
            byShard[shard, default: []].append(sequence)
            all.insert(sequence)
        }
        #expect(all.count == 60)
        #expect(Set(all.map(\.count)) == [56])
        for sequences in byShard.values {
            #expect(sequences == sequences.sorted())
        }
        #expect(byShard.count > 1)
    }

    @Test func thePollerAPIReadsAfterCheckpoints() throws {
        let service = try makeService()
        try service.createStream(name: "s", shardCount: 1, mode: "PROVISIONED")
        let arn = service.streamArn("s")
        #expect(service.streamExists(arn: arn))
        #expect(!service.streamExists(arn: service.streamArn("nope")))
        #expect(try service.shardIds(streamArn: arn) == ["shardId-000000000000"])
        #expect(try service.checkpoint(streamArn: arn, shardId: "shardId-000000000000", start: .latest) == nil)
        let first = try put(service, "s", "k", "one")
        clock.advance(10)
        let cutoff = clock.now
        _ = try put(service, "s", "k", "two")
        _ = try put(service, "s", "k", "three")

        let all = try service.records(streamArn: arn, shardId: "shardId-000000000000", after: nil, limit: 10)
        #expect(all.map { String(decoding: $0.data, as: UTF8.self) } == ["one", "two", "three"])
        #expect(all[0].sequenceNumber == first.sequenceNumber)
        #expect(all[0].partitionKey == "k")
        let page = try service.records(streamArn: arn, shardId: "shardId-000000000000", after: all[0].sequenceNumber, limit: 1)
        #expect(page.map(\.sequenceNumber) == [all[1].sequenceNumber])

        #expect(try service.checkpoint(streamArn: arn, shardId: "shardId-000000000000", start: .trimHorizon) == nil)
        #expect(try service.checkpoint(streamArn: arn, shardId: "shardId-000000000000", start: .latest) == all[2].sequenceNumber)
        #expect(try service.checkpoint(streamArn: arn, shardId: "shardId-000000000000", start: .atTimestamp(cutoff)) == all[0].sequenceNumber)
        #expect(try service.checkpoint(streamArn: arn, shardId: "shardId-000000000000", start: .atTimestamp(cutoff - 60)) == nil)

        #expect(throws: StreamError.shardNotFound("shardId-000000000001", stream: "s", account: "000000000000")) {
            try service.records(streamArn: arn, shardId: "shardId-000000000001", after: nil, limit: 1)
        }
        #expect(throws: StreamError.streamNotFound("gone", account: "000000000000")) {
            try service.shardIds(streamArn: service.streamArn("gone"))
        }
    }

    @Test func recordsOlderThanTheRetentionPeriodAreNeverReturned() throws {
        let service = try makeService()
        try service.createStream(name: "s", shardCount: 1, mode: "PROVISIONED")
        let arn = service.streamArn("s")
        _ = try put(service, "s", "k", "old")
        clock.advance(23 * 3600)
        _ = try put(service, "s", "k", "new")
        #expect(try service.records(streamArn: arn, shardId: "shardId-000000000000", after: nil, limit: 10).count == 2)
        clock.advance(3600 + 1)
        let kept = try service.records(streamArn: arn, shardId: "shardId-000000000000", after: nil, limit: 10)
        #expect(kept.map { String(decoding: $0.data, as: UTF8.self) } == ["new"])
        // A longer retention keeps what was not yet deleted; the next put deletes the rest for good.
        _ = try put(service, "s", "k", "newer")
        try service.setRetention("s", hours: 48, increase: true)
        let after = try service.records(streamArn: arn, shardId: "shardId-000000000000", after: nil, limit: 10)
        #expect(after.map { String(decoding: $0.data, as: UTF8.self) } == ["new", "newer"])
    }

    @Test func streamsAndRecordsSurviveReopening() throws {
        let path = temporaryDatabasePath()
        let written = try {
            let service = try makeService(path: path)
            try service.createStream(name: "s", shardCount: 2, mode: "PROVISIONED")
            return try put(service, "s", "k", "kept")
        }()
        let service = try makeService(path: path)
        let records = try service.records(streamArn: service.streamArn("s"), shardId: written.shardId, after: nil, limit: 10)
        #expect(records.map(\.sequenceNumber) == [written.sequenceNumber])
    }

    @Test func streamErrors() throws {
        let service = try makeService()
        try service.createStream(name: "s", shardCount: nil, mode: "ON_DEMAND")
        #expect(try service.shardIds(streamArn: service.streamArn("s")).count == 4)
        #expect(throws: StreamError.streamExists("s", account: "000000000000")) {
            try service.createStream(name: "s", shardCount: 1, mode: "PROVISIONED")
        }
        #expect(throws: StreamError.self) { try service.setRetention("s", hours: 23, increase: true) }
        try service.setRetention("s", hours: 48, increase: true)
        #expect(throws: StreamError.invalidArgument(
            "Requested retention period (30 hours) for stream s can not be shorter than existing retention period (48 hours). Use DecreaseRetentionPeriod API."
        )) { try service.setRetention("s", hours: 30, increase: true) }
        do {
            try service.createStream(name: "big", shardCount: 497, mode: "PROVISIONED")
            Issue.record("expected LimitExceededException")
        } catch {
            #expect(error.type == "LimitExceededException")
            #expect(error.message.hasPrefix(
                "This request would exceed the shard limit for the account 000000000000 in us-east-1. Current shard count for the account: 4. Limit: 500. Number of additional shards that would have resulted from this request: 497."))
        }
        try service.createStream(name: "big", shardCount: 496, mode: "PROVISIONED")
        try service.deleteStream("s")
        #expect(throws: StreamError.streamNotFound("s", account: "000000000000")) { try service.deleteStream("s") }
    }
}
