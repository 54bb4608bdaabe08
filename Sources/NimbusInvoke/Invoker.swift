import Foundation
import Logging
import NIOCore
import NimbusCore
import NimbusRuntimeAPI
import NimbusStore
import NimbusSandbox
import Synchronization

/// A synchronous invocation as the Invoke API receives it.
public struct InvokeRequest: Sendable {
    /// The invocation's id: the API's `x-amzn-RequestId`, and the id in START/END/REPORT.
    public var requestId: String
    public var functionName: String
    /// The version number or alias name to run; nil or `$LATEST` for the latest.
    public var qualifier: String?
    public var payload: ByteBuffer
    /// Decoded JSON of `X-Amz-Client-Context`.
    public var clientContext: String?
    public var wantsLogTail: Bool
    /// The caller's tracing header (X-Ray format), passed to the runtime as is; nil: a new trace.
    public var traceHeader: String?
    /// What started it, for the invocation span (`faas.trigger`).
    public var trigger: InvocationTracer.Trigger = .http
    /// For an Event invocation: when this attempt began to wait in the queue.
    public var queuedSince: Date?

    public init(requestId: String = UUID().uuidString.lowercased(), functionName: String, qualifier: String? = nil, payload: ByteBuffer, clientContext: String? = nil, wantsLogTail: Bool = false, trigger: InvocationTracer.Trigger = .http) {
        self.trigger = trigger
        self.requestId = requestId
        self.functionName = functionName
        self.qualifier = qualifier
        self.payload = payload
        self.clientContext = clientContext
        self.wantsLogTail = wantsLogTail
    }
}

/// What the Invoke API returns.
public struct InvokeResult: Sendable {
    public var requestId: String
    public var payload: ByteBuffer
    /// `Unhandled` when the function or the platform reported an error.
    public var functionError: String?
    /// This invocation's log (last 4 KB), when asked for.
    public var logTail: String?
    public var executedVersion: String
}

/// Runs invocations: finds or starts an environment, hands it the event, and turns the
/// outcome into Lambda's response.
///
/// Dispatch takes two short locks, none held across an await: the registry's (a
/// dictionary read) and the function's pool. Account concurrency is capped at
/// `concurrencyLimit` (AWS's default: 1000) with an atomic counter; beyond it the caller
/// gets 429 TooManyRequestsException.
public final class Invoker: Sendable {
    /// Invocations running now of functions without reserved concurrency.
    private let unreservedInFlight = ConcurrencyCounter()
    let registry: FunctionRegistry
    let codeStore: CodeStore
    let context: ExecutionEnvironment.Context
    let logger: Logger
    public let concurrencyLimit: Int
    /// Pre-initialized sandboxes, when `--prewarm` asks for them.
    let prewarm: PrewarmPool?
    /// Per-function metrics (nil: none kept).
    public let metrics: InvocationMetrics?
    /// Invocation spans (nil: none made, the default).
    let tracer: InvocationTracer?

    public init(
        registry: FunctionRegistry, codeStore: CodeStore, account: Account, runtimeAPI: RuntimeAPIServer, sink: LogSink,
        launcher: RuntimeLauncher, isolation: Isolation = .plain, sandboxDirectory: String = NSTemporaryDirectory(),
        defaultNetwork: NetworkMode = .host, freezeIdle: Bool = true, prewarm: Int = 0,
        concurrencyLimit: Int = Limits.concurrentExecutions, metrics: InvocationMetrics? = nil,
        tracer: InvocationTracer? = nil, logger: Logger
    ) {
        self.tracer = tracer
        self.metrics = metrics
        self.concurrencyLimit = concurrencyLimit
        self.registry = registry
        self.codeStore = codeStore
        self.context = ExecutionEnvironment.Context(
            account: account, runtimeAPI: runtimeAPI, sink: sink, launcher: launcher,
            isolation: isolation, sandboxDirectory: sandboxDirectory, defaultNetwork: defaultNetwork,
            freezeIdle: freezeIdle
        )
        self.prewarm = prewarm > 0 ? PrewarmPool(size: prewarm, context: context) : nil
        self.logger = logger
    }

