import Foundation
import NimbusCore
import NimbusRuntimeAPI
import Tracing

/// Makes the spans of invocations: one per invocation (named after the function, as
/// OpenTelemetry's FaaS conventions say), with an `Init` child on a cold start and a
/// `QueueWait` child for an Event invocation's time in the durable queue.
///
/// The invocation span joins the caller's trace (`X-Amzn-Trace-Id` or `traceparent`),
/// and the function gets a trace header whose `Parent` is that span, so spans the
/// function exports itself nest under Nimbus's. Only made when `nimbus serve` has an
/// OTLP endpoint: without one the Invoker has no tracer and pays nothing.
public struct InvocationTracer: Sendable {
    let tracer: any Tracer

    public init(_ tracer: any Tracer) {
        self.tracer = tracer
    }

    /// Where an invocation came from (`faas.trigger`, and the span kind).
    public enum Trigger: String, Sendable {
        /// Invoke with RequestResponse, or a function URL.
        case http
        /// An Event invocation from the durable queue.
        case pubsub
    }

    /// Starts the span of one invocation.
    /// - Parameters:
    ///   - incoming: the caller's trace header (X-Ray format), if any.
    ///   - queuedSince: for an Event invocation, when this attempt began to wait in the
    ///     queue; the span then starts there, and a `QueueWait` child covers the wait.
    func begin(
        function: FunctionConfiguration, arn: String, requestId: String, incoming: String?, trigger: Trigger, queuedSince: Date?
    ) -> InvocationSpan {
        var parent = ServiceContext.topLevel
        if let incoming, let header = TraceHeader(xray: incoming) {
            tracer.extract(["traceparent": header.traceparent], into: &parent, using: HeaderCarrier())
        }
        let now = EpochInstant(Date())
        let start = queuedSince.map { min(EpochInstant($0), now) } ?? now
        let span = tracer.startSpan(function.name, context: parent, ofKind: trigger == .http ? .server : .consumer, at: start)
        span.attributes["faas.name"] = function.name
        span.attributes["faas.version"] = function.version
        span.attributes["faas.invocation_id"] = requestId
        span.attributes["faas.trigger"] = trigger.rawValue
        span.attributes["faas.max_memory"] = function.memorySize * 1024 * 1024
        span.attributes["cloud.resource_id"] = arn
        if trigger == .pubsub, start < now {
            let wait = tracer.startSpan("QueueWait", context: span.context, ofKind: .internal, at: start)
            wait.end(at: now)
        }
        var carrier: [String: String] = [:]
        tracer.inject(span.context, into: &carrier, using: HeaderCarrier())
        let header = carrier["traceparent"].flatMap(TraceHeader.init(traceparent:))?.value
        return InvocationSpan(span: span, tracer: tracer, header: header)
    }
}

/// One invocation's span while it runs.
struct InvocationSpan: Sendable {
    let span: any Span
    let tracer: any Tracer
    /// The trace header the function gets (`Parent` is this span); nil when the tracer
    /// does not propagate W3C trace context.
    let header: String?

    /// Records a cold start's init, from `started` for `duration`.
    func recordInit(started: Date, duration: Duration) {
        let start = EpochInstant(started)
        let init_ = tracer.startSpan("Init", context: span.context, ofKind: .internal, at: start)
        init_.end(at: EpochInstant(nanoseconds: start.nanosecondsSinceEpoch &+ UInt64(max(0, duration.nanoseconds))))
    }

    /// Ends the span; a function error (`X-Amz-Function-Error`) marks it failed.
    func end(coldStart: Bool, functionError: String?, errorType: String? = nil) {
        span.attributes["faas.coldstart"] = coldStart
        if let functionError {
            span.attributes["error.type"] = errorType ?? functionError
            span.setStatus(SpanStatus(code: .error, message: errorType ?? functionError))
        }
        span.end(at: EpochInstant(Date()))
    }
}

/// A wall-clock instant for explicit span times (the queue wait began before the span).
struct EpochInstant: TracerInstant {
    let nanosecondsSinceEpoch: UInt64

    init(nanoseconds: UInt64) { nanosecondsSinceEpoch = nanoseconds }
    init(_ date: Date) { nanosecondsSinceEpoch = UInt64(max(0, date.timeIntervalSince1970) * 1_000_000_000) }

    static func < (lhs: Self, rhs: Self) -> Bool { lhs.nanosecondsSinceEpoch < rhs.nanosecondsSinceEpoch }
}

/// Reads and writes trace context headers in a dictionary.
struct HeaderCarrier: Injector, Extractor {
    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
        carrier[key.lowercased()] = value
    }

    func extract(key: String, from carrier: [String: String]) -> String? {
        carrier[key.lowercased()]
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

extension InvocationOutcome {
    /// The error type an invocation span reports (nil: the function answered).
    var errorType: String? {
        switch self {
        case .response: nil
        case .error(_, let type): type ?? "Unhandled"
        case .initError(_, let type): type ?? "Runtime.Unknown"
        case .responseTooLarge: "Function.ResponseSizeTooLarge"
        case .timedOut: "Sandbox.Timedout"
        case .terminated: "Runtime.ExitError"
        }
    }
}

extension ExecutionEnvironment.StartFailure {
    var errorType: String {
        switch self {
        case .invalidEntrypoint: "Runtime.InvalidEntrypoint"
        case .runtimeUnavailable: "Runtime.Unavailable"
        case .platform: "ServiceException"
        }
    }
}
