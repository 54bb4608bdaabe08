import HTTPTypes
import NimbusCore

extension HTTPField.Name {
    static let amznTraceId = HTTPField.Name("X-Amzn-Trace-Id") ?? .contentType
    static let traceparent = HTTPField.Name("traceparent") ?? .contentType
}

extension TraceHeader {
    /// The caller's trace: a valid `X-Amzn-Trace-Id` first, else a valid W3C `traceparent`;
    /// nil when neither is there or valid (the invocation then starts a new trace).
    static func incoming(_ headers: HTTPFields) -> TraceHeader? {
        if let xray = headers[.amznTraceId].flatMap(TraceHeader.init(xray:)) { return xray }
        return headers[.traceparent].flatMap(TraceHeader.init(traceparent:))
    }
}
