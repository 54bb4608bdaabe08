import Foundation
import NimbusCore
import NimbusStreams

/// The event Lambda sends a function for a batch of Kinesis records, and the record it
/// sends an on-failure destination for a discarded batch (AWS's exact shapes, checked
/// against `esm_kinesis.snapshot.json` and with-kinesis.md).
public enum KinesisEvent {
    /// `{"Records":[...]}`, keys in the order AWS's example shows.
    public static func payload(_ records: [StreamRecord], shardId: String, streamArn: String, region: String, role: String) -> Data {
        let items = records.map { record($0, shardId: shardId, streamArn: streamArn, region: region, role: role) }
        return Data(SQSEvent.object([("Records", "[" + items.joined(separator: ",") + "]")]).utf8)
    }

    /// One record of the event: what the function gets, and what filters look at.
    static func record(_ record: StreamRecord, shardId: String, streamArn: String, region: String, role: String) -> String {
        SQSEvent.object([
            ("kinesis", SQSEvent.object([
                ("kinesisSchemaVersion", SQSEvent.string("1.0")),
                ("partitionKey", SQSEvent.string(record.partitionKey)),
                ("sequenceNumber", SQSEvent.string(record.sequenceNumber)),
                ("data", SQSEvent.string(Data(record.data).base64EncodedString())),
                ("approximateArrivalTimestamp", seconds(record.approximateArrival)),
            ])),
            ("eventSource", SQSEvent.string("aws:kinesis")),
            ("eventVersion", SQSEvent.string("1.0")),
            ("eventID", SQSEvent.string("\(shardId):\(record.sequenceNumber)")),
            ("eventName", SQSEvent.string("aws:kinesis:record")),
            ("invokeIdentityArn", SQSEvent.string(role)),
            ("awsRegion", SQSEvent.string(region)),
            ("eventSourceARN", SQSEvent.string(streamArn)),
        ])
    }

    /// Why a batch was discarded.
    public enum Condition: String, Sendable {
        case retryAttemptsExhausted = "RetryAttemptsExhausted"
        case recordAgeExceeded = "RecordAgeExceeded"
    }

    /// The function's last answer, for `responseContext` (absent when the batch expired
    /// before it was invoked).
    public struct Response: Sendable {
        public var statusCode: Int
        public var executedVersion: String
        public var functionError: String?
    }

    /// The invocation record sent to an on-failure destination.
    public static func failureRecord(
        _ records: [StreamRecord], condition: Condition, invokeCount: Int, response: Response?, requestId: String,
        functionArn: String, shardId: String, streamArn: String, at time: Date = Date()
    ) -> String {
        var parts: [(String, String)] = [
            ("requestContext", SQSEvent.object([
                ("requestId", SQSEvent.string(requestId)),
                ("functionArn", SQSEvent.string(functionArn)),
                ("condition", SQSEvent.string(condition.rawValue)),
                ("approximateInvokeCount", String(invokeCount)),
            ])),
        ]
        if let response {
            parts.append(("responseContext", SQSEvent.object([
                ("statusCode", String(response.statusCode)),
                ("executedVersion", SQSEvent.string(response.executedVersion)),
                ("functionError", response.functionError.map(SQSEvent.string) ?? "null"),
            ])))
        }
        let first = records.first, last = records.last
        parts += [
            ("version", SQSEvent.string("1.0")),
            ("timestamp", SQSEvent.string(iso8601(time))),
            ("KinesisBatchInfo", SQSEvent.object([
                ("shardId", SQSEvent.string(shardId)),
                ("startSequenceNumber", SQSEvent.string(first?.sequenceNumber ?? "")),
                ("endSequenceNumber", SQSEvent.string(last?.sequenceNumber ?? "")),
                ("approximateArrivalOfFirstRecord", SQSEvent.string(iso8601(first?.approximateArrival ?? time))),
                ("approximateArrivalOfLastRecord", SQSEvent.string(iso8601(last?.approximateArrival ?? time))),
                ("batchSize", String(records.count)),
                ("streamArn", SQSEvent.string(streamArn)),
            ])),
        ]
        return SQSEvent.object(parts)
    }

    /// Epoch seconds with milliseconds, as `approximateArrivalTimestamp` (e.g. 1545084650.987).
    static func seconds(_ date: Date) -> String {
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let fraction = String(millis % 1000)
        return "\(millis / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }

    /// `2019-11-14T00:38:06.021Z`, as in asynchronous invocation records.
    static func iso8601(_ date: Date) -> String {
        AWSDate.invocationRecord(date)
    }
}
