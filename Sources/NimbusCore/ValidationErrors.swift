/// Collects AWS-style constraint violations and renders them the way AWS does:
/// `1 validation error detected: Value '...' at 'field' failed to satisfy constraint: ...`.
public struct ValidationErrors: Sendable {
    public private(set) var messages: [String] = []

    public init() {}

    public var isEmpty: Bool { messages.isEmpty }

    /// Records a violation for a value rendered as AWS renders it (quoted, or `null`).
    public mutating func add(value: String?, at field: String, constraint: String) {
        let rendered = value.map { "'\($0)'" } ?? "null"
        messages.append("Value \(rendered) at '\(field)' failed to satisfy constraint: \(constraint)")
    }

    /// Records a violation whose value AWS prints without quotes (lists, maps).
    public mutating func add(unquotedValue value: String, at field: String, constraint: String) {
        messages.append("Value \(value) at '\(field)' failed to satisfy constraint: \(constraint)")
    }

    /// The message for a single violation, for services whose errors are not `LambdaError`s.
    public static func single(value: String?, at field: String, constraint: String) -> String {
        var errors = ValidationErrors()
        errors.add(value: value, at: field, constraint: constraint)
        return errors.message ?? ""
    }

    /// The combined message, or nil when nothing was recorded.
    public var message: String? {
        guard !messages.isEmpty else { return nil }
        let count = messages.count
        let noun = count == 1 ? "validation error" : "validation errors"
        return "\(count) \(noun) detected: " + messages.joined(separator: "; ")
    }

    /// Throws a `LambdaError` of the given code when anything was recorded.
    public func throwIfAny(_ code: LambdaError.Code = .validation) throws(LambdaError) {
        if let message { throw LambdaError(code, message) }
    }
}
