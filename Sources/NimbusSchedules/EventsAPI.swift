import Foundation
import NimbusCore

/// EventBridge's AWS JSON 1.1 protocol: `POST /` with `X-Amz-Target: AWSEvents.<Operation>`.
/// Errors are `{"__type":"<Shape>","message":...}`, from which botocore picks the exception.
public struct EventsAPI: AWSJSONService {
    public static let targetPrefix = "AWSEvents."
    public static let bodyLimit = 1024 * 1024
    public static let tooLargeType = "ValidationException"
    let service: EventsService

    public init(service: EventsService) {
        self.service = service
    }



    public func dispatch(_ operation: String, _ request: [String: Any]) throws(EventsError) -> [String: Any] {
        try checkBus(request)
        switch operation {
        case "PutRule":
            let input = EventsService.RuleInput(
                name: try Self.required(request, "Name", member: "name"),
                scheduleExpression: request["ScheduleExpression"] as? String, eventPattern: request["EventPattern"] as? String,
                state: request["State"] as? String, description: request["Description"] as? String, roleArn: request["RoleArn"] as? String)
            return ["RuleArn": try service.putRule(input)]
        case "DescribeRule":
            let rule = try service.describeRule(try Self.required(request, "Name", member: "name"))
            var shape = ruleShape(rule)
            shape["CreatedBy"] = service.account.id
            return shape
        case "ListRules":
            let rules = try service.listRules(prefix: request["NamePrefix"] as? String)
            let (page, token) = try Self.page(rules.map(\.name), rules, request)
            var result: [String: Any] = ["Rules": page.map(ruleShape)]
            if let token { result["NextToken"] = token }
            return result
        case "DeleteRule":
            try service.deleteRule(try Self.required(request, "Name", member: "name"))
            return [:]
        case "EnableRule", "DisableRule":
            try service.setState(try Self.required(request, "Name", member: "name"), enabled: operation == "EnableRule")
            return [:]
        case "PutTargets":
            let rule = try Self.required(request, "Rule", member: "rule")
            let targets = ((request["Targets"] as? [Any]) ?? []).compactMap { $0 as? [String: Any] }.map {
                TargetRecord(id: $0["Id"] as? String ?? "", arn: $0["Arn"] as? String ?? "", input: $0["Input"] as? String)
            }
            if targets.isEmpty { throw .constraint(nil, at: "targets", "Member must have length greater than or equal to 1") }
            return Self.failures(try service.putTargets(rule: rule, targets))
        case "RemoveTargets":
            let rule = try Self.required(request, "Rule", member: "rule")
            let ids = ((request["Ids"] as? [Any]) ?? []).compactMap { $0 as? String }
            if ids.isEmpty { throw .constraint(nil, at: "ids", "Member must have length greater than or equal to 1") }
            try service.removeTargets(rule: rule, ids: ids)
            return Self.failures([])
        case "ListTargetsByRule":
            let targets = try service.targets(rule: try Self.required(request, "Rule", member: "rule"))
            let (page, token) = try Self.page(targets.map(\.id), targets, request)
            var result: [String: Any] = ["Targets": page.map { target -> [String: Any] in
                var shape: [String: Any] = ["Id": target.id, "Arn": target.arn]
                if let input = target.input { shape["Input"] = input }
                return shape
            }]
            if let token { result["NextToken"] = token }
            return result
        default:
            throw .unknownOperation(operation)
        }
    }

    private func ruleShape(_ rule: RuleRecord) -> [String: Any] {
        var shape: [String: Any] = [
            "Name": rule.name, "Arn": service.ruleArn(rule.name), "State": rule.state, "EventBusName": "default",
        ]
        if let value = rule.scheduleExpression { shape["ScheduleExpression"] = value }
        if let value = rule.eventPattern { shape["EventPattern"] = value }
        if let value = rule.description { shape["Description"] = value }
        if let value = rule.roleArn { shape["RoleArn"] = value }
        return shape
    }

    private static func failures(_ failed: [EventsService.FailedEntry]) -> [String: Any] {
        [
            "FailedEntryCount": failed.count,
            "FailedEntries": failed.map { ["TargetId": $0.targetId, "ErrorCode": $0.errorCode, "ErrorMessage": $0.errorMessage] },
        ]
    }

    private static func required(_ request: [String: Any], _ key: String, member: String) throws(EventsError) -> String {
        guard let value = request[key] as? String else { throw .constraint(nil, at: member, "Member must not be null") }
        return value
    }

    /// Only the default event bus exists.
    private func checkBus(_ request: [String: Any]) throws(EventsError) {
        let account = service.account
        let defaultArn = "arn:\(account.partition):events:\(account.region):\(account.id):event-bus/default"
        if let bus = request["EventBusName"] as? String, bus != "default", bus != defaultArn {
            throw .busNotFound(bus)
        }
    }

    /// `Limit` (1–100) items after `NextToken` (the last key returned, base64), in key order.
    private static func page<T>(_ keys: [String], _ items: [T], _ request: [String: Any]) throws(EventsError) -> ([T], String?) {
        var start = 0
        if let token = request["NextToken"] as? String {
            guard let data = Data(base64Encoded: token), let after = String(data: data, encoding: .utf8) else {
                throw .validation("The NextToken provided is invalid.")
            }
            start = keys.firstIndex { $0 > after } ?? keys.count
        }
        var end = keys.count
        if let limit = (request["Limit"] as? NSNumber)?.intValue {
            guard (1...100).contains(limit) else {
                throw .constraint(String(limit), at: "limit", "Member must have value less than or equal to 100")
            }
            end = min(keys.count, start + limit)
        }
        let token = end < keys.count ? Data(keys[end - 1].utf8).base64EncodedString() : nil
        return (Array(items[start..<end]), token)
    }
}
