import Foundation

/// An event source mapping's `FilterCriteria`: a record is delivered when any filter matches.
///
/// What happens to a record no filter matches (invocation-eventfiltering.md):
/// - SQS: "Lambda automatically removes the message from the queue" (the poller deletes
///   it at once, without invoking the function, and it never counts as a failure).
/// - Kinesis and DynamoDB Streams: "the streams iterator advances past this record": the
///   poller skips it and checkpoints past it as if it had been processed.
/// A batch whose records are all filtered out invokes nothing. Filtering happens per
/// record before batching ("Lambda applies your filter criteria to each new event to
/// determine whether to add it to the current batch").
public struct FilterCriteria: Sendable, Equatable {
    /// The event source a mapping reads, which decides what its filters see.
    public enum Source: Sendable {
        case sqs, kinesis, dynamoDBStreams

        /// The key that holds a record's data properties ("the data key depends on the
        /// event source": `body`, `data`, `dynamodb`).
        public var dataKey: String {
            switch self {
            case .sqs: "body"
            case .kinesis: "data"
            case .dynamoDBStreams: "dynamodb"
            }
        }
    }

    /// Filters per mapping by default ("By default, you can have five different filters
    /// per event source"); AWS's error when exceeding it is not recorded, so callers decide.
    public static let defaultMaximumFilters = 5

    public let patterns: [EventPattern]

    /// Parses each filter's `Pattern`, in order. An empty list means no filtering.
    ///
    /// For Kinesis and DynamoDB Streams, a pattern whose data key (`data`, `dynamodb`)
    /// holds a rule array instead of a nested object is refused: "The filter pattern for
    /// data properties must be in a valid JSON format" ("Lambda throws an exception at the
    /// time of the event source mapping creation or update"). AWS's message for that case
    /// is not recorded; Nimbus gives its invalid-pattern error.
    public init(patterns: [String], source: Source) throws(LambdaError) {
        var parsed: [EventPattern] = []
        for (offset, text) in patterns.enumerated() {
            let pattern = try EventPattern(json: text, position: offset + 1)
            if source != .sqs,
               pattern.topLevelFields.contains(where: { key, field in
                   if key == source.dataKey, case .rules = field { return true }
                   return false
               }) {
                throw EventPattern.invalid
            }
            parsed.append(pattern)
        }
        self.patterns = parsed
    }

    /// Whether `event` passes: true with no filters, else when any pattern matches.
    public func matches(_ event: JSONValue) -> Bool {
        patterns.isEmpty || patterns.contains { $0.matches(event) }
    }
}

// MARK: - The record each source's filters see

extension FilterCriteria {
    /// Whether an SQS record passes, given the record as it goes into the function's event
    /// (`messageId`, `receiptHandle`, `body`, `attributes`, `messageAttributes`, ...).
    ///
    /// The filters see `body` parsed when it is a JSON object, and the plain string
    /// otherwise (invocation-eventfiltering.md, "Properly filtering Amazon SQS messages").
    /// With rule 5 of `EventPattern` matching, a JSON pattern for a plain body, or a
    /// plain-string pattern for a JSON body, drops the message, as that section's table says.
    public func matchesSQSRecord(_ record: JSONValue) -> Bool {
        if patterns.isEmpty { return true }
        return matches(Self.sqsFilterView(of: record))
    }

    /// `matchesSQSRecord(_:)` for the record's JSON text; text that is not a JSON object fails.
    public func matchesSQSRecord(json: [UInt8]) -> Bool {
        if patterns.isEmpty { return true }
        guard let record = JSONValue.parse(json) else { return false }
        return matchesSQSRecord(record)
    }

    /// The SQS record as filters see it: `body` replaced by its JSON object, if it is one.
    public static func sqsFilterView(of record: JSONValue) -> JSONValue {
        guard case .object(var fields) = record, case .string(let body)? = fields["body"],
              let parsed = JSONValue.parse(body), case .object = parsed else { return record }
        fields["body"] = parsed
        return .object(fields)
    }

    /// Whether a Kinesis record passes, given the record as it goes into the function's
    /// event (`{"kinesis": {...}, "eventSource": "aws:kinesis", ...}`).
    ///
    /// The filters see the fields of the `kinesis` object (`kinesisSchemaVersion`,
    /// `partitionKey`, `sequenceNumber`, `data`, `approximateArrivalTimestamp`): the guide's
    /// patterns name `partitionKey` and `data` at the top. `data` is base64-decoded and,
    /// when it is a JSON object, parsed; otherwise it stays the base64 text, so a pattern
    /// on data properties drops the record and other patterns still apply ("Non-JSON" rows
    /// of "Properly filtering Kinesis and DynamoDB messages").
    public func matchesKinesisRecord(_ record: JSONValue) -> Bool {
        if patterns.isEmpty { return true }
        return matches(Self.kinesisFilterView(of: record))
    }

    /// `matchesKinesisRecord(_:)` for the record's JSON text; text that is not JSON fails.
    public func matchesKinesisRecord(json: [UInt8]) -> Bool {
        if patterns.isEmpty { return true }
        guard let record = JSONValue.parse(json) else { return false }
        return matchesKinesisRecord(record)
    }

    /// The Kinesis record as filters see it: the `kinesis` object, `data` decoded when it
    /// holds a base64-encoded JSON object.
    public static func kinesisFilterView(of record: JSONValue) -> JSONValue {
        guard case .object(let outer) = record, case .object(var fields)? = outer["kinesis"] else { return record }
        if case .string(let encoded)? = fields["data"], let bytes = Data(base64Encoded: encoded),
           let parsed = JSONValue.parse(Array(bytes)), case .object = parsed {
            fields["data"] = parsed
        }
        return .object(fields)
    }

    /// Whether a DynamoDB Streams record passes: filters see the record as delivered
    /// (`eventName`, `eventSource`, `dynamodb` with `Keys`, `NewImage`, ...).
    public func matchesDynamoDBRecord(_ record: JSONValue) -> Bool {
        matches(record)
    }
}
