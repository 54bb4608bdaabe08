import Foundation

/// Sends messages to a queue by its SQS ARN: how asynchronous invocation delivers records
/// to queue destinations and failed events to a function's `DeadLetterConfig`.
///
/// A protocol so that `NimbusInvoke` does not depend on the queue service; the server
/// wires Nimbus's own queues in.
public protocol QueueSender: Sendable {
    /// - Parameter attributes: message attributes by name: their `DataType` (`String`,
    ///   `Number`) and string value.
    func send(queueArn: String, body: String, attributes: [String: QueueMessageAttribute]) async throws
}

/// One message attribute: a `DataType` and a string value.
public struct QueueMessageAttribute: Sendable, Equatable {
    public var dataType: String
    public var value: String

    public init(dataType: String, value: String) {
        self.dataType = dataType
        self.value = value
    }
}
