import Foundation
import NimbusCore

/// Kinesis Data Streams' AWS JSON 1.1 protocol: `POST /` with `X-Amz-Target: Kinesis_20131202.<Operation>`.
/// Errors are `{"__type":"<Shape>","message":...}`, from which botocore picks the exception.
/// Botocore checks required members and minimums itself; maximums and patterns are checked here.
public struct StreamsAPI: AWSJSONService {
    public static let targetPrefix = "Kinesis_20131202."
    public static let bodyLimit = 10 * 1024 * 1024
    public static let tooLargeType = "ValidationException"
    let service: StreamService

    public init(service: StreamService) {
        self.service = service
    }



    public func dispatch(_ operation: String, _ object: [String: Any]) throws(StreamError) -> [String: Any] {
        try dispatch(operation, StreamsRequest(object))
    }

    private func dispatch(_ operation: String, _ request: StreamsRequest) throws(StreamError) -> [String: Any] {
        switch operation {
        case "CreateStream":
            let name = try request.streamName("StreamName", member: "streamName")
            guard let name else { throw .constraint(nil, at: "streamName", "Member must not be null") }
            var mode = "PROVISIONED"
            if let details = request.object["StreamModeDetails"] as? [String: Any] {
                let value = details["StreamMode"] as? String
                guard let value, ["PROVISIONED", "ON_DEMAND"].contains(value) else {
                    throw .constraint(value, at: "streamModeDetails.streamMode", "Member must satisfy enum value set: [ON_DEMAND, PROVISIONED]")
                }
                mode = value
            }
            try service.createStream(name: name, shardCount: request.int("ShardCount"), mode: mode)
            return [:]
        case "DeleteStream":
            try service.deleteStream(try stream(request))
            return [:]
        case "DescribeStream":
            return ["StreamDescription": try describe(try stream(request), request)]
        case "DescribeStreamSummary":
            let row = try service.stream(try stream(request))
            var summary = streamSummary(row)
            summary["OpenShardCount"] = row.shardCount
            summary["ConsumerCount"] = 0
            summary["EncryptionType"] = "NONE"
            summary["EnhancedMonitoring"] = [["ShardLevelMetrics": [String]()]]
            return ["StreamDescriptionSummary": summary]
        case "ListStreams":
            return try listStreams(request)
        case "ListShards":
            return try listShards(request)
        case "IncreaseStreamRetentionPeriod", "DecreaseStreamRetentionPeriod":
            let name = try stream(request)
            guard let hours = request.int("RetentionPeriodHours") else {
                throw .constraint(nil, at: "retentionPeriodHours", "Member must not be null")
            }
            try service.setRetention(name, hours: hours, increase: operation.hasPrefix("Increase"))
            return [:]
        case "PutRecord":
            let name = try stream(request)
            let entry = try Self.entry(request.object, member: "")
            let (shardId, sequence) = try service.put(name, [entry])[0]
            return ["ShardId": shardId, "SequenceNumber": sequence, "EncryptionType": "NONE"]
        case "PutRecords":
            return try putRecords(request)
        case "GetShardIterator":
            return try shardIterator(request)
        case "GetRecords":
            return try records(request)
        default:
            throw .unknownOperation(operation)
        }
    }

    // MARK: Streams

    /// The stream a request names, by `StreamName` or `StreamARN`.
    private func stream(_ request: StreamsRequest) throws(StreamError) -> String {
        if let name = try request.streamName("StreamName", member: "streamName") { return name }
        if let arn = request.object["StreamARN"] as? String {
            try StreamsRequest.checkArn(arn)
            guard let name = service.streamName(inArn: arn) else {
                let name = arn.split(separator: "/", maxSplits: 1).dropFirst().first.map(String.init) ?? arn
                let account = arn.split(separator: ":", omittingEmptySubsequences: false).dropFirst(4).first.map(String.init) ?? ""
                throw .streamNotFound(name, account: account)
            }
            return name
        }
        // Unverified: AWS's exact wording when neither is given.
        throw .invalidArgument("Either StreamName or StreamARN should be provided.")
    }

    private func streamSummary(_ row: StreamRow) -> [String: Any] {
        [
            "StreamName": row.name, "StreamARN": service.streamArn(row.name), "StreamStatus": "ACTIVE",
            "StreamModeDetails": ["StreamMode": row.mode], "RetentionPeriodHours": row.retentionHours,
            "StreamCreationTimestamp": Double(row.createdAt) / 1000,
        ]
    }

    private func shardShape(_ index: Int, of count: Int) -> [String: Any] {
        let range = HashKey.range(shard: index, of: count)
        return [
            "ShardId": HashKey.shardId(index),
            "HashKeyRange": ["StartingHashKey": String(range.start), "EndingHashKey": String(range.end)],
            "SequenceNumberRange": ["StartingSequenceNumber": SequenceNumber(shard: index, counter: 0).text],
        ]
    }

