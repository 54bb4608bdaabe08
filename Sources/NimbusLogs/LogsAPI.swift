import Foundation
import NimbusCore

/// CloudWatch Logs' AWS JSON 1.1 protocol: `POST /` with `X-Amz-Target: Logs_20140328.<Operation>`.
/// Errors are `{"__type":"<Shape>","message":...}`, from which botocore picks the exception.
public struct LogsAPI: AWSJSONService {
    public static let targetPrefix = "Logs_20140328."
    public static let bodyLimit = 1024 * 1024
    public static let tooLargeType = "InvalidParameterException"
    let service: LogsService

    public init(service: LogsService) {
        self.service = service
    }



    public func dispatch(_ operation: String, _ request: [String: Any]) throws(LogsError) -> [String: Any] {
        switch operation {
        case "DescribeLogGroups":
            let prefix = try Self.groupName(request, "logGroupNamePrefix", required: false)
            let pattern = request["logGroupNamePattern"] as? String
            if prefix != nil, pattern != nil {
                // Not checked against AWS: the documentation says the two are mutually exclusive.
                throw .invalidParameter("LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.")
            }
            return try service.describeLogGroups(
                prefix: prefix, pattern: pattern, limit: try Self.limit(request, max: 50, default: 50),
                nextToken: try Self.token(request)
            )
        case "DescribeLogStreams":
            let orderBy = request["orderBy"] as? String ?? "LogStreamName"
            guard orderBy == "LogStreamName" || orderBy == "LastEventTime" else {
                throw .constraint(orderBy, at: "orderBy", "Member must satisfy enum value set: [LogStreamName, LastEventTime]")
            }
            return try service.describeLogStreams(
                group: try Self.group(request), prefix: request["logStreamNamePrefix"] as? String,
                byLastEventTime: orderBy == "LastEventTime", descending: request["descending"] as? Bool ?? false,
                limit: try Self.limit(request, max: 50, default: 50), nextToken: try Self.token(request)
            )
        case "GetLogEvents":
            guard let stream = request["logStreamName"] as? String else {
                throw .constraint(nil, at: "logStreamName", "Member must not be null")
            }
            var input = LogsService.GetEventsInput(group: try Self.group(request), stream: stream)
            input.startTime = Self.int64(request["startTime"])
            input.endTime = Self.int64(request["endTime"])
            input.limit = try Self.limit(request, max: 10_000, default: 10_000)
            input.startFromHead = request["startFromHead"] as? Bool ?? false
            input.nextToken = try Self.token(request)
            return try service.getLogEvents(input)
        case "FilterLogEvents":
            var input = LogsService.FilterEventsInput(group: try Self.group(request))
            let names = (request["logStreamNames"] as? [Any])?.compactMap { $0 as? String }
            input.streamPrefix = request["logStreamNamePrefix"] as? String
            if let names {
                if names.isEmpty { throw .constraint("[]", at: "logStreamNames", "Member must have length greater than or equal to 1") }
                if names.count > 100 {
                    throw .constraint(nil, at: "logStreamNames", "Member must have length less than or equal to 100")
                }
                // Not checked against AWS (moto's message).
                if input.streamPrefix != nil { throw .invalidParameter("Cannot specify both logStreamNames and logStreamNamePrefix.") }
            }
            input.streams = names
            input.startTime = Self.int64(request["startTime"])
            input.endTime = Self.int64(request["endTime"])
            let pattern = request["filterPattern"] as? String ?? ""
            guard pattern.count <= 1024 else {
                throw .constraint(pattern, at: "filterPattern", "Member must have length less than or equal to 1024")
            }
            input.pattern = try FilterPattern.parse(pattern)
            input.limit = try Self.limit(request, max: 10_000, default: 10_000)
            input.nextToken = try Self.token(request)
            return try service.filterLogEvents(input)
        case "PutRetentionPolicy":
            let group = try Self.groupName(request, "logGroupName", required: true)!
            try service.putRetentionPolicy(group: group, days: (request["retentionInDays"] as? NSNumber)?.intValue)
            return [:]
        case "DeleteRetentionPolicy":
            try service.deleteRetentionPolicy(group: try Self.groupName(request, "logGroupName", required: true)!)
            return [:]
        default:
            throw .unknownOperation(operation)
        }
    }

    static let groupNamePattern = #"Member must satisfy regular expression pattern: [\.\-_/#A-Za-z0-9]+"#

    /// A log group name member, checked against the model's length and pattern.
    static func groupName(_ request: [String: Any], _ member: String, required: Bool) throws(LogsError) -> String? {
        guard let name = request[member] as? String else {
            if required { throw .constraint(nil, at: member, "Member must not be null") }
            return nil
        }
        if name.isEmpty { throw .constraint(name, at: member, "Member must have length greater than or equal to 1") }
        if name.count > 512 { throw .constraint(name, at: member, "Member must have length less than or equal to 512") }
        guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-/#".contains($0)) }) else {
            throw .constraint(name, at: member, groupNamePattern)
        }
        return name
    }

    /// The group of `logGroupName` or `logGroupIdentifier` (a name or the group's ARN, with or without `:*`).
    static func group(_ request: [String: Any]) throws(LogsError) -> String {
        let name = try groupName(request, "logGroupName", required: false)
        let identifier = request["logGroupIdentifier"] as? String
        switch (name, identifier) {
        case (.some, .some):
            // A ValidationException with this message, as LocalStack answers (its logs tests are
            // recorded against AWS); not checked against AWS here.
            throw LogsError(type: "ValidationException", message: "LogGroup name and LogGroup ARN are mutually exclusive parameters.")
        case (.some(let name), .none):
            return name
        case (.none, .some(let identifier)):
            guard identifier.hasPrefix("arn:") else { return identifier }
            guard let range = identifier.range(of: ":log-group:") else { throw .groupNotFound }
            var rest = String(identifier[range.upperBound...])
            if rest.hasSuffix(":*") { rest.removeLast(2) }
            return rest
        case (.none, .none):
            // Not checked against AWS.
            throw .invalidParameter("Either the logGroupName or the logGroupIdentifier parameter must be specified.")
        }
    }

    static func limit(_ request: [String: Any], max: Int, default value: Int) throws(LogsError) -> Int {
        guard let limit = (request["limit"] as? NSNumber)?.intValue else { return value }
        if limit < 1 { throw .constraint(String(limit), at: "limit", "Member must have value greater than or equal to 1") }
        if limit > max { throw .constraint(String(limit), at: "limit", "Member must have value less than or equal to \(max)") }
        return limit
    }

    static func token(_ request: [String: Any]) throws(LogsError) -> String? {
        guard let token = request["nextToken"] as? String else { return nil }
        if token.isEmpty { throw .constraint(token, at: "nextToken", "Member must have length greater than or equal to 1") }
        return token
    }

    static func int64(_ value: Any?) -> Int64? {
        (value as? NSNumber)?.int64Value
    }
}
