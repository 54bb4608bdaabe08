import Foundation
import NimbusCore
import NimbusStore
import ServiceLifecycle
import Synchronization

/// The answer to a send: what SendMessage returns.
public struct SentMessage: Sendable, Equatable {
    public var messageId: String
    public var md5OfMessageBody: String
    public var md5OfMessageAttributes: String?
}

/// Nimbus's SQS-compatible queues: the rules, long polling and redrive, over ``QueueStore``.
///
/// Other components (event source mappings, async destinations, DeadLetterConfig) use the
/// ARN-keyed API in `QueueService+Internal.swift`; the HTTP API uses ``QueueAPI``.
public final class QueueService: Sendable {
    public let account: Account
    let store: QueueStore
    let now: @Sendable () -> Date
    /// Per queue, bumped on every send or visibility change: a long poll re-reads the
    /// store when it moves (or once a second, for delays and visibility timeouts expiring).
    private let generations = Mutex<[String: Int]>([:])

    public init(account: Account, database: NimbusDatabase, now: @escaping @Sendable () -> Date = { Date() }) {
        self.account = account
        self.store = QueueStore(database: database)
        self.now = now
    }

    var nowMilliseconds: Int64 { Int64((now().timeIntervalSince1970 * 1000).rounded(.down)) }
    var nowSeconds: Int64 { Int64(now().timeIntervalSince1970.rounded(.down)) }

    /// `arn:aws:sqs:REGION:ACCOUNT:NAME`.
    public func arn(_ name: String) -> String {
        "arn:\(account.partition):sqs:\(account.region):\(account.id):\(name)"
    }

    /// `http://HOST/ACCOUNT/NAME`.
    public func url(_ name: String, host: String) -> String {
        "http://\(host)/\(account.id)/\(name)"
    }

    /// The queue name in one of this account's queue ARNs; nil for any other ARN.
    func name(fromArn arn: String) -> String? {
        let prefix = "arn:\(account.partition):sqs:\(account.region):\(account.id):"
        guard arn.hasPrefix(prefix) else { return nil }
        let name = String(arn.dropFirst(prefix.count))
        return name.isEmpty ? nil : name
    }

    /// The queue name in a queue URL (`.../ACCOUNT/NAME`); any host is accepted.
    func name(fromUrl url: String) throws(QueueError) -> String {
        var path = Substring(url)
        if let scheme = path.range(of: "://") {
            path = path[scheme.upperBound...]
            path = path.drop { $0 != "/" }
        }
        let segments = path.split(separator: "/").map(String.init)
        guard segments.count == 2, segments[0] == account.id else { throw .queueDoesNotExist }
        return segments[1]
    }

    func queue(_ name: String) throws(QueueError) -> QueueRecord {
        guard let record = try store.queue(name) else { throw .queueDoesNotExist }
        return record
    }

    private func signal(_ name: String) {
        generations.withLock { $0[name, default: 0] &+= 1 }
    }

    private func generation(_ name: String) -> Int {
        generations.withLock { $0[name] ?? 0 }
    }

    // MARK: Queues

