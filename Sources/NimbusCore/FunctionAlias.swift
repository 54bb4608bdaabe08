import Foundation

/// A named pointer to a published version (or `$LATEST`), optionally sending a share of
/// traffic to a second version (`RoutingConfig.AdditionalVersionWeights`).
public struct FunctionAlias: Sendable, Equatable {
    public var functionName: String
    public var name: String
    public var functionVersion: String
    public var description: String
    /// The second version and the share (0...1) of invocations it gets; nil when the
    /// alias was given no routing configuration (AWS then omits `RoutingConfig`).
    public var additionalVersionWeights: [String: Double]?
    public var revisionId: String

    public init(
        functionName: String, name: String, functionVersion: String, description: String = "",
        additionalVersionWeights: [String: Double]? = nil, revisionId: String = UUID().uuidString.lowercased()
    ) {
        self.functionName = functionName
        self.name = name
        self.functionVersion = functionVersion
        self.description = description
        self.additionalVersionWeights = additionalVersionWeights
        self.revisionId = revisionId
    }

    /// The versions the alias can route to: its own, then the additional one.
    public var versions: [String] {
        [functionVersion] + (additionalVersionWeights?.keys.sorted() ?? [])
    }

    /// Picks the version for one invocation. `roll` is uniform in 0..<1.
    public func route(roll: Double) -> String {
        guard let (version, weight) = additionalVersionWeights?.first, weight > 0 else { return functionVersion }
        return roll < weight ? version : functionVersion
    }
}

/// AWS's checks on alias names, versions and routing configurations, with its messages.
public enum AliasRules {
    public static let namePattern = "(?!^[0-9]+$)([a-zA-Z0-9-_]+)"
    static let versionPattern = "(\\$LATEST|[0-9]+)"

    /// `Name`: 1-128 of `[a-zA-Z0-9-_]`, not all digits.
    public static func checkName(_ name: String?, into errors: inout ValidationErrors) {
        guard let name else {
            errors.add(value: nil, at: "name", constraint: "Member must not be null")
            return
        }
        if name.utf8.count > 128 {
            errors.add(value: name, at: "name", constraint: "Member must have length less than or equal to 128")
        }
        let valid = !name.isEmpty && name.utf8.allSatisfy(FunctionIdentifier.isNameByte)
            && !name.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        if !valid {
            errors.add(value: name, at: "name", constraint: "Member must satisfy regular expression pattern: \(namePattern)")
        }
    }

    /// Whether a qualifier names an alias rather than a version.
    public static func isAliasName(_ qualifier: String) -> Bool {
        qualifier != FunctionConfiguration.latest && !qualifier.isEmpty
            && !qualifier.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    /// `FunctionVersion`: `$LATEST` or a version number.
    public static func checkFunctionVersion(_ version: String?, required: Bool, into errors: inout ValidationErrors) {
        guard let version else {
            if required { errors.add(value: nil, at: "functionVersion", constraint: "Member must not be null") }
            return
        }
        if version.utf8.count > 1024 {
            errors.add(value: version, at: "functionVersion", constraint: "Member must have length less than or equal to 1024")
        }
        if !isVersion(version) {
            errors.add(value: version, at: "functionVersion", constraint: "Member must satisfy regular expression pattern: \(versionPattern)")
        }
    }

    static func isVersion(_ value: String) -> Bool {
        value == FunctionConfiguration.latest || (!value.isEmpty && value.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
    }

    /// The syntactic checks on `RoutingConfig.AdditionalVersionWeights` (ValidationException).
    public static func checkWeights(_ weights: [String: Double]?, into errors: inout ValidationErrors) {
        guard let weights, !weights.isEmpty else { return }
        let rendered = "{" + weights.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ") + "}"
        let badKey = weights.keys.contains { key in
            key.isEmpty || key.utf8.count > 1024 || !key.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        }
        if badKey {
            errors.add(value: rendered, at: "routingConfig.additionalVersionWeights", constraint: "Map keys must satisfy constraint: [Member must have length less than or equal to 1024, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [0-9]+]")
        }
        if weights.values.contains(where: { !(0.0...1.0).contains($0) }) {
            errors.add(value: rendered, at: "routingConfig.additionalVersionWeights", constraint: "Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]")
        }
    }

    /// The semantic checks that follow (InvalidParameterValueException), before any lookup.
    public static func checkRouting(functionVersion: String, weights: [String: Double]?) throws(LambdaError) {
        guard let weights, !weights.isEmpty else { return }
        if weights.count > 1 {
            throw LambdaError(.invalidParameterValue, "Number of items in AdditionalVersionWeights cannot be greater than 1")
        }
        if weights[functionVersion] != nil {
            throw LambdaError(.invalidParameterValue, "Invalid function version \(functionVersion). Function version \(functionVersion) is already included in routing configuration.")
        }
        if functionVersion == FunctionConfiguration.latest {
            throw LambdaError.withoutType(.invalidParameterValue, "$LATEST is not supported for an alias pointing to more than 1 version")
        }
    }
}
