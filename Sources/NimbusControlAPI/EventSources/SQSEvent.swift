import Foundation
import NimbusQueues

/// The event Lambda sends a function for a batch of SQS messages (AWS's exact shape,
/// checked against `esm_sqs.snapshot.json`).
public enum SQSEvent {
    /// `{"Records":[...]}` for `messages` received from `queueArn`.
    public static func payload(_ messages: [QueueService.ReceivedMessage], queueArn: String, region: String) -> Data {
        let event = Event(Records: messages.map { Record($0, queueArn: queueArn, region: region) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return (try? encoder.encode(event)) ?? Data(#"{"Records":[]}"#.utf8)
    }

    struct Event: Encodable {
        var Records: [Record]
    }

    struct Record: Encodable {
        var messageId: String
        var receiptHandle: String
        var body: String
        var attributes: Attributes
        var messageAttributes: [String: Attribute]
        var md5OfMessageAttributes: String?
        var md5OfBody: String
        var eventSource = "aws:sqs"
        var eventSourceARN: String
        var awsRegion: String

        init(_ message: QueueService.ReceivedMessage, queueArn: String, region: String) {
            messageId = message.messageId
            receiptHandle = message.receiptHandle
            body = message.body
            attributes = Attributes(
                ApproximateReceiveCount: String(message.approximateReceiveCount), SentTimestamp: String(message.sentTimestamp),
                SenderId: message.senderId, ApproximateFirstReceiveTimestamp: String(message.approximateFirstReceiveTimestamp))
            messageAttributes = message.attributes.mapValues(Attribute.init)
            md5OfMessageAttributes = MessageDigest.md5(ofAttributes: message.attributes)
            md5OfBody = message.md5OfBody
            eventSourceARN = queueArn
            awsRegion = region
        }

        enum CodingKeys: String, CodingKey {
            case messageId, receiptHandle, body, attributes, messageAttributes, md5OfMessageAttributes, md5OfBody
            case eventSource, eventSourceARN, awsRegion
        }

        /// `md5OfMessageAttributes` is `null` (not absent) for a message without attributes.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(messageId, forKey: .messageId)
            try container.encode(receiptHandle, forKey: .receiptHandle)
            try container.encode(body, forKey: .body)
            try container.encode(attributes, forKey: .attributes)
            try container.encode(messageAttributes, forKey: .messageAttributes)
            try container.encode(md5OfMessageAttributes, forKey: .md5OfMessageAttributes)
            try container.encode(md5OfBody, forKey: .md5OfBody)
            try container.encode(eventSource, forKey: .eventSource)
            try container.encode(eventSourceARN, forKey: .eventSourceARN)
            try container.encode(awsRegion, forKey: .awsRegion)
        }
    }

    struct Attributes: Encodable {
        var ApproximateReceiveCount: String
        var SentTimestamp: String
        var SenderId: String
        var ApproximateFirstReceiveTimestamp: String
    }

    /// A message attribute in the event's lower-camel-case shape (binary values in base64).
    struct Attribute: Encodable {
        var stringValue: String?
        var binaryValue: String?
        var stringListValues: [String] = []
        var binaryListValues: [String] = []
        var dataType: String

        init(_ value: MessageAttributeValue) {
            stringValue = value.stringValue
            binaryValue = value.binaryValue.map { Data($0).base64EncodedString() }
            dataType = value.dataType
        }
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
