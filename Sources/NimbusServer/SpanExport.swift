import Foundation
import Logging
import NimbusInvoke
import OTel
import ServiceLifecycle

/// OTLP/HTTP export of invocation spans through swift-otel; made only when
/// `nimbus serve --otlp-endpoint URL` is given (off by default).
///
/// The URL is the collector's base address, as `OTEL_EXPORTER_OTLP_ENDPOINT` is: spans
/// go to `<URL>/v1/traces`, as protobuf unless `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL` says
/// `http/json`. swift-otel's other `OTEL_*` variables (sampler, batch, headers) apply.
enum SpanExport {
    struct InvalidEndpoint: Error, CustomStringConvertible {
        let endpoint: String
        var description: String { "--otlp-endpoint must be an http:// or https:// URL, such as http://127.0.0.1:4318 (got \(endpoint))" }
    }

    /// The tracer for the Invoker, and the exporter's service (flushes on shutdown).
    static func make(endpoint: String, logger: Logger) throws -> (InvocationTracer, any Service) {
        guard let url = URL(string: endpoint), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
            throw InvalidEndpoint(endpoint: endpoint)
        }
        var configuration = OTel.Configuration.default
        configuration.serviceName = "nimbus"
        configuration.diagnosticLogger = .custom(logger)
        configuration.logs.enabled = false
        configuration.metrics.enabled = false
        configuration.traces.exporter = .otlp
        configuration.traces.otlpExporter.protocol = .httpProtobuf
        configuration.traces.otlpExporter.endpoint = tracesURL(endpoint)
        // Spans reach the collector within a second (the OTel default waits five).
        configuration.traces.batchSpanProcessor.scheduleDelay = .seconds(1)
        let backend = try OTel.makeTracingBackend(configuration: configuration)
        return (InvocationTracer(backend.factory), backend.service)
    }

    /// `<base>/v1/traces`, unless the URL already names that path.
    static func tracesURL(_ base: String) -> String {
        if base.hasSuffix("/v1/traces") { return base }
        return (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/v1/traces"
    }
}
