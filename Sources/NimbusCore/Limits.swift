/// Lambda's quotas, as AWS applies them to the control and invoke APIs.
public enum Limits {
    public static let memorySize: ClosedRange<Int> = 128...10240
    public static let timeout: ClosedRange<Int> = 1...900
    public static let ephemeralStorage: ClosedRange<Int> = 512...10240
    public static let defaultMemorySize = 128
    public static let defaultTimeout = 3
    public static let defaultEphemeralStorage = 512
    /// Zipped deployment package uploaded directly (50 MB).
    public static let zippedCodeSize = 52_428_800
    /// Unzipped deployment package (250 MB).
    public static let unzippedCodeSize = 262_144_000
    /// Largest CreateFunction/UpdateFunctionCode request body AWS accepts.
    public static let codeRequestBody = 70_167_211
    /// Synchronous invocation request and response payloads (6 MB).
    public static let syncPayload = 6_291_456
    /// The size the Runtime API accepts for a response before answering 413.
    public static let runtimeResponse = 6_291_556
    /// Asynchronous invocation payload (1 MB).
    public static let asyncPayload = 1_048_576
    /// All environment variables, measured as AWS does, as their JSON (4 KB).
    public static let environmentSize = 4096
    public static let descriptionLength = 256
    public static let handlerLength = 128
    public static let functionNameLength = 64
    public static let functionIdentifierLength = 140
    /// Total code storage (75 GB), reported by GetAccountSettings.
    public static let totalCodeSize: Int64 = 80_530_636_800
    public static let concurrentExecutions = 1000
    public static let unreservedConcurrentExecutionsMinimum = 100
    /// Memory budgeted per environment when the machine caps the account's concurrency:
    /// an idle sandboxed Python environment takes ~7 MiB (BENCHMARKS.md).
    public static let memoryPerEnvironment: UInt64 = 16 << 20

    /// The account's concurrency limit when none is configured: AWS's 1000, or fewer
    /// when the machine's memory (`MemTotal`) cannot hold that many environments.
    public static func defaultConcurrentExecutions(memoryBytes: UInt64?) -> Int {
        guard let memoryBytes else { return concurrentExecutions }
        return min(concurrentExecutions, max(1, Int(memoryBytes / memoryPerEnvironment)))
    }
    /// Layers one function may reference.
    public static let layersPerFunction = 5
    /// MaxItems of ListLayers and ListLayerVersions (and their page size).
    public static let layerListItems: ClosedRange<Int> = 1...50
    /// CompatibleRuntimes of a layer version.
    public static let layerCompatibleRuntimes = 15
    public static let layerLicenseInfoLength = 512
    public static let layerNameLength = 140
    /// How long a log tail returned by `X-Amz-Log-Result` can be.
    public static let logTailBytes = 4096
}
