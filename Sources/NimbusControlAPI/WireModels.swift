import Foundation
import NimbusCore

// Request and response bodies of the Lambda REST API. Swift names are the camelCase of
// AWS's PascalCase field names; ``LambdaJSON`` converts between the two, so every wire
// name is exactly the Swift name with its first letter capitalised.

struct CreateFunctionInput: Decodable {
    var functionName: String?
    var runtime: String?
    var role: String?
    var handler: String?
    var code: FunctionCodeInput?
    var description: String?
    var timeout: Int?
    var memorySize: Int?
    var publish: Bool?
    var environment: EnvironmentInput?
    var packageType: String?
    var architectures: [String]?
    var ephemeralStorage: EphemeralStorageWire?
    var layers: [String]?
    var deadLetterConfig: DeadLetterConfigWire?
    var tags: [String: String]?
}

struct DeadLetterConfigWire: Codable {
    var targetArn: String?
}

struct FunctionCodeInput: Decodable {
    var zipFile: String?
    var s3Bucket: String?
    var s3Key: String?
    var imageUri: String?
}

struct UpdateFunctionCodeInput: Decodable {
    var zipFile: String?
    var s3Bucket: String?
    var s3Key: String?
    var imageUri: String?
    var publish: Bool?
    var dryRun: Bool?
    var revisionId: String?
    var architectures: [String]?
}

struct UpdateFunctionConfigurationInput: Decodable {
    var role: String?
    var handler: String?
    var description: String?
    var timeout: Int?
    var memorySize: Int?
    var environment: EnvironmentInput?
    var runtime: String?
    var revisionId: String?
    var ephemeralStorage: EphemeralStorageWire?
    var layers: [String]?
    var deadLetterConfig: DeadLetterConfigWire?
}

struct EnvironmentInput: Decodable {
    var variables: [String: String]?
}

struct EphemeralStorageWire: Codable {
    var size: Int?
}

struct FunctionConfigurationOutput: Encodable {
    struct Environment: Encodable { var variables: [String: String] }
    struct TracingConfig: Encodable { var mode: String }
    struct EphemeralStorage: Encodable { var size: Int }
    struct SnapStart: Encodable { var applyOn = "None"; var optimizationStatus = "Off" }
    struct RuntimeVersionConfig: Encodable { var runtimeVersionArn: String }
    struct LoggingConfig: Encodable { var logFormat: String; var logGroup: String }
    struct Layer: Encodable { var arn: String; var codeSize: Int64 }

    var functionName: String
    var functionArn: String
    var runtime: String
    var role: String
    var handler: String
    var codeSize: Int64
    var description: String
    var timeout: Int
    var memorySize: Int
    var lastModified: String
    var codeSha256: String
    var version: String
    var environment: Environment
    var tracingConfig: TracingConfig
    var revisionId: String
    var state: String?
    var stateReason: String?
    var stateReasonCode: String?
    var lastUpdateStatus: String?
    var lastUpdateStatusReason: String?
    var lastUpdateStatusReasonCode: String?
    var packageType: String
    var architectures: [String]
    var ephemeralStorage: EphemeralStorage
    var snapStart: SnapStart
    var runtimeVersionConfig: RuntimeVersionConfig?
    var loggingConfig: LoggingConfig
    /// Omitted when the function has no layers, as AWS does.
    var layers: [Layer]?
    var deadLetterConfig: DeadLetterConfigWire?

    /// Which moment of the lifecycle the response describes. AWS reports a function as
    /// `Pending` in CreateFunction's answer and an update as `InProgress` in the update's
    /// answer; reads show the settled state. Nimbus is ready by the time it answers, so
    /// only the answers to writes differ.
    /// ListFunctions entries (`listed`) carry neither state nor runtime version, as in AWS.
    enum Moment { case created, updated, settled, listed }

