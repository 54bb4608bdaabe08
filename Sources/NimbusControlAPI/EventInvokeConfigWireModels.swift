import Foundation
import NimbusCore

// Bodies of the event invoke config operations (botocore: PutFunctionEventInvokeConfig,
// UpdateFunctionEventInvokeConfig, FunctionEventInvokeConfig, ListFunctionEventInvokeConfigs).

struct EventInvokeConfigInput: Decodable {
    var maximumRetryAttempts: Int?
    var maximumEventAgeInSeconds: Int?
    var destinationConfig: DestinationConfigWire?
}

struct DestinationConfigWire: Codable {
    var onSuccess: DestinationWire?
    var onFailure: DestinationWire?
}

struct DestinationWire: Codable {
    var destination: String?
}

struct FunctionEventInvokeConfigOutput: Encodable {
    /// Epoch seconds, as AWS sends this `Date` (not the `LastModified` string of functions).
    var lastModified: Double
    var functionArn: String
    var maximumRetryAttempts: Int?
    var maximumEventAgeInSeconds: Int?
    var destinationConfig: DestinationConfigWire

    init(_ config: EventInvokeConfig, account: Account) {
        lastModified = (config.lastModified.timeIntervalSince1970 * 1000).rounded() / 1000
        functionArn = account.functionArn(config.functionName, qualifier: config.qualifier)
        maximumRetryAttempts = config.maximumRetryAttempts
        maximumEventAgeInSeconds = config.maximumEventAgeInSeconds
        // AWS always answers both sides, `{}` when unset.
        destinationConfig = DestinationConfigWire(
            onSuccess: DestinationWire(destination: config.onSuccess),
            onFailure: DestinationWire(destination: config.onFailure)
        )
    }
}

struct ListFunctionEventInvokeConfigsOutput: Encodable {
    var functionEventInvokeConfigs: [FunctionEventInvokeConfigOutput]
    var nextMarker: String?
}
