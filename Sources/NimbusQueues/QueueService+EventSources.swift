/// What event source mappings need beyond the ARN-keyed API: existence checks and long polls.
extension QueueService {
    /// Whether the queue with this ARN exists in this account.
    public func queueExists(arn: String) -> Bool {
        guard let name = name(fromArn: arn) else { return false }
        return (try? store.queue(name)) != nil
    }

    /// Messages available to receive now (ApproximateNumberOfMessages), for metrics; nil
    /// when the queue does not exist.
    public func messagesWaiting(queueArn: String) -> Int? {
        guard let name = name(fromArn: queueArn) else { return nil }
        return (try? attributes(name, names: ["ApproximateNumberOfMessages"]))?["ApproximateNumberOfMessages"].flatMap { Int($0) }
    }

    /// Receives up to `max` (1–10) messages, waiting up to `waitSeconds` for the first one
    /// (woken by a send, as ReceiveMessage's long poll). The queue's visibility timeout applies.
    public func receive(queueArn: String, max: Int, waitSeconds: Int) async throws(QueueError) -> [ReceivedMessage] {
        guard let name = name(fromArn: queueArn) else { throw .queueDoesNotExist }
        return try await receive(queue: name, max: Swift.max(1, Swift.min(10, max)), visibilityTimeout: nil, waitSeconds: waitSeconds).map {
            ReceivedMessage(
                messageId: $0.messageId, receiptHandle: $0.receiptHandle ?? "", body: $0.body, md5OfBody: $0.md5OfBody,
                attributes: $0.attributes, sentTimestamp: $0.sentTimestamp, approximateReceiveCount: $0.receiveCount,
                approximateFirstReceiveTimestamp: $0.firstReceiveTimestamp ?? $0.sentTimestamp, senderId: $0.senderId)
        }
    }
}
