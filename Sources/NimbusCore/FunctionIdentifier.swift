/// A function reference as clients send it: a name, a partial ARN
/// (`123456789012:function:NAME`) or a full ARN, each with an optional `:QUALIFIER`.
public struct FunctionIdentifier: Sendable, Equatable {
    public var name: String
    public var qualifier: String?
    public var region: String?
    public var accountId: String?

    public init(name: String, qualifier: String? = nil, region: String? = nil, accountId: String? = nil) {
        self.name = name
        self.qualifier = qualifier
        self.region = region
        self.accountId = accountId
    }

    /// AWS's pattern for `FunctionName` in API paths, quoted verbatim in its errors.
    public static let pattern =
        #"(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?"#

    /// Parses any accepted form; throws AWS's ValidationException otherwise.
    ///
    /// - Parameter field: the field name AWS reports (`functionName`).
    public static func parse(_ raw: String, field: String = "functionName") throws(LambdaError) -> FunctionIdentifier {
        var errors = ValidationErrors()
        if raw.utf8.count > Limits.functionIdentifierLength {
            errors.add(value: raw, at: field, constraint: "Member must have length less than or equal to \(Limits.functionIdentifierLength)")
        }
        guard raw.utf8.count >= 1 else {
            errors.add(value: raw, at: field, constraint: "Member must have length greater than or equal to 1")
            try errors.throwIfAny()
            throw LambdaError(.validation, "")  // unreachable: errors is non-empty
        }
        let parsed = fastParse(raw) ?? regexParse(raw)
        if parsed == nil {
            errors.add(value: raw, at: field, constraint: "Member must satisfy regular expression pattern: \(pattern)")
        }
        try errors.throwIfAny()
        guard let parsed else { throw LambdaError(.validation, "") }
        return parsed
    }

    /// The common case on the invoke path: a plain name, no regex needed.
    private static func fastParse(_ raw: String) -> FunctionIdentifier? {
        guard raw.utf8.allSatisfy(isNameByte) else { return nil }
        return FunctionIdentifier(name: raw)
    }

    private static func regexParse(_ raw: String) -> FunctionIdentifier? {
        let regex = #/(arn:(?:aws[a-zA-Z-]*)?:lambda:)?((?:eusc-)?[a-z]{2}(?:(?:-gov)|(?:-iso(?:[a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9\-_]+)(?::(\$LATEST|[a-zA-Z0-9\-_]+))?/#
        guard let match = raw.wholeMatch(of: regex) else { return nil }
        let region = match.output.2.map { String($0.dropLast()) }
        let account = match.output.3.map { String($0.dropLast()) }
        // A bare `name:qualifier` must not be mistaken for `account:name`: the regex
        // only treats a 12-digit prefix as an account when followed by more.
        return FunctionIdentifier(
            name: String(match.output.5),
            qualifier: match.output.6.map(String.init),
            region: region,
            accountId: account
        )
    }

    static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
            true
        default:
            false
        }
    }

    /// Checks that the reference belongs to this account and region.
    public func checkScope(_ account: Account) throws(LambdaError) {
        if let region, region != account.region {
            throw LambdaError(.resourceNotFound, "Functions from '\(region)' are not reachable in this region ('\(account.region)')")
        }
        if let accountId, accountId != account.id {
            throw LambdaError(.accessDenied, "")
        }
    }

    /// Combines a qualifier in the name with a separate `Qualifier` parameter, as AWS does.
    public func resolvedQualifier(_ parameter: String?) throws(LambdaError) -> String? {
        switch (qualifier, parameter) {
        case let (fromName?, param?) where fromName != param:
            throw LambdaError(.invalidParameterValue, "The derived qualifier from the function name does not match the specified qualifier.")
        case let (fromName?, _):
            return fromName
        case let (nil, param):
            return param
        }
    }

    /// Whether a name alone (no ARN, no qualifier) matches AWS's function name rules.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= Limits.functionNameLength && name.utf8.allSatisfy(isNameByte)
    }
}
