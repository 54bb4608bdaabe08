import Foundation

/// A layer reference as the API paths carry it: a name or a layer ARN.
public struct LayerName: Sendable, Equatable {
    public var name: String
    public var region: String?
    public var accountId: String?

    public init(name: String, region: String? = nil, accountId: String? = nil) {
        self.name = name
        self.region = region
        self.accountId = accountId
    }

    /// Whether the reference points into this account and region (a plain name always does).
    public func isLocal(to account: Account) -> Bool {
        (region ?? account.region) == account.region && (accountId ?? account.id) == account.id
    }
}

/// A parsed layer version ARN, `arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION`.
public struct LayerVersionReference: Sendable, Equatable {
    public var arn: String
    public var partition: String
    public var region: String
    public var accountId: String
    public var name: String
    /// nil when the digits do not fit an Int: such a version cannot exist.
    public var version: Int?

    /// The ARN without its version: two references to one layer share it.
    public var layerArn: String { "arn:\(partition):lambda:\(region):\(accountId):layer:\(name)" }
}

/// Lambda's rules for layers, with AWS's messages (recorded in test_lambda_api.snapshot.json,
/// `TestLambdaLayer`).
public enum LayerRules {
    /// AWS's pattern for `LayerName` in paths, quoted verbatim in its errors.
    public static let namePattern = #"(arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\d{12}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+"#

    /// AWS's pattern for a layer version ARN (GetLayerVersionByArn's `Arn`, a function's `Layers`).
    public static let versionArnPattern =
        #"(arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+)|(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+)"#

    /// The runtime enum AWS prints for ListLayers' `CompatibleRuntime` filter, in AWS's order.
    /// It is also the set PublishLayerVersion accepts (deprecated runtimes included).
    public static let listRuntimeEnum: [String] = [
        "ruby3.5", "ruby2.6", "dotnetcore1.0", "python3.7", "nodejs8.10", "nasa", "ruby2.7", "python2.7-greengrass",
        "dotnetcore2.0", "python3.8", "java21", "dotnet6", "dotnetcore2.1", "python3.9", "java11", "nodejs6.10",
        "provided", "dotnetcore3.1", "dotnet8", "java25", "java17", "nodejs", "nodejs4.3", "java8.al2", "go1.x",
        "dotnet10", "nodejs20.x", "go1.9", "byol", "nodejs10.x", "provided.al2023", "nodejs22.x", "python3.10",
        "java8", "nodejs12.x", "python3.11", "nodejs24.x", "nodejs8.x", "python3.12", "nodejs14.x", "nodejs8.9",
        "nodejs26.x", "python3.13", "python3.14", "nodejs16.x", "python3.15", "provided.al2", "nodejs4.3-edge",
        "nodejs18.x", "ruby3.2", "python3.4", "ruby3.3", "ruby3.4", "ruby2.5", "python3.6", "python2.7",
    ]
    static let acceptedRuntimes = Set(listRuntimeEnum)
    public static let architectures = ["x86_64", "arm64"]

    // MARK: Paths

    /// Parses a `LayerName` path parameter; throws AWS's ValidationException otherwise.
    public static func parseName(_ raw: String) throws(LambdaError) -> LayerName {
        var errors = ValidationErrors()
        if raw.utf8.count > Limits.layerNameLength {
            errors.add(value: raw, at: "layerName", constraint: "Member must have length less than or equal to \(Limits.layerNameLength)")
        }
        var parsed: LayerName?
        if let match = raw.wholeMatch(of: #/arn:[a-zA-Z0-9\-]+:lambda:([a-zA-Z0-9\-]+):(\d{12}):layer:([a-zA-Z0-9\-_]+)/#) {
            parsed = LayerName(name: String(match.output.3), region: String(match.output.1), accountId: String(match.output.2))
        } else if !raw.isEmpty, raw.utf8.allSatisfy(FunctionIdentifier.isNameByte) {
            parsed = LayerName(name: raw)
        } else {
            errors.add(value: raw, at: "layerName", constraint: "Member must satisfy regular expression pattern: \(namePattern)")
        }
        try errors.throwIfAny()
        guard let parsed else { throw LambdaError.internalFailure }
        return parsed
    }

    /// Parses a `VersionNumber` path parameter. AWS refuses numbers below 1 with
    /// InvalidParameterValueException `Layer Version Cannot be less than 1`.
    public static func parseVersion(_ raw: String) throws(LambdaError) -> Int {
        guard let value = Int(raw) else {
            if raw.first == "-", raw.dropFirst().allSatisfy(\.isNumber), !raw.dropFirst().isEmpty {
                throw LambdaError(.invalidParameterValue, "Layer Version Cannot be less than 1")
            }
            throw LambdaError(.invalidParameterValue, "Value '\(raw)' at 'versionNumber' is not a valid long")
        }
        if value < 1 { throw LambdaError(.invalidParameterValue, "Layer Version Cannot be less than 1") }
        return value
    }