    private func describe(_ name: String, _ request: StreamsRequest) throws(StreamError) -> [String: Any] {
        let row = try service.stream(name)
        let limit = try request.limit("Limit", member: "limit", max: 10000) ?? 100
        var start = 0
        if let exclusive = try request.shardId("ExclusiveStartShardId", member: "exclusiveStartShardId") {
            start = (HashKey.shardIndex(exclusive).map { $0 + 1 }) ?? 0
        }
        let end = min(row.shardCount, start + limit)
        var description = streamSummary(row)
        description["Shards"] = start < end ? (start..<end).map { shardShape($0, of: row.shardCount) } : []
        description["HasMoreShards"] = end < row.shardCount
        description["EncryptionType"] = "NONE"
        description["EnhancedMonitoring"] = [["ShardLevelMetrics": [String]()]]
        return description
    }

    /// ListStreams: by name after `ExclusiveStartStreamName` or the `NextToken` (the last name returned, base64).
    private func listStreams(_ request: StreamsRequest) throws(StreamError) -> [String: Any] {
        let limit = try request.limit("Limit", member: "limit", max: 10000) ?? 100
        var after = try request.streamName("ExclusiveStartStreamName", member: "exclusiveStartStreamName")
        if let token = request.object["NextToken"] as? String {
            guard let data = Data(base64Encoded: token), let name = String(data: data, encoding: .utf8), name.hasPrefix("stream:") else {
                // Unverified: AWS's wording for a NextToken it did not issue.
                throw .invalidArgument("Invalid NextToken.")
            }
            after = String(name.dropFirst(7))
        }
        let rows = try service.streams().filter { after == nil || $0.name > after! }
        let page = Array(rows.prefix(limit))
        var result: [String: Any] = [
            "StreamNames": page.map(\.name), "HasMoreStreams": rows.count > page.count, "StreamSummaries": page.map(streamSummary),
        ]
        if rows.count > page.count, let last = page.last {
            result["NextToken"] = Data("stream:\(last.name)".utf8).base64EncodedString()
        }
        return result
    }

    /// ListShards: `NextToken` (base64 `shards:<stream>:<next index>`) replaces the stream name, as AWS.
    private func listShards(_ request: StreamsRequest) throws(StreamError) -> [String: Any] {
        let limit = try request.limit("MaxResults", member: "maxResults", max: 10000) ?? 1000
        let name: String
        var start = 0
        if let token = request.object["NextToken"] as? String {
            if request.object["StreamName"] != nil || request.object["StreamARN"] != nil {
                throw .invalidArgument("NextToken and StreamName cannot be provided together.")
            }
            let parts = (Data(base64Encoded: token).flatMap { String(data: $0, encoding: .utf8) } ?? "")
                .split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3, parts[0] == "shards", let index = Int(parts[2]) else {
                // Unverified: AWS's wording for a NextToken it did not issue.
                throw .invalidArgument("Invalid NextToken.")
            }
            name = parts[1]
            start = index
        } else {
            if request.object["StreamName"] == nil, request.object["StreamARN"] == nil {
                throw .invalidArgument("Either NextToken or StreamName should be provided.")
            }
            name = try stream(request)
            if let exclusive = try request.shardId("ExclusiveStartShardId", member: "exclusiveStartShardId") {
                start = (HashKey.shardIndex(exclusive).map { $0 + 1 }) ?? 0
            }
        }
        let row = try service.stream(name)
        let end = min(row.shardCount, start + limit)
        var result: [String: Any] = ["Shards": start < end ? (start..<end).map { shardShape($0, of: row.shardCount) } : []]
        if end < row.shardCount {
            result["NextToken"] = Data("shards:\(name):\(end)".utf8).base64EncodedString()
        }
        return result
    }

    // MARK: Records

    /// A stream's default maximum record size (AWS's `MaxRecordSizeInKiB` 1024).
    static let maxRecordBytes = 1024 * 1024

    /// A base64 `Data` member, refused as AWS's JSON parser refuses it (kinesalite's messages).
    private static func blob(_ text: String) throws(StreamError) -> Data {
        let shown = text.count > 64 ? String(text.prefix(64)) + "..." : text
        if text.utf8.count % 4 != 0 {
            throw StreamError(
                type: "SerializationException",
                message: "'\(shown)' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: \(text.utf8.count)")
        }
        if let bad = text.first(where: { !($0.isASCII && ($0.isLetter || $0.isNumber || "+/=".contains($0))) }) {
            throw StreamError(type: "SerializationException", message: "'\(shown)' can not be converted to a Blob: Invalid Base64 character: '\(bad)'")
        }
        guard let data = Data(base64Encoded: text) else {
            throw StreamError(
                type: "SerializationException", message: "'\(shown)' can not be converted to a Blob: Invalid last non-pad Base64 character dectected")
        }
        return data
    }

