/// A client-facing SQS error: the shape name botocore maps to an exception, the
/// Query-protocol code it reports (`x-amzn-query-error`), AWS's message and status.
public struct QueueError: Error, Sendable, Equatable {
    /// The error shape's name in botocore's model, e.g. `QueueDoesNotExist`; sent as
    /// `__type` (`com.amazonaws.sqs#QueueDoesNotExist`).
    public var type: String
    /// The Query-protocol error code, e.g. `AWS.SimpleQueueService.NonExistentQueue`;
    /// botocore reports it as `Error.Code`.
    public var queryCode: String
    public var message: String
    public var status: Int
    /// Whether the caller is at fault (`Sender`) or Nimbus is (`Receiver`).
    public var senderFault: Bool

    public init(type: String, queryCode: String, message: String, status: Int = 400, senderFault: Bool = true) {
        self.type = type
        self.queryCode = queryCode
        self.message = message
        self.status = status
        self.senderFault = senderFault
    }

    public static let queueDoesNotExist = QueueError(
        type: "QueueDoesNotExist", queryCode: "AWS.SimpleQueueService.NonExistentQueue",
        message: "The specified queue does not exist.")

    static func invalidParameterValue(_ message: String) -> QueueError {
        QueueError(type: "InvalidParameterValueException", queryCode: "InvalidParameterValue", message: message)
    }

    static func missingParameter(_ name: String) -> QueueError {
        QueueError(
            type: "MissingRequiredParameterException", queryCode: "MissingParameter",
            message: "The request must contain the parameter \(name).")
    }

    static func invalidAttributeName(_ name: String) -> QueueError {
        QueueError(type: "InvalidAttributeName", queryCode: "InvalidAttributeName", message: "Unknown Attribute \(name).")
    }

    static func invalidAttributeValue(_ message: String) -> QueueError {
        QueueError(type: "InvalidAttributeValue", queryCode: "InvalidAttributeValue", message: message)
    }

    static func receiptHandleIsInvalid(_ handle: String) -> QueueError {
        QueueError(
            type: "ReceiptHandleIsInvalid", queryCode: "ReceiptHandleIsInvalid",
            message: "The input receipt handle \"\(handle)\" is not a valid receipt handle.")
    }

    static let messageNotInflight = QueueError(
        type: "MessageNotInflight", queryCode: "AWS.SimpleQueueService.MessageNotInflight",
        message: "Message does not exist or is not available for visibility timeout change.")

    static func queueNameExists(_ attribute: String) -> QueueError {
        QueueError(
            type: "QueueNameExists", queryCode: "QueueAlreadyExists",
            message: "A queue already exists with the same name and a different value for attribute \(attribute)")
    }

    static func invalidMessageContents(_ message: String) -> QueueError {
        QueueError(type: "InvalidMessageContents", queryCode: "InvalidMessageContents", message: message)
    }

    static func tooManyEntries(_ count: Int) -> QueueError {
        QueueError(
            type: "TooManyEntriesInBatchRequest", queryCode: "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
            message: "Maximum number of entries per request are 10. You have sent \(count).")
    }

    static func emptyBatch(_ entryShape: String) -> QueueError {
        QueueError(
            type: "EmptyBatchRequest", queryCode: "AWS.SimpleQueueService.EmptyBatchRequest",
            message: "There should be at least one \(entryShape) in the request.")
    }

    static func idsNotDistinct(_ id: String) -> QueueError {
        QueueError(
            type: "BatchEntryIdsNotDistinct", queryCode: "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
            message: "Id \(id) repeated.")
    }

    static let invalidBatchEntryId = QueueError(
        type: "InvalidBatchEntryId", queryCode: "AWS.SimpleQueueService.InvalidBatchEntryId",
        message: "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.")

    static func batchTooLong(_ size: Int, limit: Int) -> QueueError {
        QueueError(
            type: "BatchRequestTooLong", queryCode: "AWS.SimpleQueueService.BatchRequestTooLong",
            message: "Batch requests cannot be longer than \(limit) bytes. You have sent \(size) bytes.")
    }

    static let fifoUnsupported = QueueError(
        type: "UnsupportedOperation", queryCode: "AWS.SimpleQueueService.UnsupportedOperation",
        message: "FIFO queues are not supported by Nimbus yet; create a standard queue.")

    static func unknownOperation(_ name: String) -> QueueError {
        QueueError(
            type: "UnsupportedOperation", queryCode: "AWS.SimpleQueueService.UnsupportedOperation",
            message: "The operation \(name) is not supported by Nimbus.")
    }

    static let serialization = QueueError(
        type: "SerializationException", queryCode: "SerializationException",
        message: "The request body is not valid JSON for the AWS JSON 1.0 protocol.")

    public static let internalFailure = QueueError(
        type: "InternalFailure", queryCode: "InternalFailure",
        message: "The request processing has failed because of an unknown error, exception or failure.",
        status: 500, senderFault: false)
}
