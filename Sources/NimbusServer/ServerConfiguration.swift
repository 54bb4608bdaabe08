import Foundation
import NimbusAuth
import NimbusCore
import NimbusSandbox

/// Everything `nimbus serve` needs; every field has an embedded default.
public struct ServerConfiguration: Sendable {
    /// The documented local credential pair, used when none is configured.
    public static let defaultAccessKeyId = "nimbus"
    public static let defaultSecretAccessKey = "nimbus"

    public var host: String
    public var port: Int
    public var dataDirectory: URL
    public var account: Account
    public var accessKeyId: String
    public var secretAccessKey: String
    /// How long an idle environment is kept warm before it is stopped (scale to zero).
    public var keepAlive: Duration
    /// How many invocations may run at once across all functions (AWS's account default: 1000).
    public var concurrentExecutions: Int
    /// `sandbox`, `process`, or nil to use the sandbox wherever it works.
    public var isolation: Isolation.Mode?
    /// The network of functions that do not set NIMBUS_NETWORK_MODE.
    public var defaultNetwork: NetworkMode
    /// Freeze idle environments with the cgroup freezer (Lambda does). Off is for
    /// debugging a runtime with a tracer attached.
    public var freezeIdle = true
    /// Pre-initialized sandboxes kept ready per runtime family (0: none).
    public var prewarm = 0
    /// Identities besides the server's own key pair (`--identities FILE`); those of other
    /// accounts may only call what functions' resource-based policies grant them.
    public var identities: [Identity] = []
    /// Multiplies every delay of asynchronous invocation (retries, backoff, maximum event
    /// age): 1 is AWS's schedule; tests use e.g. 0.01 so "1 minute" is 0.6 s.
    public var asyncDelayScale = 1.0
    /// An OTLP/HTTP collector's base URL (`--otlp-endpoint`): invocation spans are
    /// exported to `<URL>/v1/traces`. nil: no spans (the default).
    public var otlpEndpoint: String?
    /// The bubblewrap executable.
    public var bubblewrapPath = "/usr/bin/bwrap"

    public init(
        host: String = "127.0.0.1",
        port: Int = 9000,
        dataDirectory: URL = URL(fileURLWithPath: ".nimbus"),
        account: Account = Account(),
        accessKeyId: String = ServerConfiguration.defaultAccessKeyId,
        secretAccessKey: String = ServerConfiguration.defaultSecretAccessKey,
        keepAlive: Duration = .seconds(600),
        concurrentExecutions: Int = Limits.concurrentExecutions,
        isolation: Isolation.Mode? = nil,
        defaultNetwork: NetworkMode = .host
    ) {
        self.isolation = isolation
        self.defaultNetwork = defaultNetwork
        self.concurrentExecutions = concurrentExecutions
        self.host = host
        self.port = port
        self.dataDirectory = dataDirectory
        self.account = account
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.keepAlive = keepAlive
    }

    public var databasePath: String { dataDirectory.appendingPathComponent("nimbus.sqlite").path }
    public var codeDirectory: URL { dataDirectory.appendingPathComponent("code", isDirectory: true) }
    public var runtimeDirectory: URL { dataDirectory.appendingPathComponent("runtime", isDirectory: true) }
    /// Per-environment sockets, and the sandbox's `/etc/passwd` and `/etc/group`.
    public var sandboxDirectory: URL { dataDirectory.appendingPathComponent("sandbox", isDirectory: true) }
}
