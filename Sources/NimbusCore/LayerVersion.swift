import Foundation

/// One published version of a Lambda layer: what GetLayerVersion reports.
///
/// The content is a zip in the code store, addressed by its SHA-256 (hex), like
/// function code. Version numbers start at 1 per layer and are never reused, even
/// after every version is deleted.
public struct LayerVersion: Sendable, Equatable {
    public var name: String
    public var version: Int
    public var description: String
    /// nil when the publisher did not send the field (AWS then omits it); may be empty.
    public var compatibleRuntimes: [String]?
    /// nil when the publisher did not send the field (AWS then omits it); may be empty.
    public var compatibleArchitectures: [String]?
    public var licenseInfo: String?
    public var codeSHA256Hex: String
    /// Zipped size in bytes, as `Content.CodeSize` reports it.
    public var codeSize: Int64
    public var createdDate: Date

    public init(
        name: String, version: Int, description: String = "", compatibleRuntimes: [String]? = nil,
        compatibleArchitectures: [String]? = nil, licenseInfo: String? = nil,
        codeSHA256Hex: String, codeSize: Int64, createdDate: Date = Date()
    ) {
        self.name = name
        self.version = version
        self.description = description
        self.compatibleRuntimes = compatibleRuntimes
        self.compatibleArchitectures = compatibleArchitectures
        self.licenseInfo = licenseInfo
        self.codeSHA256Hex = codeSHA256Hex
        self.codeSize = codeSize
        self.createdDate = FunctionConfiguration.milliseconds(createdDate)
    }

    /// Whether the version matches ListLayers/ListLayerVersions filters, as AWS applies them:
    /// a filter matches only versions that list the value.
    public func matches(runtime: String?, architecture: String?) -> Bool {
        if let runtime, !(compatibleRuntimes ?? []).contains(runtime) { return false }
        if let architecture, !(compatibleArchitectures ?? []).contains(architecture) { return false }
        return true
    }
}

/// A layer version as a function references it.
///
/// The function keeps its own copy of what it needs: AWS lets a function keep using a
/// layer version after the version is deleted, so nothing here is looked up again.
public struct FunctionLayer: Sendable, Equatable, Hashable {
    /// The layer version ARN, `arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION`.
    public var arn: String
    /// Zipped size, reported as `Layers[].CodeSize`.
    public var codeSize: Int64
    /// Lowercase hex SHA-256 of the layer's zip: its address in the code store, for
    /// `CodeStore.mergedLayerDirectory(for:)`.
    public var codeSHA256Hex: String
    /// Unzipped size, counted against the function's 250 MB with its own code.
    public var unzippedSize: Int64

    public init(arn: String, codeSize: Int64, codeSHA256Hex: String, unzippedSize: Int64) {
        self.arn = arn
        self.codeSize = codeSize
        self.codeSHA256Hex = codeSHA256Hex
        self.unzippedSize = unzippedSize
    }
}

/// One statement of a layer version's resource policy (AddLayerVersionPermission).
public struct LayerPermissionStatement: Sendable, Equatable {
    public var statementId: String
    public var action: String
    /// As given: `*`, an account id, or `arn:aws:iam::ACCOUNT:root`.
    public var principal: String
    public var organizationId: String?

    public init(statementId: String, action: String, principal: String, organizationId: String? = nil) {
        self.statementId = statementId
        self.action = action
        self.principal = principal
        self.organizationId = organizationId
    }

    /// The statement as AWS renders it, keys in AWS's order:
    /// `{"Sid":...,"Effect":"Allow","Principal":...,"Action":...,"Resource":...}`.
    public func json(resource: String, partition: String = "aws") -> String {
        let renderedPrincipal: String
        if principal == "*" {
            renderedPrincipal = JSONText.quoted("*")
        } else if principal.allSatisfy(\.isNumber) {
            renderedPrincipal = #"{"AWS":"# + JSONText.quoted("arn:\(partition):iam::\(principal):root") + "}"
        } else {
            renderedPrincipal = #"{"AWS":"# + JSONText.quoted(principal) + "}"
        }
        var text = #"{"Sid":"# + JSONText.quoted(statementId) + #","Effect":"Allow","Principal":"# + renderedPrincipal
            + #","Action":"# + JSONText.quoted(action) + #","Resource":"# + JSONText.quoted(resource)
        if let organizationId {
            text += #","Condition":{"StringEquals":{"aws:PrincipalOrgID":"# + JSONText.quoted(organizationId) + "}}"
        }
        return text + "}"
    }

    /// The policy document GetLayerVersionPolicy returns.
    public static func policyJSON(_ statements: [LayerPermissionStatement], resource: String, partition: String = "aws") -> String {
        #"{"Version":"2012-10-17","Id":"default","Statement":["#
            + statements.map { $0.json(resource: resource, partition: partition) }.joined(separator: ",") + "]}"
    }
}
