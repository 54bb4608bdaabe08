import Foundation

/// An HTTP answer from the queue API, independent of the HTTP framework.
public struct QueueAPIResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
}

/// SQS's AWS JSON 1.0 protocol: `POST /` with `X-Amz-Target: AmazonSQS.<Operation>`.
///
/// Errors are `{"__type":"com.amazonaws.sqs#<Shape>","message":...}` with
/// `x-amzn-query-error: <QueryCode>;Sender`, from which botocore takes `Error.Code`
/// and picks the modeled exception.
public struct QueueAPI: Sendable {
    public static let targetPrefix = "AmazonSQS."
    let service: QueueService

    public init(service: QueueService) {
        self.service = service
    }

    /// Answers one request. `host` (the request's Host) makes the queue URLs.
    public func handle(target: String, body: [UInt8], host: String) async -> QueueAPIResponse {
        do {
            let operation = String(target.dropFirst(Self.targetPrefix.count))
            let request = try Self.parse(body)
            let result = try await dispatch(operation, Request(object: request), host: host)
            let data = (try? JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])) ?? Data("{}".utf8)
            return QueueAPIResponse(status: 200, headers: [("Content-Type", "application/x-amz-json-1.0")], body: [UInt8](data))
        } catch {
            return Self.errorResponse(error)
        }
    }

    /// The JSON protocol's error answer.
    public static func errorResponse(_ error: QueueError) -> QueueAPIResponse {
        let object: [String: String] = ["__type": "com.amazonaws.sqs#\(error.type)", "message": error.message]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return QueueAPIResponse(
            status: error.status,
            headers: [
                ("Content-Type", "application/x-amz-json-1.0"),
                ("x-amzn-query-error", "\(error.queryCode);\(error.senderFault ? "Sender" : "Receiver")"),
            ],
            body: [UInt8](data))
    }

    private static func parse(_ body: [UInt8]) throws(QueueError) -> [String: Any] {
        if body.isEmpty { return [:] }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else { throw .serialization }
        return object
    }

    private func dispatch(_ operation: String, _ request: Request, host: String) async throws(QueueError) -> [String: Any] {
        switch operation {
        case "CreateQueue":
            let name = try request.required("QueueName")
            let record = try service.createQueue(name: name, attributes: request.strings("Attributes"), tags: request.strings("tags"))
            return ["QueueUrl": service.url(record.name, host: host)]
        case "GetQueueUrl":
            let name = try request.required("QueueName")
            if let owner = request.string("QueueOwnerAWSAccountId"), owner != service.account.id { throw .queueDoesNotExist }
            return ["QueueUrl": service.url(try service.queue(name).name, host: host)]
        case "ListQueues":
            return try listQueues(request, host: host)
        case "DeleteQueue":
            try service.deleteQueue(try queueName(request))
            return [:]
        case "GetQueueAttributes":
            let attributes = try service.attributes(try queueName(request), names: request.strings(list: "AttributeNames"))
            return attributes.isEmpty ? [:] : ["Attributes": attributes]
        case "SetQueueAttributes":
            try service.setAttributes(try queueName(request), request.strings("Attributes"))
            return [:]
        case "PurgeQueue":
            try service.purge(try queueName(request))
            return [:]
        case "SendMessage":
            return try sendMessage(request)
        case "SendMessageBatch":
            return try sendMessageBatch(request)
        case "ReceiveMessage":
            return try await receiveMessage(request)
        case "DeleteMessage":
            try service.delete(queue: try queueName(request), receiptHandle: try request.required("ReceiptHandle"))
            return [:]
        case "DeleteMessageBatch":
            return try deleteMessageBatch(request)
        case "ChangeMessageVisibility":
            let name = try queueName(request)
            let handle = try request.required("ReceiptHandle")
            guard let timeout = request.int("VisibilityTimeout") else { throw .missingParameter("VisibilityTimeout") }
            try service.changeVisibility(queue: name, receiptHandle: handle, timeout: timeout)
            return [:]
        case "ChangeMessageVisibilityBatch":
            return try changeMessageVisibilityBatch(request)
        default:
            throw .unknownOperation(operation)
        }
    }

    func queueName(_ request: Request) throws(QueueError) -> String {
        try service.name(fromUrl: try request.required("QueueUrl"))
    }

    private func listQueues(_ request: Request, host: String) throws(QueueError) -> [String: Any] {
        var names = try service.listQueues(prefix: request.string("QueueNamePrefix"))
        var result: [String: Any] = [:]
        if let max = request.int("MaxResults") {
            guard (1...1000).contains(max) else {
                throw .invalidParameterValue("Value \(max) for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000.")
            }
            // The token is the last name returned, so it stays valid as queues come and go.
            if let token = request.string("NextToken") {
                guard let data = Data(base64Encoded: token), let after = String(data: data, encoding: .utf8) else {
                    throw .invalidParameterValue("Invalid NextToken value.")
                }
                names = names.filter { $0 > after }
            }
            if names.count > max {
                names = Array(names.prefix(max))
                result["NextToken"] = Data((names.last ?? "").utf8).base64EncodedString()
            }
        }
        if !names.isEmpty { result["QueueUrls"] = names.map { service.url($0, host: host) } }
        return result
    }
}

/// Typed access to a decoded JSON request.
struct Request {
    let object: [String: Any]

    func string(_ key: String) -> String? { object[key] as? String }

    func required(_ key: String) throws(QueueError) -> String {
        guard let value = object[key] as? String else { throw .missingParameter(key) }
        return value
    }

    func int(_ key: String) -> Int? {
        switch object[key] {
        case let number as NSNumber: number.intValue
        case let string as String: Int(string)
        default: nil
        }
    }

    func strings(_ key: String) -> [String: String] {
        (object[key] as? [String: Any])?.compactMapValues { $0 as? String } ?? [:]
    }

    func strings(list key: String) -> [String] {
        (object[key] as? [Any])?.compactMap { $0 as? String } ?? []
    }

    func list(_ key: String) -> [Request] {
        (object[key] as? [Any])?.compactMap { ($0 as? [String: Any]).map(Request.init) } ?? []
    }

    /// `MessageAttributes`: each value in the wire shape (`BinaryValue` base64).
    func messageAttributes() throws(QueueError) -> [String: MessageAttributeValue] {
        guard let map = object["MessageAttributes"] as? [String: Any] else { return [:] }
        var attributes: [String: MessageAttributeValue] = [:]
        for (name, value) in map {
            guard let wire = value as? [String: Any], let attribute = MessageAttributeValue(wire: wire) else {
                throw .invalidParameterValue("The message attribute '\(name)' must contain non-empty message attribute type.")
            }
            attributes[name] = attribute
        }
        return attributes
    }
}