    /// Invokes a function synchronously: `$LATEST`, a version, or an alias (which picks
    /// one of its versions by weight).
    public func invoke(_ request: InvokeRequest) async throws(LambdaError) -> InvokeResult {
        let qualifier = request.qualifier.flatMap { $0 == FunctionConfiguration.latest ? nil : $0 }
        guard let entry = registry.snapshot(request.functionName, qualifier: qualifier, roll: { Double.random(in: 0..<1) }) else {
            let arn = qualifier.map { context.account.functionArn(request.functionName, qualifier: $0) }
            throw .functionNotFound(arn ?? context.account.functionArn(request.functionName))
        }
        // Reserved concurrency is the function's own; the others share what is left of the
        // account's limit. Counters only: no lock on this path.
        let meter = versionMetrics(entry)
        let counter = entry.reservedConcurrency == nil ? unreservedInFlight : entry.running
        let running = counter.value.wrappingAdd(1, ordering: .relaxed).newValue
        defer { counter.value.wrappingSubtract(1, ordering: .relaxed) }
        if let reserved = entry.reservedConcurrency {
            guard running <= reserved else {
                meter?.throttled()
                throw .throttled("ReservedFunctionConcurrentInvocationLimitExceeded")
            }
        } else {
            guard running <= concurrencyLimit - registry.totalReserved else {
                meter?.throttled()
                throw .throttled("ConcurrentInvocationLimitExceeded")
            }
        }
        let concurrency = meter?.began() ?? 0
        defer { meter?.ended() }
        let function = entry.configuration
        let requestId = request.requestId
        let arn = qualifier.map { context.account.functionArn(function.name, qualifier: $0) } ?? context.account.functionArn(function.name)
        let span = tracer?.begin(
            function: function, arn: arn, requestId: requestId, incoming: request.traceHeader,
            trigger: request.trigger, queuedSince: request.queuedSince
        )
        let invocation = Invocation(
            requestId: requestId,
            payload: request.payload,
            invokedFunctionArn: arn,
            traceId: span?.header ?? request.traceHeader ?? Self.traceId(),
            clientContext: request.clientContext,
            timeout: .seconds(Int64(function.timeout))
        )

        let environment: ExecutionEnvironment
        let cold: Bool
        var coldStartedAt: Date?
        if let warm = acquireLive(entry) {
            environment = warm
            cold = false
        } else {
            cold = true
            if span != nil { coldStartedAt = Date() }
            do {
                let directory = try codeStore.directory(for: function.codeSHA256Hex).path
                // Layers merged in order, as the function sees them at /opt.
                let layers = try codeStore.mergedLayerDirectory(for: function.layerSHA256Hexes)?.path
                if let pool = prewarm, let family = pool.family(for: function), let ready = pool.take(family: family),
                   let specialized = await ExecutionEnvironment.specialize(
                       ready, function: function, codeDirectory: directory, layersDirectory: layers,
                       generation: entry.generation, context: context
                   ) {
                    environment = specialized
                } else {
                    environment = try await ExecutionEnvironment.start(
                        function: function, codeDirectory: directory, layersDirectory: layers,
                        generation: entry.generation, context: context
                    )
                }
            } catch let failure as ExecutionEnvironment.StartFailure {
                entry.pool.abandon()
                span?.end(coldStart: true, functionError: "Unhandled", errorType: failure.errorType)
                let result = try startFailed(failure, requestId: requestId, function: function, wantsLogTail: request.wantsLogTail)
                meter?.completed(durationMs: 0, error: true, coldStart: true, initDurationMs: nil, concurrency: concurrency)
                return result
            } catch {
                entry.pool.abandon()
                span?.end(coldStart: true, functionError: "Unhandled", errorType: "ServiceException")
                logger.error("could not find code for \(function.name): \(error)")
                throw .internalFailure
            }
        }

        let (outcome, tail) = await environment.invoke(invocation)
        let healthy = !outcome.endsEnvironment
        if !entry.pool.release(environment, healthy: healthy) {
            environment.retire()
        }
        let (payload, functionError) = response(for: outcome, requestId: requestId, function: function, environment: environment)
        if let span {
            if let coldStartedAt, let initDuration = environment.initDuration {
                span.recordInit(started: coldStartedAt, duration: initDuration)
            }
            span.end(coldStart: cold, functionError: functionError, errorType: outcome.errorType)
        }
        if let meter {
            let initMs = cold ? environment.initDuration.map { Double($0.components.seconds) * 1000 + Double($0.components.attoseconds) / 1e15 } : nil
            meter.completed(
                durationMs: Double(environment.lastDurationNanos.load(ordering: .relaxed)) / 1_000_000,
                error: functionError != nil, coldStart: cold, initDurationMs: initMs, concurrency: concurrency
            )
        }
        return InvokeResult(
            requestId: requestId,
            payload: payload,
            functionError: functionError,
            logTail: request.wantsLogTail ? tail : nil,
            executedVersion: function.version
        )
    }

