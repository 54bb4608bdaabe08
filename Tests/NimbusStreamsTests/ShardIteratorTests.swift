import Foundation
import NimbusCore
import NimbusStore
import Testing
@testable import NimbusStreams

@Suite struct ShardIteratorTests {
    let clock = TestClock()

    func makeService() throws -> StreamService {
        let clock = self.clock
        return StreamService(account: Account(), database: try NimbusDatabase(path: temporaryDatabasePath()), now: { clock.now })
    }

    func texts(_ records: [StreamRecord]) -> [String] { records.map { String(decoding: $0.data, as: UTF8.self) } }

    @Test func tokensRoundTripAndRejectForgeries() {
        let iterator = ShardIterator(streamName: "a/b", streamCreatedAt: 5, shard: 2, after: 9, issuedAt: 7)
        #expect(ShardIterator(token: iterator.token) == iterator)
        #expect(ShardIterator(token: "not base64!") == nil)
        #expect(ShardIterator(token: Data("2/1/1/1/1/s".utf8).base64EncodedString()) == nil)
        #expect(ShardIterator.amzUTCString(1_421_889_722_000) == "Thu Jan 22 01:22:02 UTC 2015")
    }

    @Test func everyIteratorTypeAndPaging() throws {
        let service = try makeService()
        try service.createStream(name: "s", shardCount: 1, mode: "PROVISIONED")
        let shard = "shardId-000000000000"
        let first = try service.put("s", [.init(partitionKey: "k", data: Array("a".utf8))])[0].sequenceNumber
        clock.advance(5)
        let between = clock.now
        clock.advance(5)
        let second = try service.put("s", [.init(partitionKey: "k", data: Array("b".utf8)), .init(partitionKey: "k", data: Array("c".utf8))])
        let latest = try service.shardIterator(stream: "s", shardId: shard, type: .latest, startingSequenceNumber: nil, timestamp: nil)

        func read(_ type: StreamService.IteratorType, _ sequence: String? = nil, _ time: Date? = nil) throws -> [String] {
            let token = try service.shardIterator(stream: "s", shardId: shard, type: type, startingSequenceNumber: sequence, timestamp: time)
            return texts(try service.records(shardIterator: token, limit: 100).records)
        }
        #expect(try read(.trimHorizon) == ["a", "b", "c"])
        #expect(try read(.atSequenceNumber, second[0].sequenceNumber) == ["b", "c"])
        #expect(try read(.afterSequenceNumber, second[0].sequenceNumber) == ["c"])
        #expect(try read(.afterSequenceNumber, first) == ["b", "c"])
        #expect(try read(.atTimestamp, nil, between) == ["b", "c"])
        // The shard's StartingSequenceNumber (counter 0) reads from the start.
        #expect(try read(.atSequenceNumber, SequenceNumber(shard: 0, counter: 0).text) == ["a", "b", "c"])

        #expect(try service.records(shardIterator: latest, limit: 10).records.isEmpty)
        _ = try service.put("s", [.init(partitionKey: "k", data: Array("d".utf8))])
        let page = try service.records(shardIterator: latest, limit: 10)
        #expect(texts(page.records) == ["d"])
        #expect(page.millisBehindLatest == 0)

        let token = try service.shardIterator(stream: "s", shardId: shard, type: .trimHorizon, startingSequenceNumber: nil, timestamp: nil)
        let one = try service.records(shardIterator: token, limit: 1)
        #expect(texts(one.records) == ["a"])
        #expect(one.millisBehindLatest == 10_000)  // "a" arrived 10 s ago and more follow
        let rest = try service.records(shardIterator: one.nextShardIterator, limit: 10)
        #expect(texts(rest.records) == ["b", "c", "d"])
        #expect(try service.records(shardIterator: rest.nextShardIterator, limit: 10).records.isEmpty)
    }

    @Test func iteratorsExpireAfterFiveMinutes() throws {
        let service = try makeService()
        try service.createStream(name: "s", shardCount: 1, mode: "PROVISIONED")
        let token = try service.shardIterator(stream: "s", shardId: "shardId-000000000000", type: .trimHorizon, startingSequenceNumber: nil, timestamp: nil)
        clock.advance(300)
        let next = try service.records(shardIterator: token, limit: 1).nextShardIterator
        clock.advance(1)
        #expect(throws: StreamError.self) { try service.records(shardIterator: token, limit: 1) }
        do {
            _ = try service.records(shardIterator: token, limit: 1)
        } catch {
            #expect(error.type == "ExpiredIteratorException")
            #expect(error.message.hasSuffix("which is further in the future than the tolerated delay of 300000 milliseconds."))
        }
        // The next iterator was issued with the last read: it is still fresh.
        #expect(try service.records(shardIterator: next, limit: 1).records.isEmpty)
    }
}
