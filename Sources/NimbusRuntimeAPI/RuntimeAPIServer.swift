import NIOCore
import NIOHTTP1
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// Serves the Runtime API, one listening socket per execution environment.
///
/// Each environment gets its own loopback port, so the connection itself says which
/// environment is calling and no lookup or shared lock sits on the invoke path.
public struct RuntimeAPIServer: Sendable {
    let group: any EventLoopGroup
    let host: String

    public init(group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, host: String = "127.0.0.1") {
        self.group = group
        self.host = host
    }

    /// A bound Runtime API for one environment.
    public struct Binding: Sendable {
        public let endpoint: RuntimeEndpoint
        public let channel: any Channel
        /// `host:port`, the value of `AWS_LAMBDA_RUNTIME_API`.
        public let address: String

        /// Stops listening. Accepted connections close when the runtime's process group is killed.
        public func close() {
            channel.close(promise: nil)
        }
    }

    /// Binds a new endpoint on an ephemeral loopback port, or on the Unix socket at
    /// `unixSocket` (for a sandbox with its own network namespace, where a relay inside
    /// forwards `advertisedAddress` to the socket).
    public func bind(
        unixSocket: String? = nil,
        advertisedAddress: String? = nil,
        onInitialized: @escaping @Sendable (NIODeadline) -> Void = { _ in },
        onParked: @escaping @Sendable () -> Void = {}
    ) async throws -> Binding {
        let eventLoop = group.next()
        let endpoint = RuntimeEndpoint(eventLoop: eventLoop, onInitialized: onInitialized, onParked: onParked)
        let bootstrap = ServerBootstrap(group: eventLoop)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(RuntimeAPIHandler(endpoint: endpoint))
                }
            }
        if let unixSocket {
            let channel = try await bootstrap.bind(unixDomainSocketPath: unixSocket, cleanupExistingSocketFile: true).get()
            // The runtime runs as an unprivileged user: let it connect.
            chmod(unixSocket, 0o666)
            return Binding(endpoint: endpoint, channel: channel, address: advertisedAddress ?? unixSocket)
        }
        let channel = try await bootstrap
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .bind(host: host, port: 0)
            .get()
        let port = channel.localAddress?.port ?? 0
        return Binding(endpoint: endpoint, channel: channel, address: "\(host):\(port)")
    }
}
