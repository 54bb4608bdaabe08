import Foundation
import NimbusQueues

/// The event Lambda sends a function for a batch of SQS messages (AWS's exact shape,
/// checked against `esm_sqs.snapshot.json`).
public enum SQSEvent {
    /// `{"Records":[...]}` for `messages` received from `queueArn`. Written by hand so
    /// that keys come in AWS's order (JSONEncoder does not keep declaration order here).
    public static func payload(_ messages: [QueueService.ReceivedMessage], queueArn: String, region: String) -> Data {
        let records = messages.map { record($0, queueArn: queueArn, region: region) }
        return Data(object([("Records", "[" + records.joined(separator: ",") + "]")]).utf8)
    }

    static func record(_ message: QueueService.ReceivedMessage, queueArn: String, region: String) -> String {
        let attributes = object([
            ("ApproximateReceiveCount", string(String(message.approximateReceiveCount))),
            ("SentTimestamp", string(String(message.sentTimestamp))),
            ("SenderId", string(message.senderId)),
            ("ApproximateFirstReceiveTimestamp", string(String(message.approximateFirstReceiveTimestamp))),
        ])
        let messageAttributes = object(message.attributes.sorted { $0.key < $1.key }.map { ($0.key, attribute($0.value)) })
        return object([
            ("messageId", string(message.messageId)),
            ("receiptHandle", string(message.receiptHandle)),
            ("body", string(message.body)),
            ("attributes", attributes),
            ("messageAttributes", messageAttributes),
            ("md5OfMessageAttributes", MessageDigest.md5(ofAttributes: message.attributes).map(string) ?? "null"),
            ("md5OfBody", string(message.md5OfBody)),
            ("eventSource", string("aws:sqs")),
            ("eventSourceARN", string(queueArn)),
            ("awsRegion", string(region)),
        ])
    }

    /// A message attribute in the event's lower-camel-case shape (binary values in base64).
    static func attribute(_ value: MessageAttributeValue) -> String {
        var pairs: [(String, String)] = []
        if let text = value.stringValue { pairs.append(("stringValue", string(text))) }
        if let bytes = value.binaryValue { pairs.append(("binaryValue", string(Data(bytes).base64EncodedString()))) }
        pairs += [("stringListValues", "[]"), ("binaryListValues", "[]"), ("dataType", string(value.dataType))]
        return object(pairs)
    }

    /// A JSON object from keys and already-encoded values, in the given order.
    static func object(_ pairs: [(String, String)]) -> String {
        "{" + pairs.map { string($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()

    /// A JSON string literal.
    static func string(_ text: String) -> String {
        (try? encoder.encode(text)).map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
    }
}

/// What a function's answer means for its batch under `ReportBatchItemFailures`.
public enum BatchItemFailures: Equatable, Sendable {
    /// Every message succeeded: delete them all.
    case allSucceeded
    /// These message IDs failed: delete the others.
    case failed(Set<String>)
    /// The answer is unusable: the whole batch failed.
    case batchFailed

    /// Parses a function's response, with AWS's rules (with-sqs.md, "Success and failure
    /// conditions"): empty or null `batchItemFailures` or response is success; invalid JSON,
    /// an empty, null or misnamed `itemIdentifier`, or an unknown message ID fails the batch.
    public static func parse(_ payload: Data, messageIds: Set<String>) -> BatchItemFailures {
        let trimmed = String(decoding: payload, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty || trimmed == "null" { return .allSucceeded }
        guard let value = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8), options: [.fragmentsAllowed]) else { return .batchFailed }
        guard let object = value as? [String: Any] else { return .allSucceeded }
        guard let list = object["batchItemFailures"], !(list is NSNull) else { return .allSucceeded }
        guard let items = list as? [Any] else { return .batchFailed }
        if items.isEmpty { return .allSucceeded }
        var failed = Set<String>()
        for item in items {
            guard let entry = item as? [String: Any], let id = entry["itemIdentifier"] as? String, !id.isEmpty, messageIds.contains(id) else {
                return .batchFailed
            }
            failed.insert(id)
        }
        return .failed(failed)
    }
}
