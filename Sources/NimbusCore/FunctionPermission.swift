/// One statement of a function's resource-based policy, as AddPermission receives it.
///
/// Stored as given; rendered to AWS's JSON on the way out, so the document always names
/// the function's current ARN and the account's partition.
public struct FunctionPermission: Sendable, Equatable {
    public var statementId: String
    public var action: String
    /// As given: `*`, an account id, an IAM ARN, or a service (`s3.amazonaws.com`).
    public var principal: String
    public var sourceArn: String?
    public var sourceAccount: String?
    public var principalOrgId: String?
    public var eventSourceToken: String?
    public var functionUrlAuthType: String?

    public init(
        statementId: String, action: String, principal: String, sourceArn: String? = nil, sourceAccount: String? = nil,
        principalOrgId: String? = nil, eventSourceToken: String? = nil, functionUrlAuthType: String? = nil
    ) {
        self.statementId = statementId
        self.action = action
        self.principal = principal
        self.sourceArn = sourceArn
        self.sourceAccount = sourceAccount
        self.principalOrgId = principalOrgId
        self.eventSourceToken = eventSourceToken
        self.functionUrlAuthType = functionUrlAuthType
    }

    /// Whether the principal names an AWS service (rendered as `{"Service": ...}`).
    public var isServicePrincipal: Bool { PermissionRules.isServicePrincipal(principal) }

    /// The statement as AWS renders it, keys in AWS's order:
    /// `{"Sid","Effect":"Allow","Principal","Action","Resource"[,"Condition"]}`.
    ///
    /// Conditions as AWS maps them: `StringEquals` holds `AWS:SourceAccount`,
    /// `lambda:FunctionUrlAuthType`, `aws:PrincipalOrgID` and `lambda:EventSourceToken`,
    /// in that order; `ArnLike` holds `AWS:SourceArn` and comes after.
    public func json(resource: String, partition: String = "aws") -> String {
        let renderedPrincipal: String
        if principal == "*" {
            renderedPrincipal = JSONText.quoted("*")
        } else if PermissionRules.isAccountId(principal) {
            renderedPrincipal = #"{"AWS":"# + JSONText.quoted("arn:\(partition):iam::\(principal):root") + "}"
        } else if isServicePrincipal {
            renderedPrincipal = #"{"Service":"# + JSONText.quoted(principal) + "}"
        } else {
            renderedPrincipal = #"{"AWS":"# + JSONText.quoted(principal) + "}"
        }
        var text = #"{"Sid":"# + JSONText.quoted(statementId) + #","Effect":"Allow","Principal":"# + renderedPrincipal
            + #","Action":"# + JSONText.quoted(action) + #","Resource":"# + JSONText.quoted(resource)
        var stringEquals: [(String, String)] = []
        if let sourceAccount { stringEquals.append(("AWS:SourceAccount", sourceAccount)) }
        if let functionUrlAuthType { stringEquals.append(("lambda:FunctionUrlAuthType", functionUrlAuthType)) }
        if let principalOrgId { stringEquals.append(("aws:PrincipalOrgID", principalOrgId)) }
        if let eventSourceToken { stringEquals.append(("lambda:EventSourceToken", eventSourceToken)) }
        var conditions: [String] = []
        if !stringEquals.isEmpty {
            conditions.append(#""StringEquals":"# + Self.object(stringEquals))
        }
        if let sourceArn {
            conditions.append(#""ArnLike":"# + Self.object([("AWS:SourceArn", sourceArn)]))
        }
        if !conditions.isEmpty {
            text += #","Condition":{"# + conditions.joined(separator: ",") + "}"
        }
        return text + "}"
    }

    /// The policy document GetPolicy returns.
    public static func policyJSON(_ statements: [FunctionPermission], resource: String, partition: String = "aws") -> String {
        #"{"Version":"2012-10-17","Id":"default","Statement":["#
            + statements.map { $0.json(resource: resource, partition: partition) }.joined(separator: ",") + "]}"
    }

    private static func object(_ pairs: [(String, String)]) -> String {
        "{" + pairs.map { JSONText.quoted($0.0) + ":" + JSONText.quoted($0.1) }.joined(separator: ",") + "}"
    }

    // MARK: Evaluation

    /// Whether this statement lets `caller` perform `action` when it calls Lambda directly.
    ///
    /// The principal must name the caller: `*`, its account id, its account's root ARN,
    /// or its own ARN. A statement with conditions never matches a direct call: the keys
    /// it tests (`AWS:SourceArn`, `AWS:SourceAccount`, `aws:PrincipalOrgID`, the event
    /// source token, the URL auth type) are absent from one, and IAM's `StringEquals`
    /// and `ArnLike` are false on an absent key. Actions match case-insensitively, with
    /// `lambda:*` and `*` as wildcards.
    public func allows(_ action: String, for caller: Caller, partition: String = "aws") -> Bool {
        guard sourceArn == nil, sourceAccount == nil, principalOrgId == nil, eventSourceToken == nil, functionUrlAuthType == nil
        else { return false }
        let granted = self.action.lowercased()
        guard granted == "*" || granted == "lambda:*" || granted == action.lowercased() else { return false }
        return principal == "*" || principal == caller.accountId || principal == caller.arn
            || principal == "arn:\(partition):iam::\(caller.accountId):root"
    }
}

/// Who signed a request: an account and the IAM principal within it.
public struct Caller: Sendable, Equatable {
    public var accountId: String
    /// The principal's ARN, e.g. `arn:aws:iam::222222222222:user/bob`.
    public var arn: String

    public init(accountId: String, arn: String) {
        self.accountId = accountId
        self.arn = arn
    }
}
