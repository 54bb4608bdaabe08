import NimbusCore

/// A client-facing CloudWatch Logs error: AWS JSON 1.1's `__type` (botocore's exception
/// name), AWS's message and status.
public struct LogsError: AWSJSONError, Equatable {
    public var type: String
    public var message: String
    public var status: Int

    public init(type: String, message: String, status: Int = 400) {
        self.type = type
        self.message = message
        self.status = status
    }

    static func invalidParameter(_ message: String) -> LogsError { LogsError(type: "InvalidParameterException", message: message) }

    static let groupNotFound = LogsError(type: "ResourceNotFoundException", message: "The specified log group does not exist.")
    static let streamNotFound = LogsError(type: "ResourceNotFoundException", message: "The specified log stream does not exist.")

    /// AWS's message for a filter pattern it cannot parse (seen in SDK error reports).
    static let invalidFilterPattern = invalidParameter("Invalid filter pattern")

    /// The message AWS gives for a GetLogEvents token it did not issue (as moto and other
    /// emulators have it; not checked against AWS here).
    static let invalidNextToken = invalidParameter("The specified nextToken is invalid.")

    /// AWS's generic constraint message (`1 validation error detected: ...`); CloudWatch Logs
    /// reports it as InvalidParameterException.
    static func constraint(_ value: String?, at member: String, _ constraint: String) -> LogsError {
        invalidParameter(ValidationErrors.single(value: value, at: member, constraint: constraint))
    }

    static func unknownOperation(_ name: String) -> LogsError {
        LogsError(type: "UnknownOperationException", message: "Unknown operation \(name)")
    }

    public static let serialization = LogsError(type: "SerializationException", message: "Start of structure or map found where not expected.")
    public static let internalFailure = LogsError(type: "ServiceUnavailableException", message: "The service cannot complete the request.", status: 500)
}
