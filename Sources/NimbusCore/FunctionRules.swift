import Foundation

/// Lambda's rules for function settings, with AWS's messages.
///
/// Each rule appends to a `ValidationErrors` (reported as one ValidationException, as
/// AWS does) or throws the InvalidParameterValueException AWS uses for that case.
public enum FunctionRules {
    /// AWS's pattern for an execution role ARN.
    public static let rolePattern = #"arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+"#

    public static func checkMemorySize(_ value: Int?, into errors: inout ValidationErrors) {
        guard let value else { return }
        checkRange(value, Limits.memorySize, field: "memorySize", into: &errors)
    }

    public static func checkTimeout(_ value: Int?, into errors: inout ValidationErrors) {
        guard let value else { return }
        checkRange(value, Limits.timeout, field: "timeout", into: &errors)
    }

    public static func checkEphemeralStorage(_ value: Int?, into errors: inout ValidationErrors) {
        guard let value else { return }
        checkRange(value, Limits.ephemeralStorage, field: "ephemeralStorage.size", into: &errors)
    }

    static func checkRange(_ value: Int, _ range: ClosedRange<Int>, field: String, into errors: inout ValidationErrors) {
        if value < range.lowerBound {
            errors.add(value: String(value), at: field, constraint: "Member must have value greater than or equal to \(range.lowerBound)")
        } else if value > range.upperBound {
            errors.add(value: String(value), at: field, constraint: "Member must have value less than or equal to \(range.upperBound)")
        }
    }

    public static func checkRole(_ value: String?, required: Bool, into errors: inout ValidationErrors) {
        guard let value else {
            if required { errors.add(value: nil, at: "role", constraint: "Member must not be null") }
            return
        }
        if value.wholeMatch(of: #/arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+/#) == nil {
            errors.add(value: value, at: "role", constraint: "Member must satisfy regular expression pattern: \(rolePattern)")
        }
    }

    public static func checkHandler(_ value: String?, into errors: inout ValidationErrors) {
        guard let value else { return }
        if value.utf8.count > Limits.handlerLength {
            errors.add(value: value, at: "handler", constraint: "Member must have length less than or equal to \(Limits.handlerLength)")
        } else if value.isEmpty || value.contains(where: { $0.isWhitespace }) {
            errors.add(value: value, at: "handler", constraint: #"Member must satisfy regular expression pattern: [^\s]+"#)
        }
    }

    public static func checkDescription(_ value: String?, into errors: inout ValidationErrors) {
        guard let value else { return }
        if value.count > Limits.descriptionLength {
            errors.add(value: value, at: "description", constraint: "Member must have length less than or equal to \(Limits.descriptionLength)")
        }
    }

    public static func checkArchitectures(_ value: [String]?, into errors: inout ValidationErrors) {
        guard let value else { return }
        let rendered = "[" + value.joined(separator: ", ") + "]"
        if value.count > 1 {
            errors.add(value: rendered, at: "architectures", constraint: "Member must have length less than or equal to 1")
        } else if value.contains(where: { $0 != "x86_64" && $0 != "arm64" }) {
            errors.add(value: rendered, at: "architectures", constraint: "Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64], Member must not be null]")
        }
    }

    /// Checks a runtime name; AWS reports unknown names as InvalidParameterValueException.
    public static func checkRuntime(_ value: String) throws(LambdaError) -> Runtime {
        let runtime = Runtime(rawValue: value)
        guard runtime.isKnown else {
            let set = Runtime.awsEnumValues.joined(separator: ", ")
            throw LambdaError(.invalidParameterValue, "Value \(value) at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [\(set)] or be a valid ARN")
        }
        return runtime
    }

    /// Keys Lambda sets itself and refuses to let a function override.
    public static let reservedEnvironmentKeys: Set<String> = [
        "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
    ]

    /// Checks environment variables: key names, reserved keys, and the 4 KB total.
    public static func checkEnvironment(_ variables: [String: String]?) throws(LambdaError) {
        guard let variables, !variables.isEmpty else { return }
        var errors = ValidationErrors()
        for key in variables.keys.sorted() where key.wholeMatch(of: #/[a-zA-Z]([a-zA-Z0-9_])+/#) == nil {
            errors.add(
                unquotedValue: "'\(key)'", at: "environment.variables",
                constraint: "Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]"
            )
        }
        try errors.throwIfAny()
        let reserved = variables.keys.filter(reservedEnvironmentKeys.contains).sorted()
        if !reserved.isEmpty {
            throw LambdaError(
                .invalidParameterValue,
                "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: \(reserved.joined(separator: ", "))"
            )
        }
        let measured = environmentJSON(variables)
        if measured.utf8.count > Limits.environmentSize {
            throw LambdaError(
                .invalidParameterValue,
                "Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: \(measured)"
            )
        }
    }

    /// The string AWS measures for the 4 KB limit: the variables as compact JSON.
    public static func environmentJSON(_ variables: [String: String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(variables) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }
}
