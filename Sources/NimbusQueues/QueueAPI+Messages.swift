import Foundation

/// The message operations of the JSON protocol.
extension QueueAPI {
    /// What ReceiveMessage's `MessageSystemAttributeNames` (or `AttributeNames`) can ask for.
    static let systemAttributeNames = ["SenderId", "SentTimestamp", "ApproximateReceiveCount", "ApproximateFirstReceiveTimestamp"]

    func sendMessage(_ request: Request) throws(QueueError) -> [String: Any] {
        let sent = try service.send(
            queue: try queueName(request), body: request.string("MessageBody"), attributes: try request.messageAttributes(),
            delaySeconds: request.int("DelaySeconds"))
        return Self.wire(sent)
    }

    private static func wire(_ sent: SentMessage) -> [String: Any] {
        var result: [String: Any] = ["MessageId": sent.messageId, "MD5OfMessageBody": sent.md5OfMessageBody]
        if let md5 = sent.md5OfMessageAttributes { result["MD5OfMessageAttributes"] = md5 }
        return result
    }

    /// Checks a batch's shape (count, ids) as SQS does, before any entry runs.
    private func checkBatch(_ entries: [Request], entryShape: String) throws(QueueError) {
        if entries.isEmpty { throw .emptyBatch(entryShape) }
        if entries.count > 10 { throw .tooManyEntries(entries.count) }
        var seen: Set<String> = []
        for entry in entries {
            guard let id = entry.string("Id"), (1...80).contains(id.count),
                id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
            else { throw .invalidBatchEntryId }
            if !seen.insert(id).inserted { throw .idsNotDistinct(id) }
        }
    }

    private static func failure(_ id: String, _ error: QueueError) -> [String: Any] {
        ["Id": id, "SenderFault": error.senderFault, "Code": error.queryCode, "Message": error.message]
    }

    func sendMessageBatch(_ request: Request) throws(QueueError) -> [String: Any] {
        let name = try queueName(request)
        let entries = request.list("Entries")
        try checkBatch(entries, entryShape: "SendMessageBatchRequestEntry")
        let record = try service.queue(name)
        var prepared: [(id: String, message: StoredMessage)] = []
        var failed: [[String: Any]] = []
        var total = 0
        for entry in entries {
            let id = entry.string("Id") ?? ""
            do {
                let attributes = try entry.messageAttributes()
                let message = try service.prepare(
                    queue: record, body: entry.string("MessageBody"), attributes: attributes,
                    delaySeconds: entry.int("DelaySeconds"), senderId: service.account.id)
                total += message.body.utf8.count + attributes.reduce(0) { $0 + $1.value.size(name: $1.key) }
                prepared.append((id, message))
            } catch {
                failed.append(Self.failure(id, error))
            }
        }
        if total > 1_048_576 { throw .batchTooLong(total, limit: 1_048_576) }
        let sent = try service.store(prepared.map(\.message), queue: name)
        let successful: [[String: Any]] = zip(prepared, sent).map { entry, sent in
            var result = Self.wire(sent)
            result["Id"] = entry.id
            return result
        }
        return ["Successful": successful, "Failed": failed]
    }

    func receiveMessage(_ request: Request) async throws(QueueError) -> [String: Any] {
        let name = try queueName(request)
        let max = request.int("MaxNumberOfMessages") ?? 1
        guard (1...10).contains(max) else {
            throw .invalidParameterValue("Value \(max) for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.")
        }
        let visibility = request.int("VisibilityTimeout")
        if let visibility, !(0...43_200).contains(visibility) {
            throw .invalidParameterValue(
                "Value \(visibility) for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200, if provided.")
        }
        let wait = request.int("WaitTimeSeconds")
        if let wait, !(0...20).contains(wait) {
            throw .invalidParameterValue("Value \(wait) for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.")
        }
        let systemNames = Set(request.strings(list: "AttributeNames") + request.strings(list: "MessageSystemAttributeNames"))
        let attributeNames = request.strings(list: "MessageAttributeNames")
        let messages = try await service.receive(queue: name, max: max, visibilityTimeout: visibility, waitSeconds: wait)
        if messages.isEmpty { return [:] }
        return ["Messages": messages.map { Self.wire($0, systemNames: systemNames, attributeNames: attributeNames) }]
    }

    private static func wire(_ message: StoredMessage, systemNames: Set<String>, attributeNames: [String]) -> [String: Any] {
        var result: [String: Any] = [
            "MessageId": message.messageId, "ReceiptHandle": message.receiptHandle ?? "", "MD5OfBody": message.md5OfBody,
            "Body": message.body,
        ]
        let system: [String: String] = [
            "SenderId": message.senderId, "SentTimestamp": String(message.sentTimestamp),
            "ApproximateReceiveCount": String(message.receiveCount),
            "ApproximateFirstReceiveTimestamp": String(message.firstReceiveTimestamp ?? message.sentTimestamp),
        ]
        let wanted = systemNames.contains("All") ? system : system.filter { systemNames.contains($0.key) }
        if !wanted.isEmpty { result["Attributes"] = wanted }
        let attributes = message.attributes.filter { name, _ in
            attributeNames.contains { pattern in
                pattern == "All" || pattern == ".*" || pattern == name
                    || (pattern.hasSuffix(".*") && name.hasPrefix(String(pattern.dropLast(1))))
            }
        }
        if let md5 = MessageDigest.md5(ofAttributes: attributes) {
            result["MessageAttributes"] = attributes.mapValues(\.wire)
            result["MD5OfMessageAttributes"] = md5
        }
        return result
    }

    func deleteMessageBatch(_ request: Request) throws(QueueError) -> [String: Any] {
        let name = try queueName(request)
        let entries = request.list("Entries")
        try checkBatch(entries, entryShape: "DeleteMessageBatchRequestEntry")
        _ = try service.queue(name)
        var successful: [[String: Any]] = []
        var failed: [[String: Any]] = []
        for entry in entries {
            let id = entry.string("Id") ?? ""
            do {
                try service.delete(queue: name, receiptHandle: try entry.required("ReceiptHandle"))
                successful.append(["Id": id])
            } catch {
                failed.append(Self.failure(id, error))
            }
        }
        return ["Successful": successful, "Failed": failed]
    }

    func changeMessageVisibilityBatch(_ request: Request) throws(QueueError) -> [String: Any] {
        let name = try queueName(request)
        let entries = request.list("Entries")
        try checkBatch(entries, entryShape: "ChangeMessageVisibilityBatchRequestEntry")
        _ = try service.queue(name)
        var successful: [[String: Any]] = []
        var failed: [[String: Any]] = []
        for entry in entries {
            let id = entry.string("Id") ?? ""
            do {
                try service.changeVisibility(
                    queue: name, receiptHandle: try entry.required("ReceiptHandle"), timeout: entry.int("VisibilityTimeout") ?? 0)
                successful.append(["Id": id])
            } catch {
                failed.append(Self.failure(id, error))
            }
        }
        return ["Successful": successful, "Failed": failed]
    }
}
