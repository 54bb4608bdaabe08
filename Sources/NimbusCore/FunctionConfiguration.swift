import Foundation

/// A function's configuration: `$LATEST` or a published version, everything
/// GetFunctionConfiguration reports.
///
/// Code is referenced by its SHA-256 (hex), which is also its address in the code store.
public struct FunctionConfiguration: Sendable, Equatable {
    public var name: String
    /// `$LATEST`, or the number of a published (immutable) version.
    public var version: String
    public var runtime: Runtime
    public var role: String
    public var handler: String
    public var description: String
    public var timeout: Int
    public var memorySize: Int
    public var ephemeralStorageSize: Int
    public var environment: [String: String]
    public var architectures: [String]
    public var codeSHA256Hex: String
    public var codeSize: Int64
    public var revisionId: String
    public var lastModified: Date
    public var packageType: String
    public var logFormat: String
    public var logGroup: String
    public var tracingMode: String
    /// The layer versions the function uses, in order (later layers win at `/opt`).
    /// Each carries its code SHA-256 (hex), the address the invoker passes to
    /// `CodeStore.mergedLayerDirectory(for:)`. Part of the configuration, so changing
    /// the layers retires running environments like any other update.
    public var layers: [FunctionLayer]
    /// `DeadLetterConfig.TargetArn`: where Event invocations go when they finally fail.
    public var deadLetterTargetArn: String?

    public static let latest = "$LATEST"

    public var isLatest: Bool { version == Self.latest }

    public init(
        name: String,
        version: String = FunctionConfiguration.latest,
        runtime: Runtime,
        role: String,
        handler: String,
        description: String = "",
        timeout: Int = Limits.defaultTimeout,
        memorySize: Int = Limits.defaultMemorySize,
        ephemeralStorageSize: Int = Limits.defaultEphemeralStorage,
        environment: [String: String] = [:],
        architectures: [String] = ["x86_64"],
        codeSHA256Hex: String,
        codeSize: Int64,
        revisionId: String = UUID().uuidString.lowercased(),
        lastModified: Date = Date(),
        packageType: String = "Zip",
        logFormat: String = "Text",
        logGroup: String? = nil,
        tracingMode: String = "PassThrough",
        layers: [FunctionLayer] = [],
        deadLetterTargetArn: String? = nil
    ) {
        self.name = name
        self.version = version
        self.deadLetterTargetArn = deadLetterTargetArn
        self.runtime = runtime
        self.role = role
        self.handler = handler
        self.description = description
        self.timeout = timeout
        self.memorySize = memorySize
        self.ephemeralStorageSize = ephemeralStorageSize
        self.environment = environment
        self.architectures = architectures
        self.codeSHA256Hex = codeSHA256Hex
        self.codeSize = codeSize
        self.revisionId = revisionId
        self.lastModified = Self.milliseconds(lastModified)
        self.packageType = packageType
        self.logFormat = logFormat
        self.logGroup = logGroup ?? "/aws/lambda/\(name)"
        self.tracingMode = tracingMode
        self.layers = layers
    }

    /// The code SHA-256 (hex) of each layer, in order: the argument of
    /// `CodeStore.mergedLayerDirectory(for:)`.
    public var layerSHA256Hexes: [String] { layers.map(\.codeSHA256Hex) }

    /// The code's SHA-256 in base64, as the API reports `CodeSha256`.
    public var codeSHA256Base64: String { CodeDigest.base64(hex: codeSHA256Hex) }

    /// Marks a change: a new RevisionId and LastModified, as every AWS update does.
    public mutating func touch(now: Date = Date()) {
        revisionId = UUID().uuidString.lowercased()
        lastModified = Self.milliseconds(now)
    }

    /// Dates are kept to the millisecond, the precision of `LastModified` and of the store.
    public static func milliseconds(_ date: Date) -> Date {
        Date(timeIntervalSince1970: Double(unixMilliseconds(date)) / 1000)
    }

    public static func unixMilliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }
}

/// A partial update, as UpdateFunctionConfiguration carries it: nil means unchanged.
public struct FunctionConfigurationUpdate: Sendable, Equatable {
    public var runtime: Runtime?
    public var role: String?
    public var handler: String?
    public var description: String?
    public var timeout: Int?
    public var memorySize: Int?
    public var ephemeralStorageSize: Int?
    public var environment: [String: String]?
    public var revisionId: String?
    /// The new layer list, resolved; an empty list removes every layer.
    public var layers: [FunctionLayer]?
    /// The new dead-letter target; an empty string removes it.
    public var deadLetterTargetArn: String?

    public init(
        runtime: Runtime? = nil, role: String? = nil, handler: String? = nil, description: String? = nil,
        timeout: Int? = nil, memorySize: Int? = nil, ephemeralStorageSize: Int? = nil,
        environment: [String: String]? = nil, revisionId: String? = nil, layers: [FunctionLayer]? = nil,
        deadLetterTargetArn: String? = nil
    ) {
        self.deadLetterTargetArn = deadLetterTargetArn
        self.runtime = runtime
        self.role = role
        self.handler = handler
        self.description = description
        self.timeout = timeout
        self.memorySize = memorySize
        self.ephemeralStorageSize = ephemeralStorageSize
        self.environment = environment
        self.revisionId = revisionId
        self.layers = layers
    }

    /// Applies the non-nil fields to a configuration.
    public func apply(to configuration: inout FunctionConfiguration) {
        if let runtime { configuration.runtime = runtime }
        if let role { configuration.role = role }
        if let handler { configuration.handler = handler }
        if let description { configuration.description = description }
        if let timeout { configuration.timeout = timeout }
        if let memorySize { configuration.memorySize = memorySize }
        if let ephemeralStorageSize { configuration.ephemeralStorageSize = ephemeralStorageSize }
        if let environment { configuration.environment = environment }
        if let layers { configuration.layers = layers }
        if let deadLetterTargetArn { configuration.deadLetterTargetArn = deadLetterTargetArn.isEmpty ? nil : deadLetterTargetArn }
    }
}

/// Code digests as the API shows them.
public enum CodeDigest {
    /// A hex SHA-256 (the code store's address) in base64 (`CodeSha256`).
    public static func base64(hex: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hex.utf8.count / 2)
        var index = hex.startIndex
        while index < hex.endIndex, let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex) {
            bytes.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        return Data(bytes).base64EncodedString()
    }
}
