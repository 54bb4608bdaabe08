/// The queue API for other Nimbus components, keyed by queue ARN (what Lambda's
/// configurations hold: event source mappings, destinations, DeadLetterConfig).
extension QueueService {
    /// A message handed to another component: what it needs to process and delete it.
    public struct ReceivedMessage: Sendable, Equatable {
        public var messageId: String
        public var receiptHandle: String
        public var body: String
        public var md5OfBody: String
        public var attributes: [String: MessageAttributeValue]
        public var sentTimestamp: Int64
        public var approximateReceiveCount: Int
        public var approximateFirstReceiveTimestamp: Int64
        /// The account that sent it (SQS's `SenderId`).
        public var senderId: String = ""
    }

    private func queueName(arn: String) throws(QueueError) -> String {
        guard let name = name(fromArn: arn) else { throw .queueDoesNotExist }
        return name
    }

    /// Sends a message to the queue with that ARN, with the same checks as SendMessage.
    public func send(queueArn: String, body: String, attributes: [String: MessageAttributeValue] = [:]) throws(QueueError) -> SentMessage {
        try send(queue: queueName(arn: queueArn), body: body, attributes: attributes, delaySeconds: nil)
    }

    /// Receives up to `max` (1–10) messages without waiting; each stays invisible for
    /// `visibilityTimeout` seconds (the queue's own when nil). Redrive applies.
    public func receive(queueArn: String, max: Int = 10, visibilityTimeout: Int? = nil) throws(QueueError) -> [ReceivedMessage] {
        try receiveNow(queue: queueName(arn: queueArn), max: Swift.max(1, Swift.min(10, max)), visibilityTimeout: visibilityTimeout).map {
            ReceivedMessage(
                messageId: $0.messageId, receiptHandle: $0.receiptHandle ?? "", body: $0.body, md5OfBody: $0.md5OfBody,
                attributes: $0.attributes, sentTimestamp: $0.sentTimestamp, approximateReceiveCount: $0.receiveCount,
                approximateFirstReceiveTimestamp: $0.firstReceiveTimestamp ?? $0.sentTimestamp)
        }
    }

    /// Deletes a received message (see ``delete(queue:receiptHandle:)`` for stale handles).
    public func delete(queueArn: String, receiptHandle: String) throws(QueueError) {
        try delete(queue: queueName(arn: queueArn), receiptHandle: receiptHandle)
    }

    /// Changes how long a received message stays invisible, from now.
    public func changeVisibility(queueArn: String, receiptHandle: String, timeout: Int) throws(QueueError) {
        try changeVisibility(queue: queueName(arn: queueArn), receiptHandle: receiptHandle, timeout: timeout)
    }
}
