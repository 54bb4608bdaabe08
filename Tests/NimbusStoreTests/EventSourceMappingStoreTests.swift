import Foundation
import Testing
@testable import NimbusStore

@Suite("EventSourceMappingStore")
struct EventSourceMappingStoreTests {
    static func store() throws -> EventSourceMappingStore {
        EventSourceMappingStore(database: try NimbusDatabase(path: try temporaryDirectory().appendingPathComponent("db.sqlite").path))
    }

    static func record(_ uuid: String, stream: StreamMappingSettings? = nil, filters: [String] = []) -> EventSourceMappingRecord {
        EventSourceMappingRecord(
            uuid: uuid, eventSourceArn: "arn:aws:kinesis:us-east-1:000000000000:stream/s", functionName: "f", qualifier: "live",
            batchSize: 100, maximumBatchingWindowInSeconds: 1, enabled: true, functionResponseTypes: ["ReportBatchItemFailures"],
            maximumConcurrency: nil, lastModified: Date(timeIntervalSince1970: 1_700_000_000), filterPatterns: filters, stream: stream)
    }

    @Test("a queue mapping and a stream mapping with filters come back as saved")
    func roundTrip() throws {
        let store = try Self.store()
        let queue = Self.record("q")
        let settings = StreamMappingSettings(
            startingPosition: "AT_TIMESTAMP", startingPositionTimestamp: Date(timeIntervalSince1970: 1_699_999_000),
            maximumRetryAttempts: 3, maximumRecordAgeInSeconds: 120, bisectBatchOnFunctionError: true, parallelizationFactor: 4,
            onFailureDestination: "arn:aws:sqs:us-east-1:000000000000:dlq")
        let stream = Self.record("s", stream: settings, filters: [#"{"data": {"a": [1]}}"#])
        try store.save(queue)
        let saved: [String: String?] = ["shardId-000000000000": String?.none, "shardId-000000000001": "490001"]
        try store.save(stream, checkpoints: saved)
        #expect(try store.get("q") == queue)
        #expect(try store.get("s") == stream)
        #expect(try store.all().map(\.uuid) == ["q", "s"])
        #expect(try store.checkpoints("s") == saved)
    }

    @Test("checkpoints move, and go with their mapping")
    func checkpoints() throws {
        let store = try Self.store()
        try store.save(Self.record("s", stream: StreamMappingSettings(startingPosition: "LATEST")))
        #expect(try store.checkpoints("s").isEmpty)
        try store.setCheckpoint("s", shard: "shardId-000000000000", sequence: "1")
        try store.setCheckpoint("s", shard: "shardId-000000000000", sequence: "2")
        #expect(try store.checkpoints("s") == ["shardId-000000000000": "2"])
        #expect(try store.delete("s"))
        #expect(try store.checkpoints("s").isEmpty)
    }
}