    /// A PutRecord request or PutRecords entry; `member` prefixes constraint paths (`records.1.member.`).
    private static func entry(_ object: [String: Any], member: String) throws(StreamError) -> StreamService.PutEntry {
        guard let key = object["PartitionKey"] as? String else { throw .constraint(nil, at: member + "partitionKey", "Member must not be null") }
        if key.count > 256 { throw .constraint(key, at: member + "partitionKey", "Member must have length less than or equal to 256") }
        if key.isEmpty { throw .constraint(key, at: member + "partitionKey", "Member must have length greater than or equal to 1") }
        guard let encoded = object["Data"] as? String else { throw .constraint(nil, at: member + "data", "Member must not be null") }
        let data = try Self.blob(encoded)
        if data.count > maxRecordBytes {
            // Kinesalite's wording (AWS before records could exceed 1 MiB): the value is the decoded buffer.
            throw .constraint(
                "java.nio.HeapByteBuffer[pos=0 lim=\(data.count) cap=\(data.count)]", at: member + "data",
                "Member must have length less than or equal to \(maxRecordBytes)")
        }
        var hashKey: UInt128?
        if let explicit = object["ExplicitHashKey"] as? String {
            guard StreamsRequest.matches(explicit, maxDigits: 39) else {
                throw .constraint(explicit, at: member + "explicitHashKey", #"Member must satisfy regular expression pattern: 0|([1-9]\d{0,38})"#)
            }
            guard let value = UInt128(explicit) else {
                throw .invalidArgument(
                    "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was \(explicit)")
            }
            hashKey = value
        }
        return StreamService.PutEntry(partitionKey: key, data: [UInt8](data), explicitHashKey: hashKey)
    }

    private func putRecords(_ request: StreamsRequest) throws(StreamError) -> [String: Any] {
        guard let list = request.object["Records"] as? [Any] else { throw .constraint(nil, at: "records", "Member must not be null") }
        if list.count > 500 {
            // AWS shows the list's Java rendering as the value; Nimbus shows its size.
            throw .validation(
                "1 validation error detected: Value '[\(list.count) records]' at 'records' failed to satisfy constraint: Member must have length less than or equal to 500")
        }
        if list.isEmpty { throw .constraint("[]", at: "records", "Member must have length greater than or equal to 1") }
        var entries: [StreamService.PutEntry] = []
        for (index, item) in list.enumerated() {
            entries.append(try Self.entry(item as? [String: Any] ?? [:], member: "records.\(index + 1).member."))
        }
        let name = try stream(request)
        let results = try service.put(name, entries)
        return [
            "FailedRecordCount": 0, "EncryptionType": "NONE",
            "Records": results.map { ["ShardId": $0.shardId, "SequenceNumber": $0.sequenceNumber] },
        ]
    }

    private func shardIterator(_ request: StreamsRequest) throws(StreamError) -> [String: Any] {
        let name = try stream(request)
        guard let shardId = try request.shardId("ShardId", member: "shardId") else {
            throw .constraint(nil, at: "shardId", "Member must not be null")
        }
        let rawType = request.object["ShardIteratorType"] as? String
        guard let rawType, let type = StreamService.IteratorType(rawValue: rawType) else {
            throw .constraint(
                rawType, at: "shardIteratorType",
                "Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, LATEST, AT_TIMESTAMP, AT_SEQUENCE_NUMBER, TRIM_HORIZON]")
        }
        let sequence = request.object["StartingSequenceNumber"] as? String
        if let sequence, !StreamsRequest.matches(sequence, maxDigits: 129) {
            throw .constraint(sequence, at: "startingSequenceNumber", #"Member must satisfy regular expression pattern: 0|([1-9]\d{0,128})"#)
        }
        let timestamp = (request.object["Timestamp"] as? NSNumber).map { Date(timeIntervalSince1970: $0.doubleValue) }
        let token = try service.shardIterator(
            stream: name, shardId: shardId, type: type, startingSequenceNumber: sequence, timestamp: timestamp)
        return ["ShardIterator": token]
    }

    private func records(_ request: StreamsRequest) throws(StreamError) -> [String: Any] {
        guard let token = request.object["ShardIterator"] as? String else {
            throw .constraint(nil, at: "shardIterator", "Member must not be null")
        }
        if token.count > 512 { throw .constraint(token, at: "shardIterator", "Member must have length less than or equal to 512") }
        let limit = try request.limit("Limit", member: "limit", max: 10000) ?? 10000
        let page = try service.records(shardIterator: token, limit: limit)
        return [
            "Records": page.records.map {
                [
                    "SequenceNumber": $0.sequenceNumber, "PartitionKey": $0.partitionKey, "Data": Data($0.data).base64EncodedString(),
                    "ApproximateArrivalTimestamp": $0.approximateArrival.timeIntervalSince1970,
                ] as [String: Any]
            },
            "NextShardIterator": page.nextShardIterator, "MillisBehindLatest": page.millisBehindLatest,
        ]
    }
}
