import Foundation
import Hummingbird
import Logging
import NimbusAuth
import NimbusControlAPI
import NimbusCore
import NimbusInvoke
import NimbusRuntimeAPI
import NimbusStore
import ServiceLifecycle

/// The composition root: builds every component and runs them as one service group.
public enum NimbusServer {
    /// Builds the server; `run` it with `runService()`.
    public static func build(_ configuration: ServerConfiguration, logger: Logger) throws -> some ApplicationProtocol {
        try FileManager.default.createDirectory(at: configuration.dataDirectory, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: configuration.runtimeDirectory, withIntermediateDirectories: true)

        let database = try NimbusDatabase(path: configuration.databasePath)
        let codeStore = try CodeStore(root: configuration.codeDirectory, database: database)
        let registry = try FunctionRegistry(store: SQLiteFunctionStore(database: database))
        let sink = LogSink(store: LogStore(database: database), logger: logger)
        let invoker = Invoker(
            registry: registry,
            codeStore: codeStore,
            account: configuration.account,
            runtimeAPI: RuntimeAPIServer(),
            sink: sink,
            launcher: try RuntimeLauncher.install(runtimeDirectory: configuration.runtimeDirectory),
            concurrencyLimit: configuration.concurrentExecutions,
            logger: logger
        )
        let asyncInvoker = AsyncInvoker(invoker: invoker, logger: logger)
        let layers = LayerService(
            account: configuration.account, store: SQLiteLayerStore(database: database), codeStore: codeStore, logger: logger
        )
        let functions = FunctionService(
            account: configuration.account, registry: registry, codeStore: codeStore, layers: layers,
            invoker: invoker, asyncInvoker: asyncInvoker, logger: logger
        )
        let verifier = SigV4Verifier(
            credentials: [SigV4Credentials(accessKeyId: configuration.accessKeyId, secretAccessKey: configuration.secretAccessKey)],
            service: "lambda",
            region: configuration.account.region
        )
        let responder = ControlAPIResponder(functions: functions, layers: layers, verifier: verifier, logger: logger)
        let account = configuration.account
        return Application(
            responder: responder,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Nimbus"),
            services: [sink, asyncInvoker, KeepAliveService(invoker: invoker, keepAlive: configuration.keepAlive, logger: logger)],
            onServerRunning: { channel in
                let address = channel.localAddress.map { "\($0.ipAddress ?? configuration.host):\($0.port ?? configuration.port)" } ?? ""
                logger.notice("Nimbus is serving the Lambda API on http://\(address) (account \(account.id), region \(account.region))")
            },
            logger: logger
        )
    }
}
