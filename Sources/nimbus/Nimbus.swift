import ArgumentParser
import Foundation
import Logging
import NimbusAuth
import NimbusCore
import NimbusSandbox
import NimbusServer
import NimbusStore

@main
struct Nimbus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nimbus",
        abstract: "A self-hosted, AWS Lambda-compatible serverless platform.",
        subcommands: [Serve.self, Deploy.self, Invoke.self, List.self, Delete.self, Logs.self, Dev.self, BenchEcho.self]
    )
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the Lambda API server.")

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 9000
    @Option(name: .customLong("data-dir"), help: "Where functions, code and logs are kept.") var dataDir = ".nimbus"
    @Option(name: .customLong("account-id"), help: "Account id in ARNs (env NIMBUS_ACCOUNT_ID).") var accountId: String?
    @Option(help: "Region in ARNs and the runtime environment (env NIMBUS_REGION).") var region: String?
    @Option(name: .customLong("keep-alive-seconds"), help: "Seconds an idle environment stays warm.") var keepAliveSeconds: Double = 600
    @Option(name: .customLong("concurrent-executions"), help: "Invocations that may run at once (default: AWS's 1000, fewer if memory cannot hold them).") var concurrentExecutions: Int?
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error.") var logLevel = "notice"
    @Option(help: "sandbox (bubblewrap + cgroups, the default where it works) or process.") var isolation: Isolation.Mode?
    @Option(help: "Pre-initialized Python sandboxes to keep ready (cold starts specialize one).") var prewarm = 0
    @Flag(name: .customLong("no-freeze"), help: "Do not freeze idle environments (for attaching a debugger).") var noFreeze = false
    @Option(help: "Network of functions that do not set NIMBUS_NETWORK_MODE: host or isolated.") var network: NetworkMode = .host
    @Option(name: .customLong("async-delay-scale"), help: "Multiplies async retry delays and maximum event age (tests: 0.01).") var asyncDelayScale = 1.0
    @Option(name: .customLong("otlp-endpoint"), help: "Export invocation spans to this OTLP/HTTP collector (e.g. http://127.0.0.1:4318); off by default.") var otlpEndpoint: String?
    @Option(help: "JSON list of extra identities: [{\"accessKeyId\",\"secretAccessKey\",\"accountId\",\"arn\"}].") var identities: String?

    /// `MemTotal` from /proc/meminfo, in bytes.
    static func memoryTotal() -> UInt64? {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("MemTotal:") {
            return line.split(separator: " ").dropFirst().first.flatMap { UInt64($0) }.map { $0 * 1024 }
        }
        return nil
    }

    func run() async throws {
        raiseOpenFileLimit()
        let env = ProcessInfo.processInfo.environment
        var logger = Logger(label: "nimbus")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .notice
        let account = Account(
            id: accountId ?? env["NIMBUS_ACCOUNT_ID"] ?? "000000000000",
            region: region ?? env["NIMBUS_REGION"] ?? "us-east-1"
        )
        var configuration = ServerConfiguration(
            host: host,
            port: port,
            dataDirectory: URL(fileURLWithPath: dataDir),
            account: account,
            accessKeyId: env["NIMBUS_ACCESS_KEY_ID"] ?? ServerConfiguration.defaultAccessKeyId,
            secretAccessKey: env["NIMBUS_SECRET_ACCESS_KEY"] ?? ServerConfiguration.defaultSecretAccessKey,
            keepAlive: .milliseconds(Int64(keepAliveSeconds * 1000)),
            concurrentExecutions: max(1, concurrentExecutions ?? Limits.defaultConcurrentExecutions(memoryBytes: Self.memoryTotal())),
            isolation: isolation,
            defaultNetwork: network
        )
        configuration.freezeIdle = !noFreeze
        configuration.prewarm = max(0, prewarm)
        guard asyncDelayScale > 0, asyncDelayScale.isFinite else { throw ValidationError("--async-delay-scale must be a positive number") }
        configuration.asyncDelayScale = asyncDelayScale
        configuration.otlpEndpoint = otlpEndpoint
        if let bubblewrap = env["NIMBUS_BWRAP"] { configuration.bubblewrapPath = bubblewrap }
        if let identities {
            do {
                configuration.identities = try Identity.load(contentsOf: URL(fileURLWithPath: identities))
            } catch {
                throw ValidationError("--identities: \(error.description)")
            }
        }
        let app = try NimbusServer.build(configuration, logger: logger)
        try await app.runService()
    }
}

struct Logs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a function's logs.")

    @Argument(help: "The function's name.") var name: String
    @Option(name: .customLong("data-dir"), help: "The server's data directory.") var dataDir = ".nimbus"
    @Flag(help: "Keep printing new lines as they arrive.") var follow = false

    func run() async throws {
        let configuration = ServerConfiguration(dataDirectory: URL(fileURLWithPath: dataDir))
        let store = LogStore(database: try NimbusDatabase(path: configuration.databasePath))
        let group = "/aws/lambda/\(name)"
        var last: Int64 = 0
        repeat {
            let events = try store.events(logGroup: group, afterId: last)
            var text = ""
            for event in events {
                text += event.message + "\n"
                last = event.id
            }
            if !text.isEmpty { FileHandle.standardOutput.write(Data(text.utf8)) }
            if follow { try await Task.sleep(for: .milliseconds(250)) }
        } while follow
    }
}

extension Isolation.Mode: ExpressibleByArgument {}
extension NetworkMode: ExpressibleByArgument {}

/// The benchmark floor (benchmarks/run): an HTTP echo on Nimbus's own HTTP stack.
struct BenchEcho: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-echo", abstract: "Serve an HTTP echo on Nimbus's HTTP stack (the benchmarks' floor).",
        shouldDisplay: false
    )

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 9099

    func run() async throws {
        var logger = Logger(label: "nimbus-echo")
        logger.logLevel = .warning
        try await EchoServer.build(host: host, port: port, logger: logger).runService()
    }
}

/// Each warm environment holds a few descriptors (its Runtime API socket and connection,
/// output pipe, pidfd); the common default soft limit of 1024 would cap a server at a
/// couple of hundred environments, so raise it to the hard limit.
func raiseOpenFileLimit() {
    var limit = rlimit()
    guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
    limit.rlim_cur = limit.rlim_max
    _ = setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
}
