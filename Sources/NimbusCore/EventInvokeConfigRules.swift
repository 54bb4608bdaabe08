/// Validation of PutFunctionEventInvokeConfig / UpdateFunctionEventInvokeConfig input,
/// with AWS's messages (checked against the recorded responses).
public enum EventInvokeConfigRules {
    /// botocore's `DestinationArn` pattern, quoted verbatim in AWS's ValidationException.
    public static let destinationPattern =
        #"$|kafka://([^.]([a-zA-Z0-9\-_.]{0,248}))|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1})?:(\d{12})?:(.*)"#

    /// Range and pattern checks (ValidationException), in AWS's field order.
    public static func check(
        maximumRetryAttempts: Int?, maximumEventAgeInSeconds: Int?, onSuccess: String?, onFailure: String?,
        into errors: inout ValidationErrors
    ) {
        if let value = maximumRetryAttempts {
            if value < 0 {
                errors.add(value: String(value), at: "maximumRetryAttempts", constraint: "Member must have value greater than or equal to 0")
            } else if value > 2 {
                errors.add(value: String(value), at: "maximumRetryAttempts", constraint: "Member must have value less than or equal to 2")
            }
        }
        if let value = maximumEventAgeInSeconds {
            if value < 60 {
                errors.add(value: String(value), at: "maximumEventAgeInSeconds", constraint: "Member must have value greater than or equal to 60")
            } else if value > 21_600 {
                errors.add(value: String(value), at: "maximumEventAgeInSeconds", constraint: "Member must have value less than or equal to 21600")
            }
        }
        for (field, arn) in [("destinationConfig.onSuccess.destination", onSuccess), ("destinationConfig.onFailure.destination", onFailure)] {
            guard let arn else { continue }
            if arn.utf8.count > 350 {
                errors.add(value: arn, at: field, constraint: "Member must have length less than or equal to 350")
            } else if !matchesDestinationPattern(arn) {
                errors.add(value: arn, at: field, constraint: "Member must satisfy regular expression pattern: \(destinationPattern)")
            }
        }
    }

    /// The pattern starts with `$|`, so it accepts the empty string.
    static func matchesDestinationPattern(_ arn: String) -> Bool {
        if arn.isEmpty { return true }
        if arn.wholeMatch(of: #/kafka://([^.]([a-zA-Z0-9\-_.]{0,248}))/#) != nil { return true }
        return arn.wholeMatch(of: #/arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1})?:(\d{12})?:(.*)/#) != nil
    }

    /// The kind of resource a destination ARN names, from its service field.
    public enum DestinationKind: Sendable, Equatable {
        case function(FunctionIdentifier)
        case queue, topic, eventBus, bucket
    }

    /// The destination's kind, or nil when Lambda cannot send records there
    /// (another service, or S3 for OnSuccess).
    public static func destinationKind(_ arn: String, onFailure: Bool) -> DestinationKind? {
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn" else { return nil }
        switch parts[2] {
        case "lambda":
            guard parts[5].hasPrefix("function:"), let identifier = try? FunctionIdentifier.parse(arn) else { return nil }
            return .function(identifier)
        case "sqs": return .queue
        case "sns": return .topic
        case "events": return .eventBus
        case "s3": return onFailure ? .bucket : nil
        default: return nil
        }
    }

    /// AWS's message for an unusable destination, which prints the whole config Java-style.
    public static func invalidConfigMessage(onSuccess: String??, onFailure: String??) -> String {
        func render(_ side: String??, _ type: String) -> String {
            switch side {
            case .none: "null"
            case .some(.none): "\(type)(destination=null)"
            case .some(.some(let arn)): "\(type)(destination=\(arn))"
            }
        }
        return "The provided destination config DestinationConfig(onSuccess=\(render(onSuccess, "OnSuccess")), onFailure=\(render(onFailure, "OnFailure"))) is invalid."
    }
}
