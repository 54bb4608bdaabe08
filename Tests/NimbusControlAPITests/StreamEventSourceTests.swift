import Foundation
import NimbusStreams
import Testing
@testable import NimbusControlAPI

@Suite("KinesisEvent")
struct KinesisEventTests {
    static let arn = "arn:aws:kinesis:us-east-1:000000000000:stream/s"
    static func record(_ sequence: String, _ text: String, at seconds: Double = 1_545_084_650.987) -> StreamRecord {
        StreamRecord(
            sequenceNumber: sequence, partitionKey: "key", data: Array(text.utf8),
            approximateArrival: Date(timeIntervalSince1970: seconds))
    }

    @Test("a record has the fields of AWS's example, with base64 data and millisecond arrival time")
    func recordShape() throws {
        let data = KinesisEvent.payload(
            [Self.record("49590338271490256608559692538361571095921575989136588898", "Hello, this is a test.")],
            shardId: "shardId-000000000006", streamArn: Self.arn, region: "us-east-2", role: "arn:aws:iam::000000000000:role/r")
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains(#""approximateArrivalTimestamp":1545084650.987"#))
        let event = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let record = try #require((event["Records"] as? [[String: Any]])?.first)
        #expect(Set(record.keys) == ["kinesis", "eventSource", "eventVersion", "eventID", "eventName", "invokeIdentityArn", "awsRegion", "eventSourceARN"])
        #expect(record["eventID"] as? String == "shardId-000000000006:49590338271490256608559692538361571095921575989136588898")
        #expect(record["invokeIdentityArn"] as? String == "arn:aws:iam::000000000000:role/r")
        let kinesis = try #require(record["kinesis"] as? [String: Any])
        #expect(kinesis["data"] as? String == "SGVsbG8sIHRoaXMgaXMgYSB0ZXN0Lg==")
        #expect(kinesis["partitionKey"] as? String == "key")
        #expect(kinesis["kinesisSchemaVersion"] as? String == "1.0")
    }

    @Test("arrival times keep three decimals, zero-padded")
    func seconds() {
        #expect(KinesisEvent.seconds(Date(timeIntervalSince1970: 1_700_000_000.05)) == "1700000000.050")
        #expect(KinesisEvent.seconds(Date(timeIntervalSince1970: 1_700_000_000)) == "1700000000.000")
    }

    @Test("a discarded batch's record names its first and last records; an expired one has no responseContext")
    func failureRecord() throws {
        let records = [Self.record("100", "a", at: 1_700_000_000), Self.record("105", "b", at: 1_700_000_001.5)]
        let exhausted = KinesisEvent.failureRecord(
            records, condition: .retryAttemptsExhausted, invokeCount: 3,
            response: .init(statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled"), requestId: "r",
            functionArn: "arn:aws:lambda:us-east-1:000000000000:function:f", shardId: "shardId-000000000001", streamArn: Self.arn,
            at: Date(timeIntervalSince1970: 1_700_000_002))
        let body = try #require(try JSONSerialization.jsonObject(with: Data(exhausted.utf8)) as? [String: Any])
        let info = try #require(body["KinesisBatchInfo"] as? [String: Any])
        #expect(info["startSequenceNumber"] as? String == "100")
        #expect(info["endSequenceNumber"] as? String == "105")
        #expect(info["batchSize"] as? Int == 2)
        #expect(info["approximateArrivalOfLastRecord"] as? String == "2023-11-14T22:13:21.500Z")
        #expect(body["timestamp"] as? String == "2023-11-14T22:13:22.000Z")
        #expect((body["requestContext"] as? [String: Any])?["condition"] as? String == "RetryAttemptsExhausted")
        #expect((body["responseContext"] as? [String: Any])?["functionError"] as? String == "Unhandled")

        let expired = KinesisEvent.failureRecord(
            records, condition: .recordAgeExceeded, invokeCount: 0, response: nil, requestId: "r",
            functionArn: "f", shardId: "s", streamArn: Self.arn)
        let expiredBody = try #require(try JSONSerialization.jsonObject(with: Data(expired.utf8)) as? [String: Any])
        #expect(expiredBody["responseContext"] == nil)
        #expect((expiredBody["requestContext"] as? [String: Any])?["condition"] as? String == "RecordAgeExceeded")
    }
}

@Suite("ShardConsumer.Progress")
struct ShardProgressTests {
    @Test("the checkpoint moves only over a finished prefix")
    func prefix() {
        var progress = ShardConsumer.Progress()
        progress.order = ["1", "2", "3", "4"]
        #expect(progress.finish(["2", "3"]) == nil)  // "1" is still out
        #expect(progress.checkpoint == nil)
        #expect(progress.finish(["1"]) == .some("3"))
        #expect(progress.outstanding == 1)
        #expect(progress.finish(["4"]) == .some("4"))
        #expect(progress.outstanding == 0)
    }

    @Test("a long run compacts without losing its place")
    func compaction() {
        var progress = ShardConsumer.Progress()
        progress.order = (0..<5000).map(String.init)
        #expect(progress.finish((0..<4500).map(String.init)) == .some("4499"))
        #expect(progress.outstanding == 500)
        progress.order.append("5000")
        #expect(progress.finish((4500...5000).map(String.init)) == .some("5000"))
    }
}
