/// AddPermission, RemovePermission and GetPolicy: AWS's validation, in AWS's order and words
/// (botocore's model for the patterns, the recorded responses for the messages).
public enum PermissionRules {
    public static let statementIdPattern = "([a-zA-Z0-9-_]+)"
    public static let removeStatementIdPattern = "([a-zA-Z0-9-_.]+)"
    public static let actionPattern = "(lambda:[*]|lambda:[a-zA-Z]+|[*])"
    public static let principalPattern = #"[^\s]+"#
    public static let sourceArnPattern = #"arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:([a-z]{2}(-gov)?-[a-z]+-\d{1})?:(\d{12})?:(.*)"#
    public static let sourceAccountPattern = #"\d{12}"#
    public static let eventSourceTokenPattern = #"[a-zA-Z0-9._\-]+"#
    public static let qualifierPattern = #"\$(LATEST(\.PUBLISHED)?)|[a-zA-Z0-9-_$]+"#
    public static let principalOrgIdPattern = "o-[a-z0-9]{10,32}"

    public static let invalidPrincipal = LambdaError(
        .invalidParameterValue, "The provided principal was invalid. Please check the principal and try again."
    )
    public static let latestRefused = LambdaError(.invalidParameterValue, "We currently do not support adding policies for $LATEST.")
    public static let noPolicy = LambdaError(.resourceNotFound, "No policy is associated with the given resource.")
    public static let resourceNotFound = LambdaError(.resourceNotFound, "The resource you requested does not exist.")
    public static let revisionMismatch = LambdaError(
        .preconditionFailed,
        "The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id"
    )

    public static func conflict(_ statementId: String) -> LambdaError {
        LambdaError(.resourceConflict, "The statement id (\(statementId)) provided already exists. Please provide a new statement id, or remove the existing statement.")
    }

    public static func statementNotFound(_ statementId: String) -> LambdaError {
        LambdaError(.resourceNotFound, "Statement \(statementId) is not found in resource policy.")
    }

