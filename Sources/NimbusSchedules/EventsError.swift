import NimbusCore

/// A client-facing EventBridge error: AWS JSON 1.1's `__type` (botocore's exception
/// name), AWS's message and status.
public struct EventsError: AWSJSONError, Equatable {
    public var type: String
    public var message: String
    public var status: Int

    public init(type: String, message: String, status: Int = 400) {
        self.type = type
        self.message = message
        self.status = status
    }

    static func validation(_ message: String) -> EventsError { EventsError(type: "ValidationException", message: message) }

    static func ruleNotFound(_ name: String) -> EventsError {
        EventsError(type: "ResourceNotFoundException", message: "Rule \(name) does not exist on EventBus default.")
    }

    static func busNotFound(_ name: String) -> EventsError {
        EventsError(type: "ResourceNotFoundException", message: "Event bus \(name) does not exist.")
    }

    static let invalidSchedule = validation("Parameter ScheduleExpression is not valid.")

    /// AWS's generic constraint message (`1 validation error detected: ...`).
    static func constraint(_ value: String?, at member: String, _ constraint: String) -> EventsError {
        validation(ValidationErrors.single(value: value, at: member, constraint: constraint))
    }

    static func unknownOperation(_ name: String) -> EventsError {
        EventsError(type: "UnknownOperationException", message: "Unknown operation \(name)")
    }

    public static let serialization = EventsError(type: "SerializationException", message: "Start of structure or map found where not expected.")
    public static let internalFailure = EventsError(type: "InternalException", message: "Internal error.", status: 500)
}