    /// The version's metric objects: made by its first invocation, then read with one atomic load.
    private func versionMetrics(_ entry: FunctionRegistry.Snapshot) -> VersionMetrics? {
        guard let metrics else { return nil }
        if let made = entry.pool.metrics.load() { return made }
        return entry.pool.metrics.storeIfNil(metrics.makeVersionMetrics(function: entry.configuration.name, version: entry.configuration.version))
    }

    /// Takes a warm environment that can still run, retiring any whose runtime exited
    /// while idle. Returns nil when a cold start is needed (the slot stays counted as busy).
    private func acquireLive(_ entry: FunctionRegistry.Snapshot) -> ExecutionEnvironment? {
        while let candidate = entry.pool.acquire() {
            if candidate.endpoint.isTerminated || candidate.generation != entry.generation {
                _ = entry.pool.release(candidate, healthy: false)
                candidate.retire()
                continue
            }
            return candidate
        }
        return nil
    }

    /// Maps an outcome to the payload and `X-Amz-Function-Error` Lambda returns.
    func response(for outcome: InvocationOutcome, requestId: String, function: FunctionConfiguration, environment: ExecutionEnvironment) -> (ByteBuffer, String?) {
        switch outcome {
        case .response(let body):
            return (body, nil)
        case .error(let body, let type):
            if body.readableBytes == 0 {
                return (Self.buffer(JSONText.platformError(type: type ?? "Runtime.Unknown", message: "")), "Unhandled")
            }
            return (body, "Unhandled")
        case .initError(let body, let type):
            if body.readableBytes == 0 {
                return (Self.buffer(JSONText.platformError(type: type ?? "Runtime.Unknown", message: "RequestId: \(requestId) Error: Runtime failed to start")), "Unhandled")
            }
            return (body, "Unhandled")
        case .responseTooLarge:
            return (Self.buffer(#"{"errorMessage":"Response payload size exceeded maximum allowed payload size (6291556 bytes).","errorType":"Function.ResponseSizeTooLarge"}"#), "Unhandled")
        case .timedOut:
            let seconds = String(format: "%.2f", Double(function.timeout))
            return (Self.buffer(JSONText.platformError(type: "Sandbox.Timedout", message: "RequestId: \(requestId) Error: Task timed out after \(seconds) seconds")), "Unhandled")
        case .terminated where environment.wasOutOfMemory:
            // The cgroup's OOM counter tells an out-of-memory kill from any other.
            return (Self.buffer(JSONText.platformError(type: "Runtime.OutOfMemory", message: "RequestId: \(requestId) Error: Runtime exited with error: signal: killed")), "Unhandled")
        case .terminated:
            let reason: String
            switch environment.exitStatus {
            case .exited(0)?, nil:
                reason = "Runtime exited without providing a reason"
            case let status?:
                reason = "Runtime exited with error: \(status.lambdaDescription)"
            }
            return (Self.buffer(JSONText.platformError(type: "Runtime.ExitError", message: "RequestId: \(requestId) Error: \(reason)")), "Unhandled")
        }
    }

    private func startFailed(_ failure: ExecutionEnvironment.StartFailure, requestId: String, function: FunctionConfiguration, wantsLogTail: Bool) throws(LambdaError) -> InvokeResult {
        switch failure {
        case .invalidEntrypoint(let message), .runtimeUnavailable(let message):
            let type: String
            if case .runtimeUnavailable = failure { type = "Runtime.Unavailable" } else { type = "Runtime.InvalidEntrypoint" }
            let payload = JSONText.platformError(type: type, message: "RequestId: \(requestId) Error: \(message)")
            let tail = wantsLogTail
                ? "START RequestId: \(requestId) Version: \(function.version)\n\(message)\nEND RequestId: \(requestId)\nREPORT RequestId: \(requestId)\tDuration: 0.00 ms\tBilled Duration: 1 ms\tMemory Size: \(function.memorySize) MB\tMax Memory Used: 0 MB\t\n"
                : nil
            return InvokeResult(requestId: requestId, payload: Self.buffer(payload), functionError: "Unhandled", logTail: tail, executedVersion: function.version)
        case .platform(let error):
            logger.error("could not start an environment for \(function.name): \(error)")
            throw .internalFailure
        }
    }

    /// Retires idle environments not used within `keepAlive`.
    @discardableResult
    public func evictIdle(keepAlive: Duration) -> Int {
        registry.evictIdle(lastUsedBefore: .now - keepAlive)
    }

    /// Keeps each provisioned concurrency configuration's environments started: starts
    /// what is missing (in the background) and retires idle extras.
    public func maintainProvisioned() {
        for entry in registry.allEntries() {
            var wanted: [String: Int] = [:]
            for (qualifier, config) in entry.provisioned {
                if let number = FunctionRegistry.provisionedVersion(qualifier, in: entry) {
                    wanted[number, default: 0] += config.requested
                }
            }
            for number in Set(entry.versions.keys.map(String.init)).union(wanted.keys) {
                guard let version = entry.version(number) else { continue }
                let (live, starting) = version.pool.provisionedCounts()
                let target = wanted[number] ?? 0
                if live + starting < target {
                    startProvisioned(target - live - starting, version: version)
                } else if live > target {
                    version.pool.removeProvisioned(live - target).forEach { $0.retire() }
                }
            }
        }
    }

    private func startProvisioned(_ count: Int, version: FunctionRegistry.Version) {
        let generation = version.pool.beginProvisioning(count)
        let function = version.configuration
        for _ in 0..<count {
            Task { [codeStore, context, logger] in
                var started: ExecutionEnvironment?
                do {
                    let directory = try codeStore.directory(for: function.codeSHA256Hex).path
                    let layers = try codeStore.mergedLayerDirectory(for: function.layerSHA256Hexes)?.path
                    let environment = try await ExecutionEnvironment.start(
                        function: function, codeDirectory: directory, layersDirectory: layers,
                        generation: generation, provisioned: true, context: context
                    )
                    // Ready once its init is done: the runtime has asked for its first event.
                    let deadline = ContinuousClock.now + .seconds(10)
                    while !environment.hasInitialized, !environment.endpoint.isTerminated, ContinuousClock.now < deadline {
                        try? await Task.sleep(for: .milliseconds(5))
                    }
                    if environment.hasInitialized, !environment.endpoint.isTerminated {
                        started = environment
                    } else {
                        environment.retire()
                    }
                } catch {
                    logger.warning("could not start a provisioned environment for \(function.name):\(function.version): \(error)")
                }
                if !version.pool.finishProvisioning(started) { started?.retire() }
            }
        }
    }

    /// Starts filling the pre-initialized pool (no-op without `--prewarm`).
    public func startPrewarming() {
        prewarm?.fill()
    }

    /// Pre-initialized sandboxes ready, per runtime family.
    public var prewarmedCounts: [String: Int] { prewarm?.readyCounts ?? [:] }

    /// Retires every environment.
    public func shutdown() {
        prewarm?.stop()
        registry.retireAll()
    }

    static func buffer(_ text: String) -> ByteBuffer {
        ByteBuffer(string: text)
    }

    /// An X-Ray style trace header: `Root=1-<time>-<24 hex>;Parent=<16 hex>;Sampled=0`.
    static func traceId() -> String {
        let time = String(UInt32(Date().timeIntervalSince1970), radix: 16)
        return "Root=1-\(time)-\(randomHex(12));Parent=\(randomHex(8));Sampled=0;Lineage=1:\(randomHex(4)):0"
    }
}
