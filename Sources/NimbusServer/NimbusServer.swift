import Foundation
import Hummingbird
import Logging
import NimbusAuth
import NimbusConsole
import NimbusControlAPI
import NimbusCore
import NimbusInvoke
import NimbusLogs
import NimbusQueues
import NimbusStreams
import NimbusRuntimeAPI
import NimbusSandbox
import NimbusSchedules
import NimbusStore
import ServiceLifecycle

/// The composition root: builds every component and runs them as one service group.
public enum NimbusServer {
    /// Builds the server; `run` it with `runService()`.
    public static func build(_ configuration: ServerConfiguration, logger: Logger) throws -> some ApplicationProtocol {
        try FileManager.default.createDirectory(at: configuration.dataDirectory, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: configuration.runtimeDirectory, withIntermediateDirectories: true)

        let isolation = try resolveIsolation(configuration, logger: logger)
        let database = try NimbusDatabase(path: configuration.databasePath)
        let codeStore = try CodeStore(root: configuration.codeDirectory, database: database)
        collectUnusedCode(codeStore, logger: logger)
        let registry = try FunctionRegistry(store: SQLiteFunctionStore(database: database))
        let sink = LogSink(store: LogStore(database: database), logger: logger)
        let metrics = ServerMetrics()
        let spans = try configuration.otlpEndpoint.map { try SpanExport.make(endpoint: $0, logger: logger) }
        let invoker = Invoker(
            registry: registry,
            codeStore: codeStore,
            account: configuration.account,
            runtimeAPI: RuntimeAPIServer(),
            sink: sink,
            launcher: try RuntimeLauncher.install(runtimeDirectory: configuration.runtimeDirectory),
            isolation: isolation,
            sandboxDirectory: configuration.sandboxDirectory.path,
            defaultNetwork: configuration.defaultNetwork,
            freezeIdle: configuration.freezeIdle,
            prewarm: configuration.prewarm,
            concurrencyLimit: configuration.concurrentExecutions,
            metrics: metrics.invocations,
            tracer: spans?.0,
            logger: logger
        )
        let queues = QueueService(account: configuration.account, database: database)
        let asyncInvoker = AsyncInvoker(
            invoker: invoker, database: database, policy: AsyncRetryPolicy(scale: configuration.asyncDelayScale),
            queues: QueueServiceSender(queues: queues), logger: logger
        )
        metrics.watch(asyncInvoker)
        let layers = LayerService(
            account: configuration.account, store: SQLiteLayerStore(database: database), codeStore: codeStore, logger: logger
        )
        let resources = SQLiteFunctionResourceStore(database: database)
        let tags = TagService(account: configuration.account, registry: registry, store: resources, logger: logger)
        let policies = PolicyService(
            account: configuration.account, registry: registry, store: resources,
            qualifierExists: { name, qualifier in
                if case .function = registry.resolve(name, qualifier: qualifier) { return true }
                return false
            },
            logger: logger
        )
        let functions = FunctionService(
            account: configuration.account, registry: registry, codeStore: codeStore, layers: layers,
            invoker: invoker, asyncInvoker: asyncInvoker, logger: logger, tags: tags
        )
        let owner = Identity(
            accessKeyId: configuration.accessKeyId, secretAccessKey: configuration.secretAccessKey,
            accountId: configuration.account.id, arn: "arn:\(configuration.account.partition):iam::\(configuration.account.id):root"
        )
        let identities = IdentityDirectory([owner] + configuration.identities, ownerAccountId: configuration.account.id)
        let verifier = SigV4Verifier(credentials: identities.credentials, service: "lambda", region: configuration.account.region)
        let access = ResourceAccess(account: configuration.account, identities: identities, tags: tags, policies: policies)
        let releases = ReleaseService(account: configuration.account, registry: registry, invoker: invoker)
        let urls = FunctionURLService(
            account: configuration.account, store: FunctionURLStore(database: database), registry: registry, invoker: invoker,
            verifier: verifier,
            aliasExists: { name, alias in
                if case .function = registry.resolve(name, qualifier: alias) { return AliasRules.isAliasName(alias) }
                return false
            },
            logger: logger
        )
        // Queues belong to the server's account and have no queue policies yet: only its own key signs for `sqs`.
        let queueVerifier = SigV4Verifier(
            credentials: [SigV4Credentials(accessKeyId: configuration.accessKeyId, secretAccessKey: configuration.secretAccessKey)],
            service: "sqs",
            region: configuration.account.region
        )
        // Rules, like queues, belong to the server's account: only its own key signs for `events`.
        let eventsVerifier = SigV4Verifier(
            credentials: [SigV4Credentials(accessKeyId: configuration.accessKeyId, secretAccessKey: configuration.secretAccessKey)],
            service: "events",
            region: configuration.account.region
        )
        // Logs, like rules, belong to the server's account: only its own key signs for `logs`.
        let logsVerifier = SigV4Verifier(
            credentials: [SigV4Credentials(accessKeyId: configuration.accessKeyId, secretAccessKey: configuration.secretAccessKey)],
            service: "logs",
            region: configuration.account.region
        )
        let logs = LogsService(account: configuration.account, database: database)
        let events = EventsService(account: configuration.account, database: database)
        // Streams, like queues, belong to the server's account: only its own key signs for `kinesis`.
        let streamsVerifier = SigV4Verifier(
            credentials: [SigV4Credentials(accessKeyId: configuration.accessKeyId, secretAccessKey: configuration.secretAccessKey)],
            service: "kinesis",
            region: configuration.account.region
        )
        let streams = StreamService(account: configuration.account, database: database)
        let scheduler = Scheduler(service: events, invoker: AsyncScheduledInvoker(asyncInvoker: asyncInvoker), logger: logger)
        let poller = EventSourcePoller(
            store: EventSourceMappingStore(database: database), queues: queues, streams: streams, invoker: invoker,
            registry: registry, account: configuration.account, logger: logger
        )
        metrics.watch(EventSourceLagCollector(store: EventSourceMappingStore(database: database), queues: queues, streams: streams))
        let mappings = EventSourceMappingService(
            account: configuration.account, registry: registry, queues: queues, streams: streams,
            store: EventSourceMappingStore(database: database), changed: { poller.refresh() }
        )
        let responder = ControlAPIResponder(
            functions: functions, layers: layers, releases: releases, verifier: verifier, logger: logger, access: access, urls: urls,
            queues: QueueEndpoint(api: QueueAPI(service: queues), verifier: queueVerifier), mappings: mappings,
            events: EventsEndpoint(api: EventsAPI(service: events), verifier: eventsVerifier),
            streams: StreamsEndpoint(api: StreamsAPI(service: streams), verifier: streamsVerifier),
            logs: LogsEndpoint(api: LogsAPI(service: logs), verifier: logsVerifier),
            metrics: metrics.endpoint(functionExists: { registry.get($0) != nil })
        )
        // The web console (/console/), logged into with the server's own credentials.
        let console = Console(
            operations: LambdaOperations(functions: functions, releases: releases),
            sessions: ConsoleSessions(accessKeyId: configuration.accessKeyId, secretAccessKey: configuration.secretAccessKey),
            testEvents: ConsoleTestEventStore(database: database), logs: LogStore(database: database),
            metrics: metrics.invocations
        )
        let account = configuration.account
        return Application(
            responder: ConsoleRouter(console: console, next: responder),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Nimbus"),
            // Shut down in reverse: the span exporter last, so it flushes every span.
            services: (spans.map { [$0.1] } ?? []) + [
                sink, asyncInvoker, scheduler, KeepAliveService(invoker: invoker, keepAlive: configuration.keepAlive, logger: logger),
                EventSourcePollerService(poller: poller), RetentionSweeper(service: logs, logger: logger),
            ] as [any Service],
            onServerRunning: { channel in
                invoker.startPrewarming()
                let address = channel.localAddress.map { "\($0.ipAddress ?? configuration.host):\($0.port ?? configuration.port)" } ?? ""
                logger.notice("Nimbus is serving the Lambda API on http://\(address) (account \(account.id), region \(account.region), isolation \(isolation.mode.rawValue)\(isolation.cgroups.map { ", cgroup \($0.version.rawValue)" } ?? ""))")
            },
            logger: logger
        )
    }

