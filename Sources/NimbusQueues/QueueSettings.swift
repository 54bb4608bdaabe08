import Foundation

/// A queue's settable attributes, stored as the strings the API uses.
///
/// Rules:
/// 1. Every name is checked against SQS's list; an unknown one is `InvalidAttributeName`,
///    so a typo never silently becomes a default.
/// 2. Numbers are checked against SQS's ranges (`InvalidAttributeValue`).
/// 3. FIFO attributes are refused (`UnsupportedOperation`): Nimbus has standard queues only.
public struct QueueSettings: Sendable, Equatable {
    /// SQS's defaults for a new queue.
    public static let defaults: [String: String] = [
        "VisibilityTimeout": "30", "MessageRetentionPeriod": "345600", "DelaySeconds": "0",
        "ReceiveMessageWaitTimeSeconds": "0", "MaximumMessageSize": "1048576",
    ]
    /// Integer attributes and their inclusive ranges.
    static let ranges: [String: ClosedRange<Int>] = [
        "VisibilityTimeout": 0...43_200, "MessageRetentionPeriod": 60...1_209_600, "DelaySeconds": 0...900,
        "ReceiveMessageWaitTimeSeconds": 0...20, "MaximumMessageSize": 1_024...1_048_576,
        "KmsDataKeyReusePeriodSeconds": 60...86_400,
    ]
    /// Attributes kept as given (policies, encryption settings Nimbus does not act on).
    static let opaque: Set<String> = ["Policy", "RedriveAllowPolicy", "KmsMasterKeyId", "SqsManagedSseEnabled"]
    static let fifoNames: Set<String> = ["FifoQueue", "ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit"]

    public var values: [String: String]

    public init(values: [String: String] = QueueSettings.defaults) {
        self.values = values
    }

    public var visibilityTimeout: Int { int("VisibilityTimeout") }
    public var messageRetentionPeriod: Int { int("MessageRetentionPeriod") }
    public var delaySeconds: Int { int("DelaySeconds") }
    public var receiveMessageWaitTimeSeconds: Int { int("ReceiveMessageWaitTimeSeconds") }
    public var maximumMessageSize: Int { int("MaximumMessageSize") }
    public var redrivePolicy: RedrivePolicy? { values["RedrivePolicy"].flatMap { try? RedrivePolicy(parsing: $0) } }

    private func int(_ name: String) -> Int {
        values[name].flatMap(Int.init) ?? Self.defaults[name].flatMap(Int.init) ?? 0
    }

    /// Checks `attributes` and returns them merged over `self`.
    ///
    /// - Parameter deadLetterQueueExists: whether a RedrivePolicy's target exists.
    func applying(_ attributes: [String: String], deadLetterQueueExists: (String) -> Bool) throws(QueueError) -> QueueSettings {
        var merged = values
        for (name, value) in attributes.sorted(by: { $0.key < $1.key }) {
            if Self.fifoNames.contains(name) {
                if name == "FifoQueue" && value.lowercased() == "false" { continue }
                throw .fifoUnsupported
            }
            if let range = Self.ranges[name] {
                guard let number = Int(value), range.contains(number) else {
                    throw .invalidAttributeValue("Invalid value for the parameter \(name).")
                }
                merged[name] = String(number)
            } else if name == "RedrivePolicy" {
                if value.isEmpty {
                    merged[name] = nil
                    continue
                }
                let policy = try RedrivePolicy(parsing: value)
                guard deadLetterQueueExists(policy.deadLetterTargetArn) else {
                    throw .invalidParameterValue(
                        "Value \(value) for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.")
                }
                merged[name] = policy.json
            } else if Self.opaque.contains(name) {
                merged[name] = value
            } else {
                throw .invalidAttributeName(name)
            }
        }
        return QueueSettings(values: merged)
    }
}

/// Where a queue's repeatedly failing messages go: `{"deadLetterTargetArn": ..., "maxReceiveCount": N}`.
public struct RedrivePolicy: Sendable, Equatable {
    public var deadLetterTargetArn: String
    public var maxReceiveCount: Int

    public init(deadLetterTargetArn: String, maxReceiveCount: Int) {
        self.deadLetterTargetArn = deadLetterTargetArn
        self.maxReceiveCount = maxReceiveCount
    }

    /// Parses the attribute's JSON; `maxReceiveCount` may be a number or a string, as SQS accepts.
    public init(parsing text: String) throws(QueueError) {
        func invalid(_ reason: String) -> QueueError {
            .invalidParameterValue("Value \(text) for parameter RedrivePolicy is invalid. Reason: \(reason)")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
            throw invalid("Redrive policy is not a valid JSON map.")
        }
        guard let arn = object["deadLetterTargetArn"] as? String else {
            throw invalid("Redrive policy does not contain mandatory attribute: deadLetterTargetArn.")
        }
        let count: Int?
        switch object["maxReceiveCount"] {
        case let number as NSNumber: count = number.intValue
        case let string as String: count = Int(string)
        default: throw invalid("Redrive policy does not contain mandatory attribute: maxReceiveCount.")
        }
        guard let count, (1...1000).contains(count) else {
            throw invalid("Invalid value for maxReceiveCount: \(object["maxReceiveCount"] ?? ""), valid values are from 1 to 1000 both inclusive.")
        }
        self.init(deadLetterTargetArn: arn, maxReceiveCount: count)
    }

    /// The attribute as SQS reports it back.
    var json: String {
        #"{"deadLetterTargetArn":"\#(deadLetterTargetArn)","maxReceiveCount":\#(maxReceiveCount)}"#
    }

    /// Whether a message already received `receiveCount` times moves to the dead-letter
    /// queue instead of being delivered again: SQS moves it once its receive count would
    /// exceed `maxReceiveCount`.
    public func movesToDeadLetterQueue(receiveCount: Int) -> Bool {
        receiveCount >= maxReceiveCount
    }
}