    /// Parses a layer version ARN, or nil if it does not match ``versionArnPattern``'s first
    /// (account layer) form. AWS-owned `awslayer` ARNs are valid but never resolve here.
    public static func parseVersionArn(_ raw: String) -> LayerVersionReference? {
        let regex = #/arn:(aws[a-zA-Z\-]*)?:lambda:((?:eusc-)?[a-z]{2}(?:(?:-gov)|(?:-iso(?:[a-z]?)))?-[a-z]+-\d{1}):(\d{12}):layer:([a-zA-Z0-9\-_]+):([0-9]+)/#
        guard let match = raw.wholeMatch(of: regex) else { return nil }
        return LayerVersionReference(
            arn: raw, partition: match.output.1.map(String.init) ?? "", region: String(match.output.2),
            accountId: String(match.output.3), name: String(match.output.4), version: Int(match.output.5)
        )
    }

    /// Whether a string matches ``versionArnPattern`` (either form).
    public static func isVersionArn(_ raw: String) -> Bool {
        parseVersionArn(raw) != nil || raw.wholeMatch(of: #/arn:[a-zA-Z0-9\-]+:lambda:::awslayer:[a-zA-Z0-9\-_]+/#) != nil
    }

    /// Checks GetLayerVersionByArn's `Arn` query parameter.
    public static func checkArnParameter(_ raw: String?) throws(LambdaError) -> String {
        var errors = ValidationErrors()
        guard let raw else {
            errors.add(value: nil, at: "arn", constraint: "Member must not be null")
            try errors.throwIfAny()
            throw LambdaError.internalFailure
        }
        if raw.utf8.count > Limits.layerNameLength {
            errors.add(value: raw, at: "arn", constraint: "Member must have length less than or equal to \(Limits.layerNameLength)")
        }
        if !isVersionArn(raw) {
            errors.add(value: raw, at: "arn", constraint: "Member must satisfy regular expression pattern: \(versionArnPattern)")
        }
        try errors.throwIfAny()
        return raw
    }

    // MARK: PublishLayerVersion

    public static func checkCompatibleRuntimes(_ value: [String]?, into errors: inout ValidationErrors) {
        guard let value else { return }
        let rendered = "[" + value.joined(separator: ", ") + "]"
        if value.count > Limits.layerCompatibleRuntimes {
            errors.add(value: rendered, at: "compatibleRuntimes", constraint: "Member must have length less than or equal to \(Limits.layerCompatibleRuntimes)")
        } else if value.contains(where: { !acceptedRuntimes.contains($0) }) {
            let set = Runtime.awsEnumValues.joined(separator: ", ")
            errors.add(value: rendered, at: "compatibleRuntimes", constraint: "Member must satisfy enum value set: [\(set)]")
        }
    }

    public static func checkCompatibleArchitectures(_ value: [String]?, into errors: inout ValidationErrors) {
        guard let value else { return }
        let rendered = "[" + value.joined(separator: ", ") + "]"
        if value.count > architectures.count {
            errors.add(value: rendered, at: "compatibleArchitectures", constraint: "Member must have length less than or equal to \(architectures.count)")
        } else if value.contains(where: { !architectures.contains($0) }) {
            errors.add(value: rendered, at: "compatibleArchitectures", constraint: "Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64], Member must not be null]")
        }
    }

    public static func checkLicenseInfo(_ value: String?, into errors: inout ValidationErrors) {
        guard let value else { return }
        if value.count > Limits.layerLicenseInfoLength {
            errors.add(value: value, at: "licenseInfo", constraint: "Member must have length less than or equal to \(Limits.layerLicenseInfoLength)")
        }
    }

    // MARK: ListLayers / ListLayerVersions

    /// Checks the `CompatibleRuntime`, `CompatibleArchitecture` and `MaxItems` query parameters.
    /// - Returns: the page size.
    public static func checkListQuery(runtime: String?, architecture: String?, maxItems: String?) throws(LambdaError) -> Int {
        var errors = ValidationErrors()
        if let runtime, !acceptedRuntimes.contains(runtime) {
            errors.add(value: runtime, at: "compatibleRuntime", constraint: "Member must satisfy enum value set: [\(listRuntimeEnum.joined(separator: ", "))]")
        }
        if let architecture, !architectures.contains(architecture) {
            errors.add(value: architecture, at: "compatibleArchitecture", constraint: "Member must satisfy enum value set: [x86_64, arm64]")
        }
        var limit = Limits.layerListItems.upperBound
        if let maxItems {
            guard let value = Int(maxItems) else {
                throw LambdaError(.invalidParameterValue, "Value '\(maxItems)' at 'maxItems' is not a valid integer")
            }
            FunctionRules.checkRange(value, Limits.layerListItems, field: "maxItems", into: &errors)
            limit = min(max(value, Limits.layerListItems.lowerBound), Limits.layerListItems.upperBound)
        }
        try errors.throwIfAny()
        return limit
    }

    // MARK: AddLayerVersionPermission

    public static let statementIdPattern = "([a-zA-Z0-9-_]+)"
    public static let actionPattern = "lambda:GetLayerVersion"
    public static let principalPattern = #"\d{12}|\*|arn:(aws[a-zA-Z-]*):iam::\d{12}:root"#
    public static let organizationIdPattern = "o-[a-z0-9]{10,32}"

    /// Checks a permission statement; one ValidationException lists every violation.
    public static func checkStatement(statementId: String?, action: String?, principal: String?, organizationId: String?) throws(LambdaError) -> LayerPermissionStatement {
        var errors = ValidationErrors()
        checkStatementId(statementId, into: &errors)
        if let action {
            if action.utf8.count > 22 {
                errors.add(value: action, at: "action", constraint: "Member must have length less than or equal to 22")
            }
            if action != actionPattern {
                errors.add(value: action, at: "action", constraint: "Member must satisfy regular expression pattern: \(actionPattern)")
            }
        } else {
            errors.add(value: nil, at: "action", constraint: "Member must not be null")
        }
        if let principal {
            if principal.wholeMatch(of: #/\d{12}|\*|arn:(aws[a-zA-Z\-]*):iam::\d{12}:root/#) == nil {
                errors.add(value: principal, at: "principal", constraint: "Member must satisfy regular expression pattern: \(principalPattern)")
            }
        } else {
            errors.add(value: nil, at: "principal", constraint: "Member must not be null")
        }
        if let organizationId {
            if organizationId.utf8.count > 34 {
                errors.add(value: organizationId, at: "organizationId", constraint: "Member must have length less than or equal to 34")
            }
            if organizationId.wholeMatch(of: #/o-[a-z0-9]{10,32}/#) == nil {
                errors.add(value: organizationId, at: "organizationId", constraint: "Member must satisfy regular expression pattern: \(organizationIdPattern)")
            }
        }
        try errors.throwIfAny()
        guard let statementId, let action, let principal else { throw LambdaError.internalFailure }
        return LayerPermissionStatement(statementId: statementId, action: action, principal: principal, organizationId: organizationId)
    }

    public static func checkStatementId(_ value: String?, into errors: inout ValidationErrors) {
        guard let value else {
            errors.add(value: nil, at: "statementId", constraint: "Member must not be null")
            return
        }
        if value.utf8.count > 100 {
            errors.add(value: value, at: "statementId", constraint: "Member must have length less than or equal to 100")
        } else if value.isEmpty {
            errors.add(value: value, at: "statementId", constraint: "Member must have length greater than or equal to 1")
        }
        if value.isEmpty || !value.utf8.allSatisfy(FunctionIdentifier.isNameByte) {
            errors.add(value: value, at: "statementId", constraint: "Member must satisfy regular expression pattern: \(statementIdPattern)")
        }
    }

    // MARK: A function's Layers

    /// Checks the form of a function's `Layers`: every entry must be a layer version ARN.
    public static func checkFunctionLayerArns(_ value: [String]?, into errors: inout ValidationErrors) {
        guard let value else { return }
        if value.contains(where: { $0.isEmpty || $0.utf8.count > 2048 || !isVersionArn($0) }) {
            errors.add(
                value: "[" + value.joined(separator: ", ") + "]", at: "layers",
                constraint: "Member must satisfy constraint: [Member must have length less than or equal to 2048, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: \(versionArnPattern), Member must not be null]"
            )
        }
    }

    /// The checks AWS makes on a function's `Layers` before looking them up, in its order:
    /// at most 5, all in the function's region, no layer twice.
    /// - Returns: the parsed references; `awslayer` ARNs come back as nil (they never exist here).
    public static func checkFunctionLayerReferences(_ arns: [String], account: Account) throws(LambdaError) -> [LayerVersionReference?] {
        if arns.count > Limits.layersPerFunction {
            throw LambdaError(.invalidParameterValue, "Cannot reference more than \(Limits.layersPerFunction) layers.")
        }
        let references = arns.map(parseVersionArn)
        if references.contains(where: { $0 != nil && $0?.region != account.region }) {
            throw LambdaError(.invalidParameterValue, "Layers are not in the same region as the function. Layers are expected to be in region \(account.region).")
        }
        for i in references.indices {
            guard let first = references[i] else { continue }
            for j in references.indices where j > i {
                if let second = references[j], second.layerArn == first.layerArn {
                    throw LambdaError(
                        .invalidParameterValue,
                        "Two different versions of the same layer are not allowed to be referenced in the same function. \(first.arn) and \(second.arn) are versions of the same layer."
                    )
                }
            }
        }
        return references
    }

    /// The 250 MB rule for a function's code and its layers together.
    public static func checkCombinedSize(functionUnzipped: Int64, layers: [FunctionLayer]) throws(LambdaError) {
        let total = layers.reduce(functionUnzipped) { $0 + $1.unzippedSize }
        if total > Int64(Limits.unzippedCodeSize) {
            throw LambdaError(
                .invalidParameterValue,
                "Function code combined with layers exceeds the maximum allowed size of \(Limits.unzippedCodeSize) bytes. The actual size is \(total) bytes."
            )
        }
    }

    /// `Layer version <arn> does not exist.`, as AWS says it (400 on functions, 404 on policies).
    public static func versionDoesNotExist(_ arn: String, status: LambdaError.Code) -> LambdaError {
        LambdaError(status, "Layer version \(arn) does not exist.")
    }
}