    /// AddPermission's body, checked field by field (one ValidationException listing every
    /// violation), then the principal's form. Returns the statement to store.
    public static func checkAdd(
        statementId: String?, action: String?, principal: String?, sourceArn: String?, sourceAccount: String?,
        eventSourceToken: String?, principalOrgId: String?, functionUrlAuthType: String?
    ) throws(LambdaError) -> FunctionPermission {
        var errors = ValidationErrors()
        checkStatementId(statementId, pattern: statementIdPattern, into: &errors)
        check(action, at: "action", required: true, matches: { $0.wholeMatch(of: #/lambda:[*]|lambda:[a-zA-Z]+|[*]/#) != nil }, pattern: actionPattern, into: &errors)
        check(principal, at: "principal", required: true, matches: { $0.wholeMatch(of: #/[^\s]+/#) != nil }, pattern: principalPattern, into: &errors)
        check(sourceArn, at: "sourceArn", matches: {
            $0.wholeMatch(of: #/arn:(aws[a-zA-Z0-9\-]*):([a-zA-Z0-9\-])+:([a-z]{2}(-gov)?-[a-z]+-\d{1})?:(\d{12})?:(.*)/#) != nil
        }, pattern: sourceArnPattern, into: &errors)
        if let sourceAccount, sourceAccount.utf8.count > 12 {
            errors.add(value: sourceAccount, at: "sourceAccount", constraint: "Member must have length less than or equal to 12")
        }
        check(sourceAccount, at: "sourceAccount", matches: { $0.wholeMatch(of: #/\d{12}/#) != nil }, pattern: sourceAccountPattern, into: &errors)
        if let eventSourceToken, eventSourceToken.utf8.count > 256 {
            errors.add(value: eventSourceToken, at: "eventSourceToken", constraint: "Member must have length less than or equal to 256")
        }
        check(eventSourceToken, at: "eventSourceToken", matches: { $0.wholeMatch(of: #/[a-zA-Z0-9._\-]+/#) != nil }, pattern: eventSourceTokenPattern, into: &errors)
        if let principalOrgId {
            if principalOrgId.utf8.count > 34 {
                errors.add(value: principalOrgId, at: "principalOrgID", constraint: "Member must have length less than or equal to 34")
            } else if principalOrgId.utf8.count < 12 {
                errors.add(value: principalOrgId, at: "principalOrgID", constraint: "Member must have length greater than or equal to 12")
            }
            if principalOrgId.wholeMatch(of: #/o-[a-z0-9]{10,32}/#) == nil {
                errors.add(value: principalOrgId, at: "principalOrgID", constraint: "Member must satisfy regular expression pattern: \(principalOrgIdPattern)")
            }
        }
        if let functionUrlAuthType, !["NONE", "AWS_IAM"].contains(functionUrlAuthType) {
            errors.add(value: functionUrlAuthType, at: "functionUrlAuthType", constraint: "Member must satisfy enum value set: [NONE, AWS_IAM]")
        }
        try errors.throwIfAny()
        guard let statementId, let action, let principal else { throw LambdaError.internalFailure }
        guard isValidPrincipal(principal) else { throw invalidPrincipal }
        return FunctionPermission(
            statementId: statementId, action: action, principal: principal, sourceArn: sourceArn, sourceAccount: sourceAccount,
            principalOrgId: principalOrgId, eventSourceToken: eventSourceToken, functionUrlAuthType: functionUrlAuthType
        )
    }

    /// RemovePermission's `StatementId` (its pattern also allows `.`).
    public static func checkRemoveStatementId(_ statementId: String) throws(LambdaError) {
        var errors = ValidationErrors()
        checkStatementId(statementId, pattern: removeStatementIdPattern, allowDot: true, into: &errors)
        try errors.throwIfAny()
    }

    /// The `Qualifier` query parameter's length and pattern.
    public static func checkQualifier(_ qualifier: String?) throws(LambdaError) {
        guard let qualifier else { return }
        var errors = ValidationErrors()
        if qualifier.utf8.count > 128 {
            errors.add(value: qualifier, at: "qualifier", constraint: "Member must have length less than or equal to 128")
        } else if qualifier.isEmpty {
            errors.add(value: qualifier, at: "qualifier", constraint: "Member must have length greater than or equal to 1")
        }
        if qualifier.wholeMatch(of: #/\$(LATEST(\.PUBLISHED)?)|[a-zA-Z0-9\-_$]+/#) == nil {
            errors.add(value: qualifier, at: "qualifier", constraint: "Member must satisfy regular expression pattern: \(qualifierPattern)")
        }
        try errors.throwIfAny()
    }

    /// What AWS answers for a qualifier the function does not have: an alias name (not all
    /// digits, only `[a-zA-Z0-9-_]`) is a missing alias, anything else a missing version.
    public static func qualifierNotFound(_ qualifiedArn: String, qualifier: String) -> LambdaError {
        if isAliasName(qualifier) {
            return LambdaError(.resourceNotFound, "Cannot find alias arn: \(qualifiedArn)")
        }
        return LambdaError.functionNotFound(qualifiedArn)
    }

    public static func isAliasName(_ qualifier: String) -> Bool {
        !qualifier.isEmpty && !qualifier.allSatisfy(\.isASCIIDigitCharacter) && qualifier.utf8.allSatisfy(FunctionIdentifier.isNameByte)
    }

    /// `*`, a 12-digit account, an IAM ARN, or a service principal (`name.amazonaws.com`,
    /// or `name.amazon.com` as Alexa's `alexa-appkit.amazon.com`).
    public static func isValidPrincipal(_ principal: String) -> Bool {
        principal == "*" || isAccountId(principal) || isServicePrincipal(principal)
            || principal.wholeMatch(of: #/arn:aws[a-zA-Z\-]*:(iam|sts)::\d{12}:[a-zA-Z0-9+=,.@_\-\/:]+/#) != nil
    }

    public static func isAccountId(_ value: String) -> Bool {
        value.utf8.count == 12 && value.allSatisfy(\.isASCIIDigitCharacter)
    }

    public static func isServicePrincipal(_ value: String) -> Bool {
        value.wholeMatch(of: #/[a-z0-9][a-z0-9\-.]*\.(amazonaws\.com|amazon\.com)/#) != nil
    }

    private static func checkStatementId(_ value: String?, pattern: String, allowDot: Bool = false, into errors: inout ValidationErrors) {
        guard let value else {
            errors.add(value: nil, at: "statementId", constraint: "Member must not be null")
            return
        }
        if value.utf8.count > 100 {
            errors.add(value: value, at: "statementId", constraint: "Member must have length less than or equal to 100")
        } else if value.isEmpty {
            errors.add(value: value, at: "statementId", constraint: "Member must have length greater than or equal to 1")
        }
        let valid = !value.isEmpty && value.utf8.allSatisfy { FunctionIdentifier.isNameByte($0) || (allowDot && $0 == UInt8(ascii: ".")) }
        if !valid, !value.isEmpty {
            errors.add(value: value, at: "statementId", constraint: "Member must satisfy regular expression pattern: \(pattern)")
        }
    }

    private static func check(
        _ value: String?, at field: String, required: Bool = false, matches: (String) -> Bool, pattern: String,
        into errors: inout ValidationErrors
    ) {
        guard let value else {
            if required { errors.add(value: nil, at: field, constraint: "Member must not be null") }
            return
        }
        if !matches(value) {
            errors.add(value: value, at: field, constraint: "Member must satisfy regular expression pattern: \(pattern)")
        }
    }
}

extension Character {
    var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}