    /// Removes code packages and `/opt` folders nothing refers to any more (replaced or
    /// deleted code, `nimbus dev` edits, deleted layers): at start, before anything runs.
    static func collectUnusedCode(_ codeStore: CodeStore, logger: Logger) {
        do {
            let collected = try codeStore.collectGarbage()
            if collected.packages > 0 || collected.layerFolders > 0 {
                let megabytes = String(format: "%.1f", Double(collected.zipBytes) / 1_048_576)
                logger.notice("removed \(collected.packages) unused code packages (\(megabytes) MB of zips) and \(collected.layerFolders) unused /opt folders")
            }
        } catch {
            logger.warning("could not remove unused code packages: \(error)")
        }
    }

    /// Chooses the isolation, says once why the sandbox is not used when it is not, and
    /// prepares what the sandbox mounts: nimbus-init and the user's passwd and group files.
    static func resolveIsolation(_ configuration: ServerConfiguration, logger: Logger) throws -> Isolation {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let initProgram = executable.deletingLastPathComponent().appendingPathComponent("nimbus-init").path
        switch Isolation.resolve(requested: configuration.isolation, initProgram: initProgram, bubblewrapPath: configuration.bubblewrapPath) {
        case .failure(let error):
            throw error
        case .success(let (isolation, warning)):
            if let warning { logger.warning("\(warning)") }
            let fileManager = FileManager.default
            let sandbox = configuration.sandboxDirectory
            try fileManager.createDirectory(at: sandbox, withIntermediateDirectories: true)
            try Bubblewrap.passwd.write(to: sandbox.appendingPathComponent("passwd"), atomically: true, encoding: .utf8)
            try Bubblewrap.group.write(to: sandbox.appendingPathComponent("group"), atomically: true, encoding: .utf8)
            if isolation.bubblewrap != nil {
                let target = configuration.runtimeDirectory.appendingPathComponent("init")
                try? fileManager.removeItem(at: target)
                try fileManager.copyItem(atPath: initProgram, toPath: target.path)
            }
            if configuration.freezeIdle { isolation.cgroups?.holdFreezerActive() }
            if let cgroups = isolation.cgroups, fileManager.isExecutableFile(atPath: initProgram) {
                // Outlives this process: cleans up frozen environments even after kill -9.
                let guardProcess = Process()
                guardProcess.executableURL = URL(fileURLWithPath: initProgram)
                guardProcess.arguments = ["--guard", String(getpid())] + cgroups.parentDirectories
                guardProcess.standardInput = FileHandle.nullDevice
                guardProcess.standardOutput = FileHandle.nullDevice
                guardProcess.standardError = FileHandle.nullDevice
                do {
                    try guardProcess.run()
                } catch {
                    logger.warning("could not start the cgroup guard (\(error)); after a kill -9, frozen environments stay until the next start")
                }
            }
            return isolation
        }
    }
}
