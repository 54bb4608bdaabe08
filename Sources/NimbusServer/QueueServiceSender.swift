import NimbusInvoke
import NimbusQueues

/// Delivers asynchronous invocation's queue destinations and dead letters to Nimbus's
/// own queues (`NimbusInvoke` knows only the ``QueueSender`` protocol).
struct QueueServiceSender: QueueSender {
    let queues: QueueService

    func send(queueArn: String, body: String, attributes: [String: QueueMessageAttribute]) async throws {
        // SQS refuses attributes with an empty value (an error without a message has one).
        var values: [String: MessageAttributeValue] = [:]
        for (name, attribute) in attributes where !attribute.value.isEmpty {
            values[name] = MessageAttributeValue(dataType: attribute.dataType, stringValue: attribute.value)
        }
        _ = try queues.send(queueArn: queueArn, body: body, attributes: values)
    }
}