    /// Creates a queue, or returns the existing one if its attributes are the same
    /// (SQS's idempotent CreateQueue); different attributes are QueueNameExists.
    func createQueue(name: String, attributes: [String: String], tags: [String: String]) throws(QueueError) -> QueueRecord {
        if name.hasSuffix(".fifo") || attributes["FifoQueue"]?.lowercased() == "true" { throw .fifoUnsupported }
        guard (1...80).contains(name.count), name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            throw .invalidParameterValue("Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length")
        }
        let settings = try QueueSettings().applying(attributes, deadLetterQueueExists: dlqExists)
        let time = nowSeconds
        let record = QueueRecord(name: name, settings: settings, tags: tags, createdTimestamp: time, lastModifiedTimestamp: time)
        let stored = try store.createQueue(record)
        if stored != record {
            for key in Set(attributes.keys).sorted() where stored.settings.values[key] != settings.values[key] {
                throw .queueNameExists(key)
            }
        }
        return stored
    }

    private func dlqExists(_ arn: String) -> Bool {
        guard let name = name(fromArn: arn) else { return false }
        return (try? store.queue(name)) != nil
    }

    func listQueues(prefix: String?) throws(QueueError) -> [String] {
        try store.queueNames(prefix: prefix)
    }

    func deleteQueue(_ name: String) throws(QueueError) {
        guard try store.deleteQueue(name) else { throw .queueDoesNotExist }
        signal(name)
    }

    func setAttributes(_ name: String, _ attributes: [String: String]) throws(QueueError) {
        let record = try queue(name)
        let settings = try record.settings.applying(attributes, deadLetterQueueExists: dlqExists)
        guard try store.updateSettings(name, settings, now: nowSeconds) else { throw .queueDoesNotExist }
        signal(name)
    }

    /// Attributes SQS computes rather than stores.
    static let computedNames: Set<String> = [
        "QueueArn", "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed", "CreatedTimestamp", "LastModifiedTimestamp",
    ]

    /// GetQueueAttributes: the named attributes (or every one, for `All`).
    func attributes(_ name: String, names: [String]) throws(QueueError) -> [String: String] {
        let known = Self.computedNames.union(QueueSettings.ranges.keys).union(QueueSettings.opaque).union(["RedrivePolicy"])
        for requested in names where requested != "All" && !known.contains(requested) && !QueueSettings.fifoNames.contains(requested) {
            throw .invalidAttributeName(requested)
        }
        guard !names.isEmpty else { return [:] }
        let record = try queue(name)
        let counts = try store.counts(queue: name, now: nowMilliseconds, retentionPeriod: record.settings.messageRetentionPeriod)
        var all = record.settings.values
        all["QueueArn"] = arn(name)
        all["ApproximateNumberOfMessages"] = String(counts.visible)
        all["ApproximateNumberOfMessagesNotVisible"] = String(counts.inFlight)
        all["ApproximateNumberOfMessagesDelayed"] = String(counts.delayed)
        all["CreatedTimestamp"] = String(record.createdTimestamp)
        all["LastModifiedTimestamp"] = String(record.lastModifiedTimestamp)
        if names.contains("All") { return all }
        return all.filter { names.contains($0.key) }
    }

    func purge(_ name: String) throws(QueueError) {
        _ = try queue(name)
        try store.purge(queue: name)
    }

    // MARK: Messages

    /// A message checked and ready to store (not yet stored).
    func prepare(
        queue record: QueueRecord, body: String?, attributes: [String: MessageAttributeValue], delaySeconds: Int?, senderId: String
    ) throws(QueueError) -> StoredMessage {
        guard let body, !body.isEmpty else { throw .missingParameter("MessageBody") }
        try MessageRules.check(body: body)
        try MessageRules.check(attributes: attributes)
        let size = body.utf8.count + attributes.reduce(0) { $0 + $1.value.size(name: $1.key) }
        let limit = record.settings.maximumMessageSize
        if size > limit {
            throw .invalidParameterValue("One or more parameters are invalid. Reason: Message must be shorter than \(limit) bytes.")
        }
        if let delaySeconds, !(0...900).contains(delaySeconds) {
            throw .invalidParameterValue(
                "Value \(delaySeconds) for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.")
        }
        let sent = nowMilliseconds
        let delay = delaySeconds ?? record.settings.delaySeconds
        return StoredMessage(
            messageId: UUID().uuidString.lowercased(), body: body, attributes: attributes, md5OfBody: MessageDigest.md5(ofBody: body),
            senderId: senderId, sentTimestamp: sent, visibleAt: sent + Int64(delay) * 1000, receiveCount: 0,
            firstReceiveTimestamp: nil, receiptHandle: nil)
    }

    /// Stores checked messages and wakes the queue's long polls.
    func store(_ messages: [StoredMessage], queue name: String) throws(QueueError) -> [SentMessage] {
        try store.insert(messages, queue: name)
        signal(name)
        return messages.map {
            SentMessage(messageId: $0.messageId, md5OfMessageBody: $0.md5OfBody, md5OfMessageAttributes: MessageDigest.md5(ofAttributes: $0.attributes))
        }
    }

    func send(queue name: String, body: String?, attributes: [String: MessageAttributeValue], delaySeconds: Int?) throws(QueueError) -> SentMessage {
        let record = try queue(name)
        let message = try prepare(queue: record, body: body, attributes: attributes, delaySeconds: delaySeconds, senderId: account.id)
        return try store([message], queue: name)[0]
    }

    /// One receive attempt, without waiting.
    func receiveNow(queue name: String, max: Int, visibilityTimeout: Int?) throws(QueueError) -> [StoredMessage] {
        let record = try queue(name)
        let settings = record.settings
        let redrive = settings.redrivePolicy
        return try store.receive(
            queue: name, max: max, visibilityTimeout: visibilityTimeout ?? settings.visibilityTimeout, now: nowMilliseconds,
            retentionPeriod: settings.messageRetentionPeriod, redrive: redrive,
            deadLetterQueue: redrive.flatMap { self.name(fromArn: $0.deadLetterTargetArn) })
    }

    /// Receives, waiting up to `waitSeconds` (or the queue's ReceiveMessageWaitTimeSeconds)
    /// for a message: returns as soon as one is available, or empty-handed when the server
    /// begins to shut down (the request's task sees the HTTP server's graceful shutdown),
    /// so an open long poll does not hold the server up for the rest of its wait.
    func receive(queue name: String, max: Int, visibilityTimeout: Int?, waitSeconds: Int?) async throws(QueueError) -> [StoredMessage] {
        var wait = waitSeconds ?? 0
        if waitSeconds == nil { wait = try queue(name).settings.receiveMessageWaitTimeSeconds }
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(wait)
        while true {
            let seen = generation(name)
            let messages = try receiveNow(queue: name, max: max, visibilityTimeout: visibilityTimeout)
            if !messages.isEmpty || clock.now >= deadline { return messages }
            // Sleep until a send (or anything else) touches the queue, a second passes (a
            // delay or visibility timeout may have run out), or the wait ends.
            let recheck = Swift.min(deadline, clock.now + .seconds(1))
            while clock.now < recheck && generation(name) == seen {
                if Task.isShuttingDownGracefully { return [] }
                do {
                    try await Task.sleep(for: .milliseconds(20))
                } catch {
                    return []  // the client went away
                }
            }
        }
    }

    /// Deletes a received message. A handle of this queue that matches nothing (deleted
    /// already, or superseded by a later receive) is accepted and deletes nothing, as SQS.
    func delete(queue name: String, receiptHandle: String) throws(QueueError) {
        _ = try queue(name)
        guard let handle = ReceiptHandle(text: receiptHandle), handle.queue == name else {
            throw .receiptHandleIsInvalid(receiptHandle)
        }
        _ = try store.delete(queue: name, receiptHandle: receiptHandle)
    }

    func changeVisibility(queue name: String, receiptHandle: String, timeout: Int) throws(QueueError) {
        _ = try queue(name)
        guard let handle = ReceiptHandle(text: receiptHandle), handle.queue == name else {
            throw .receiptHandleIsInvalid(receiptHandle)
        }
        guard (0...43_200).contains(timeout) else {
            throw .invalidParameterValue(
                "Value \(timeout) for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200, if provided.")
        }
        let now = nowMilliseconds
        guard try store.changeVisibility(queue: name, receiptHandle: receiptHandle, visibleAt: now + Int64(timeout) * 1000, now: now) else {
            throw .messageNotInflight
        }
        signal(name)
    }
}
