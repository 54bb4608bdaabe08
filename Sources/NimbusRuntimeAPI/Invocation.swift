import NIOCore

/// One invocation as the Runtime API hands it to a runtime through `/next`.
public struct Invocation: Sendable {
    public var requestId: String
    public var payload: ByteBuffer
    public var invokedFunctionArn: String
    public var traceId: String
    /// The decoded JSON of `X-Amz-Client-Context`, passed as `Lambda-Runtime-Client-Context`.
    public var clientContext: String?
    public var cognitoIdentity: String?
    /// How long the function may run once the event is delivered.
    public var timeout: TimeAmount

    public init(
        requestId: String, payload: ByteBuffer, invokedFunctionArn: String, traceId: String,
        clientContext: String? = nil, cognitoIdentity: String? = nil, timeout: TimeAmount
    ) {
        self.requestId = requestId
        self.payload = payload
        self.invokedFunctionArn = invokedFunctionArn
        self.traceId = traceId
        self.clientContext = clientContext
        self.cognitoIdentity = cognitoIdentity
        self.timeout = timeout
    }
}

/// How an invocation ended, as seen from the Runtime API.
public enum InvocationOutcome: Sendable {
    /// The runtime posted `/response`.
    case response(ByteBuffer)
    /// The runtime posted `/error`; the body and `Lambda-Runtime-Function-Error-Type`.
    case error(ByteBuffer, errorType: String?)
    /// The runtime posted `/init/error` before taking this invocation.
    case initError(ByteBuffer, errorType: String?)
    /// The response exceeded the Runtime API's size limit.
    case responseTooLarge
    /// The invocation ran past its deadline.
    case timedOut
    /// The environment ended without answering: process exit or retirement.
    case terminated(duringInit: Bool)

    /// Whether the environment must be discarded after this outcome.
    public var endsEnvironment: Bool {
        switch self {
        case .response, .error: false
        case .initError, .responseTooLarge, .timedOut, .terminated: true
        }
    }
}