    /// - Parameter arnQualifier: the qualifier to put in `FunctionArn`: by default none for
    ///   `$LATEST` and the version number for a version; an alias when read through one.
    init(_ f: FunctionConfiguration, account: Account, codeSHA256Base64: String, moment: Moment, arnQualifier: String? = nil) {
        functionName = f.name
        if let qualifier = arnQualifier ?? (f.isLatest ? nil : f.version) {
            functionArn = account.functionArn(f.name, qualifier: qualifier)
        } else {
            functionArn = account.functionArn(f.name)
        }
        runtime = f.runtime.rawValue
        role = f.role
        handler = f.handler
        codeSize = f.codeSize
        description = f.description
        timeout = f.timeout
        memorySize = f.memorySize
        lastModified = AWSDate.lastModified(f.lastModified)
        codeSha256 = codeSHA256Base64
        version = f.version
        deadLetterConfig = f.deadLetterTargetArn.map { DeadLetterConfigWire(targetArn: $0) }
        environment = Environment(variables: f.environment)
        tracingConfig = TracingConfig(mode: f.tracingMode)
        revisionId = f.revisionId
        packageType = f.packageType
        architectures = f.architectures
        ephemeralStorage = EphemeralStorage(size: f.ephemeralStorageSize)
        snapStart = SnapStart()
        runtimeVersionConfig = RuntimeVersionConfig(runtimeVersionArn: Self.runtimeVersionArn(f.runtime, account: account))
        loggingConfig = LoggingConfig(logFormat: f.logFormat, logGroup: f.logGroup)
        layers = f.layers.isEmpty ? nil : f.layers.map { Layer(arn: $0.arn, codeSize: $0.codeSize) }
        switch moment {
        case .created:
            state = "Pending"
            stateReason = "The function is being created."
            stateReasonCode = "Creating"
        case .updated:
            state = "Active"
            lastUpdateStatus = "InProgress"
            lastUpdateStatusReason = "The function is being created."
            lastUpdateStatusReasonCode = "Creating"
        case .settled:
            state = "Active"
            lastUpdateStatus = "Successful"
        case .listed:
            runtimeVersionConfig = nil
        }
    }

    /// A stable runtime version ARN per runtime name, shaped like AWS's.
    static func runtimeVersionArn(_ runtime: Runtime, account: Account) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in runtime.rawValue.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        let hex = String(repeating: String(hash, radix: 16), count: 4)
        return "arn:\(account.partition):lambda:\(account.region)::runtime:\(String(hex.prefix(64)))"
    }
}

struct GetFunctionOutput: Encodable {
    struct Code: Encodable { var repositoryType = "S3"; var location: String }
    var configuration: FunctionConfigurationOutput
    var code: Code
    var concurrency: ConcurrencyWire?
    /// Present only when the function has tags, as AWS.
    var tags: [String: String]? = nil
}

/// PutFunctionConcurrency's body and answer, GetFunctionConcurrency's answer.
struct ConcurrencyWire: Codable {
    var reservedConcurrentExecutions: Int?
}

struct ListFunctionsOutput: Encodable {
    var functions: [FunctionConfigurationOutput]
    var nextMarker: String?
}

struct AccountSettingsOutput: Encodable {
    struct AccountLimit: Encodable {
        var totalCodeSize: Int64
        var codeSizeUnzipped: Int
        var codeSizeZipped: Int
        var concurrentExecutions: Int
        var unreservedConcurrentExecutions: Int
    }
    struct AccountUsage: Encodable {
        var totalCodeSize: Int64
        var functionCount: Int
    }
    var accountLimit: AccountLimit
    var accountUsage: AccountUsage
}

/// JSON coding with AWS's PascalCase names.
enum LambdaJSON {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .custom { path in
            PascalKey(path.last.map { $0.stringValue.prefix(1).uppercased() + $0.stringValue.dropFirst() } ?? "")
        }
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .custom { path in
            PascalKey(path.last.map { $0.stringValue.prefix(1).lowercased() + $0.stringValue.dropFirst() } ?? "")
        }
        return decoder
    }()

    struct PascalKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

/// `GET /_nimbus/stats`.
struct StatsOutput: Encodable {
    var processesSpawned: Int
    var environmentsIdle: Int
    var environmentsBusy: Int
}
