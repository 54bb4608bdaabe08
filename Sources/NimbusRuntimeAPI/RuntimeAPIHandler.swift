import NIOCore
import NIOHTTP1

/// The HTTP face of one environment's Runtime API (version 2018-06-01).
///
/// Routes:
/// - `GET  /2018-06-01/runtime/invocation/next`
/// - `POST /2018-06-01/runtime/invocation/{id}/response`
/// - `POST /2018-06-01/runtime/invocation/{id}/error`
/// - `POST /2018-06-01/runtime/init/error`
final class RuntimeAPIHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let endpoint: RuntimeEndpoint
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    private var tooLarge = false

    init(endpoint: RuntimeEndpoint) {
        self.endpoint = endpoint
    }

    func channelInactive(context: ChannelHandlerContext) {
        endpoint.connectionClosed(context.channel)
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            self.body = nil
            self.tooLarge = false
        case .body(var chunk):
            guard !tooLarge else { return }
            if (body?.readableBytes ?? 0) + chunk.readableBytes > RuntimeAPILimits.maxBody {
                tooLarge = true
                body = nil
            } else if body == nil {
                body = chunk
            } else {
                body?.writeBuffer(&chunk)
            }
        case .end:
            guard let head else { return }
            self.head = nil
            let body = self.body ?? context.channel.allocator.buffer(capacity: 0)
            self.body = nil
            route(head: head, body: body, channel: context.channel)
        }
    }

    private func route(head: HTTPRequestHead, body: ByteBuffer, channel: any Channel) {
        let keepAlive = head.isKeepAlive
        let route = RuntimeRoute(method: head.method, uri: head.uri)
        switch route {
        case .next:
            if let refusal = endpoint.next(RuntimeEndpoint.Waiter(channel: channel, keepAlive: keepAlive)) {
                Self.refuse(refusal, channel: channel, keepAlive: keepAlive)
            }
        case .response(let requestId):
            if tooLarge {
                // The invocation fails; the runtime learns why from the 413.
                _ = endpoint.complete(requestId: requestId, outcome: .responseTooLarge)
                Self.writeError(
                    status: .payloadTooLarge, type: "RequestEntityTooLarge",
                    message: "Exceeded maximum allowed payload size (\(RuntimeAPILimits.maxBody) bytes).",
                    channel: channel, keepAlive: keepAlive
                )
                return
            }
            answer(endpoint.complete(requestId: requestId, outcome: .response(body)), channel: channel, keepAlive: keepAlive)
        case .error(let requestId):
            let type = head.headers.first(name: "Lambda-Runtime-Function-Error-Type")
            answer(endpoint.complete(requestId: requestId, outcome: .error(body, errorType: type)), channel: channel, keepAlive: keepAlive)
        case .initError:
            let type = head.headers.first(name: "Lambda-Runtime-Function-Error-Type")
            answer(endpoint.initError(body: body, errorType: type), channel: channel, keepAlive: keepAlive)
        case .notFound:
            Self.writeError(status: .notFound, type: "NotFound", message: "Unknown Runtime API route", channel: channel, keepAlive: keepAlive)
        }
    }

    private func answer(_ refusal: RuntimeStateMachine<RuntimeEndpoint.Waiter, RuntimeEndpoint.PendingInvocation>.Refusal?, channel: any Channel, keepAlive: Bool) {
        if let refusal {
            Self.refuse(refusal, channel: channel, keepAlive: keepAlive)
        } else {
            var buffer = channel.allocator.buffer(capacity: 16)
            buffer.writeStaticString(#"{"status":"OK"}"#)
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "application/json")
            Self.write(status: .accepted, headers: headers, body: buffer, to: channel, keepAlive: keepAlive)
        }
    }

    static func refuse<W, R>(_ refusal: RuntimeStateMachine<W, R>.Refusal, channel: any Channel, keepAlive: Bool) {
        switch refusal {
        case .invalidRequestId:
            writeError(status: .badRequest, type: "InvalidRequestID", message: "Invalid request ID", channel: channel, keepAlive: keepAlive)
        case .invalidStateTransition:
            writeError(status: .forbidden, type: "InvalidStateTransition", message: "State transition is not allowed", channel: channel, keepAlive: keepAlive)
        }
    }

    static func writeError(status: HTTPResponseStatus, type: String, message: String, channel: any Channel, keepAlive: Bool) {
        var buffer = channel.allocator.buffer(capacity: 96)
        buffer.writeString(#"{"errorMessage":""# + message + #"","errorType":""# + type + #""}"#)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        write(status: status, headers: headers, body: buffer, to: channel, keepAlive: keepAlive)
    }

    /// Writes a whole response; closes the connection afterwards unless kept alive.
    static func write(status: HTTPResponseStatus, headers: HTTPHeaders, body: ByteBuffer, to channel: any Channel, keepAlive: Bool) {
        var headers = headers
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: .http1_1, status: status, headers: headers)
        channel.write(HTTPServerResponsePart.head(head), promise: nil)
        channel.write(HTTPServerResponsePart.body(.byteBuffer(body)), promise: nil)
        let done = channel.writeAndFlush(HTTPServerResponsePart.end(nil))
        if !keepAlive {
            done.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}

/// Sizes the Runtime API enforces.
enum RuntimeAPILimits {
    /// AWS's limit for a response posted by a runtime (6 MB plus framing allowance).
    static let maxBody = 6_291_556
}

/// A Runtime API request, parsed from its method and path.
enum RuntimeRoute: Equatable {
    case next
    case response(requestId: String)
    case error(requestId: String)
    case initError
    case notFound

    init(method: HTTPMethod, uri: String) {
        let path = uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? uri
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        guard parts.count >= 3, parts[0] == "2018-06-01", parts[1] == "runtime" else {
            self = .notFound
            return
        }
        switch (method, parts.count, parts[2]) {
        case (.GET, 4, "invocation") where parts[3] == "next":
            self = .next
        case (.POST, 5, "invocation") where parts[4] == "response":
            self = .response(requestId: String(parts[3]))
        case (.POST, 5, "invocation") where parts[4] == "error":
            self = .error(requestId: String(parts[3]))
        case (.POST, 4, "init") where parts[3] == "error":
            self = .initError
        default:
            self = .notFound
        }
    }
}
