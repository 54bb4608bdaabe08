import NimbusCore

/// A client-facing Kinesis error: AWS JSON 1.1's `__type` (botocore's exception name),
/// AWS's message and status.
public struct StreamError: AWSJSONError, Equatable {
    public var type: String
    public var message: String
    public var status: Int

    public init(type: String, message: String, status: Int = 400) {
        self.type = type
        self.message = message
        self.status = status
    }

    static func validation(_ message: String) -> StreamError { StreamError(type: "ValidationException", message: message) }
    static func invalidArgument(_ message: String) -> StreamError { StreamError(type: "InvalidArgumentException", message: message) }

    /// AWS's generic constraint message (`1 validation error detected: ...`).
    static func constraint(_ value: String?, at member: String, _ constraint: String) -> StreamError {
        validation(ValidationErrors.single(value: value, at: member, constraint: constraint))
    }

    static func streamNotFound(_ name: String, account: String) -> StreamError {
        StreamError(type: "ResourceNotFoundException", message: "Stream \(name) under account \(account) not found.")
    }

    static func streamExists(_ name: String, account: String) -> StreamError {
        StreamError(type: "ResourceInUseException", message: "Stream \(name) under account \(account) already exists.")
    }

    /// Kinesalite's message for an unknown shard (its tests ran against AWS).
    static func shardNotFound(_ shardId: String, stream: String, account: String) -> StreamError {
        StreamError(type: "ResourceNotFoundException", message: "Shard \(shardId) in stream \(stream) under account \(account) does not exist")
    }

    static func unknownOperation(_ name: String) -> StreamError {
        StreamError(type: "UnknownOperationException", message: "Unknown operation \(name)")
    }

    public static let serialization = StreamError(type: "SerializationException", message: "Start of structure or map found where not expected.")
    public static let internalFailure = StreamError(type: "InternalFailureException", message: "Internal error.", status: 500)
}
