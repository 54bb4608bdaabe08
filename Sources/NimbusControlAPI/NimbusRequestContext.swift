import Hummingbird
import NIOCore

/// The request context of the Lambda API: Hummingbird's basic one plus the peer's
/// address, which a function URL's event reports as `requestContext.http.sourceIp`.
public struct NimbusRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }
}
