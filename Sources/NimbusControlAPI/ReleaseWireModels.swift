import Foundation
import NimbusCore

// Bodies of the version, alias and concurrency operations (botocore's shapes).

struct PublishVersionInput: Decodable {
    var codeSha256: String?
    var description: String?
    var revisionId: String?
}

struct ListVersionsOutput: Encodable {
    var versions: [FunctionConfigurationOutput]
    var nextMarker: String?
}

struct RoutingConfigWire: Codable {
    var additionalVersionWeights: [String: Double]?
}

struct CreateAliasInput: Decodable {
    var name: String?
    var functionVersion: String?
    var description: String?
    var routingConfig: RoutingConfigWire?
}

struct UpdateAliasInput: Decodable {
    var functionVersion: String?
    var description: String?
    var routingConfig: RoutingConfigWire?
    var revisionId: String?
}

struct AliasOutput: Encodable {
    var aliasArn: String
    var name: String
    var functionVersion: String
    var description: String
    var revisionId: String
    var routingConfig: RoutingConfigWire?

    init(_ alias: FunctionAlias, account: Account) {
        aliasArn = account.functionArn(alias.functionName, qualifier: alias.name)
        name = alias.name
        functionVersion = alias.functionVersion
        description = alias.description
        revisionId = alias.revisionId
        routingConfig = alias.additionalVersionWeights.map { RoutingConfigWire(additionalVersionWeights: $0) }
    }
}

struct ListAliasesOutput: Encodable {
    var aliases: [AliasOutput]
    var nextMarker: String?
}

struct ProvisionedConcurrencyInput: Decodable {
    var provisionedConcurrentExecutions: Int?
}

struct ProvisionedConcurrencyOutput: Encodable {
    var functionArn: String?
    var requestedProvisionedConcurrentExecutions: Int
    var availableProvisionedConcurrentExecutions: Int
    var allocatedProvisionedConcurrentExecutions: Int
    var status: String
    var lastModified: String
}

struct ListProvisionedConcurrencyOutput: Encodable {
    var provisionedConcurrencyConfigs: [ProvisionedConcurrencyOutput]
}
