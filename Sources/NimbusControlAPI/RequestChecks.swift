import NimbusCore

/// Checks on request parameters that many operations share, with AWS's messages.
enum RequestChecks {
    /// A function name or unqualified ARN of this account: the operations that refuse
    /// versions and aliases (UpdateFunction*, PublishVersion, aliases, concurrency...).
    static func unqualifiedName(_ rawName: String, account: Account) throws(LambdaError) -> String {
        let identifier = try FunctionIdentifier.parse(rawName)
        try identifier.checkScope(account)
        if identifier.qualifier != nil {
            throw LambdaError(.invalidParameterValue, "This operation is permitted on Lambda functions only. Aliases and versions do not support this operation. Please specify either a function name or an unqualified function ARN.")
        }
        return identifier.name
    }

    /// `MaxItems` of a list operation: nil when absent, else an integer in 1...`max`.
    static func maxItems(_ raw: String?, max: Int) throws(LambdaError) -> Int? {
        guard let raw else { return nil }
        guard let value = Int(raw) else {
            throw LambdaError(.invalidParameterValue, "Value '\(raw)' at 'maxItems' is not a valid integer")
        }
        var errors = ValidationErrors()
        if value < 1 { errors.add(value: raw, at: "maxItems", constraint: "Member must have value greater than or equal to 1") }
        if value > max { errors.add(value: raw, at: "maxItems", constraint: "Member must have value less than or equal to \(max)") }
        try errors.throwIfAny()
        return value
    }
}
