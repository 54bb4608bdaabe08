import Foundation
import NimbusCore

// Request and response bodies of the layer operations (botocore's shapes), with the same
// naming convention as WireModels.swift: wire names are the Swift names capitalised.

struct PublishLayerVersionInput: Decodable {
    var description: String?
    var content: LayerVersionContentInput?
    var compatibleRuntimes: [String]?
    var licenseInfo: String?
    var compatibleArchitectures: [String]?
}

struct LayerVersionContentInput: Decodable {
    var s3Bucket: String?
    var s3Key: String?
    var s3ObjectVersion: String?
    var zipFile: String?
}

struct AddLayerVersionPermissionInput: Decodable {
    var statementId: String?
    var action: String?
    var principal: String?
    var organizationId: String?
}

/// PublishLayerVersion's, GetLayerVersion's and GetLayerVersionByArn's answer.
struct LayerVersionOutput: Encodable {
    struct Content: Encodable {
        var location: String
        var codeSha256: String
        var codeSize: Int64
    }

    var content: Content
    var layerArn: String
    var layerVersionArn: String
    var description: String
    var createdDate: String
    var version: Int
    var compatibleRuntimes: [String]?
    var licenseInfo: String?
    var compatibleArchitectures: [String]?

    init(_ v: LayerVersion, account: Account, location: String, codeSHA256Base64: String) {
        content = Content(location: location, codeSha256: codeSHA256Base64, codeSize: v.codeSize)
        layerArn = account.layerArn(v.name)
        layerVersionArn = account.layerVersionArn(v.name, version: v.version)
        description = v.description
        createdDate = AWSDate.lastModified(v.createdDate)
        version = v.version
        compatibleRuntimes = v.compatibleRuntimes
        licenseInfo = v.licenseInfo
        compatibleArchitectures = v.compatibleArchitectures
    }
}

/// One entry of ListLayerVersions, and ListLayers' `LatestMatchingVersion`.
struct LayerVersionsListItem: Encodable {
    var layerVersionArn: String
    var version: Int
    var description: String
    var createdDate: String
    var compatibleRuntimes: [String]?
    var licenseInfo: String?
    var compatibleArchitectures: [String]?

    init(_ v: LayerVersion, account: Account) {
        layerVersionArn = account.layerVersionArn(v.name, version: v.version)
        version = v.version
        description = v.description
        createdDate = AWSDate.lastModified(v.createdDate)
        compatibleRuntimes = v.compatibleRuntimes
        licenseInfo = v.licenseInfo
        compatibleArchitectures = v.compatibleArchitectures
    }
}

struct ListLayerVersionsOutput: Encodable {
    var layerVersions: [LayerVersionsListItem]
    var nextMarker: String?
}

struct LayersListItem: Encodable {
    var layerName: String
    var layerArn: String
    var latestMatchingVersion: LayerVersionsListItem
}

struct ListLayersOutput: Encodable {
    var layers: [LayersListItem]
    var nextMarker: String?
}

/// `Statement` and `Policy` are JSON documents sent as strings, as botocore's model says.
struct AddLayerVersionPermissionOutput: Encodable {
    var statement: String
    var revisionId: String
}

struct GetLayerVersionPolicyOutput: Encodable {
    var policy: String
    var revisionId: String
}
