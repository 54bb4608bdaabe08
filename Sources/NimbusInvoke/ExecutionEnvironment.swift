import Foundation
import NIOCore
import NimbusCore
import NimbusRuntimeAPI
import NimbusSandbox
import Synchronization

/// One execution environment: a runtime process, its Runtime API and its log.
///
/// Lifecycle: `start` (cold start: bind the Runtime API, spawn `bootstrap`) → any number
/// of `invoke`s, one at a time → `retire` (kill the process group, close the API).
/// An outcome that ends the environment (timeout, exit, init error) retires it.
final class ExecutionEnvironment: Sendable {
    let id: String
    let function: FunctionConfiguration
    let generation: Int
    let log: LogCollector
    private let binding: RuntimeAPIServer.Binding
    private let process: Mutex<SupervisedProcess?>
    private let spawnedAt: NIODeadline
    private let initMarker: InitMarker
    private let reportedInit = Mutex(false)
    /// When the environment last finished an invocation, for keep-alive.
    let lastUsed = Mutex(ContinuousClock.now)

    var endpoint: RuntimeEndpoint { binding.endpoint }

    private init(id: String, function: FunctionConfiguration, generation: Int, log: LogCollector, binding: RuntimeAPIServer.Binding, spawnedAt: NIODeadline, initMarker: InitMarker) {
        self.initMarker = initMarker
        self.id = id
        self.function = function
        self.generation = generation
        self.log = log
        self.binding = binding
        self.process = Mutex(nil)
        self.spawnedAt = spawnedAt
    }

    /// Static facts every environment needs.
    struct Context: Sendable {
        var account: Account
        var runtimeAPI: RuntimeAPIServer
        var sink: LogSink
        var launcher: RuntimeLauncher
        var runtimeDirectory: String { launcher.runtimeDirectory }
    }

    /// Why an environment could not start.
    enum StartFailure: Error {
        /// No executable `bootstrap` in the package: AWS's Runtime.InvalidEntrypoint.
        case invalidEntrypoint(String)
        /// The runtime's interpreter is missing or the wrong major version on this machine.
        case runtimeUnavailable(String)
        case platform(any Error)
    }

    /// Cold start: binds a Runtime API and spawns the function's `bootstrap`.
    static func start(function: FunctionConfiguration, codeDirectory: String, generation: Int, context: Context) async throws(StartFailure) -> ExecutionEnvironment {
        let id = randomHex(16)
        let logStream = "\(AWSDate.logStreamDay(Date()))/[$LATEST]\(id)"
        let log = LogCollector(logGroup: function.logGroup, logStream: logStream, sink: context.sink)
        let initMarker = InitMarker()
        let binding: RuntimeAPIServer.Binding
        do {
            binding = try await context.runtimeAPI.bind(onInitialized: { at in initMarker.at.withLock { $0 = at } })
        } catch {
            throw .platform(error)
        }
        let command: RuntimeLauncher.Command
        do {
            command = try context.launcher.command(for: function, codeDirectory: codeDirectory)
        } catch {
            binding.close()
            throw error
        }
        let environment = ExecutionEnvironment(
            id: id, function: function, generation: generation, log: log, binding: binding, spawnedAt: .now(),
            initMarker: initMarker
        )
        var variables = variables(function: function, codeDirectory: codeDirectory, logStream: logStream, runtimeAPI: binding.address, context: context)
        variables.merge(command.environment) { own, _ in own }
        let spec = ProcessSpec(
            executable: command.executable,
            arguments: command.arguments,
            environment: variables,
            workingDirectory: codeDirectory
        )
        do {
            let endpoint = binding.endpoint
            let process = try await Spawner.start(
                spec: spec,
                onOutput: { chunk in log.output(chunk) },
                onExit: { _ in
                    endpoint.terminate()
                    binding.close()
                }
            )
            environment.process.withLock { $0 = process }
        } catch {
            binding.close()
            if error.code == .spawnFailed, error.errno == EACCES {
                throw .invalidEntrypoint("fork/exec /var/task/bootstrap: permission denied")
            }
            if error.code == .missingExecutable || error.code == .spawnFailed {
                throw .invalidEntrypoint("fork/exec /var/task/bootstrap: \(String(cString: strerror(error.errno)).lowercased())")
            }
            throw .platform(error)
        }
        return environment
    }

    /// Lambda's environment variables for the runtime process.
    static func variables(function: FunctionConfiguration, codeDirectory: String, logStream: String, runtimeAPI: String, context: Context) -> [String: String] {
        var env: [String: String] = [:]
        let runtimeDir = context.runtimeDirectory
        env["AWS_LAMBDA_RUNTIME_API"] = runtimeAPI
        env["_HANDLER"] = function.handler
        env["LAMBDA_TASK_ROOT"] = codeDirectory
        env["LAMBDA_RUNTIME_DIR"] = runtimeDir
        env["AWS_LAMBDA_FUNCTION_NAME"] = function.name
        env["AWS_LAMBDA_FUNCTION_VERSION"] = "$LATEST"
        env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = String(function.memorySize)
        env["AWS_LAMBDA_LOG_GROUP_NAME"] = function.logGroup
        env["AWS_LAMBDA_LOG_STREAM_NAME"] = logStream
        env["AWS_LAMBDA_INITIALIZATION_TYPE"] = "on-demand"
        env["AWS_REGION"] = context.account.region
        env["AWS_DEFAULT_REGION"] = context.account.region
        env["TZ"] = ":UTC"
        env["LANG"] = "en_US.UTF-8"
        env["PATH"] = "/usr/local/bin:/usr/bin/:/bin:/opt/bin"
        env["LD_LIBRARY_PATH"] = "/lib64:/usr/lib64:\(runtimeDir):\(runtimeDir)/lib:\(codeDirectory):\(codeDirectory)/lib:/opt/lib"
        // The function's own variables win over the defaults (TZ, LANG, PATH, LD_LIBRARY_PATH);
        // reserved keys were refused when the configuration was saved.
        env.merge(function.environment) { _, own in own }
        return env
    }

    /// Runs one invocation and frames it in the log.
    func invoke(_ invocation: Invocation) async -> (InvocationOutcome, logTail: String) {
        log.platform("START RequestId: \(invocation.requestId) Version: $LATEST")
        let submitted = NIODeadline.now()
        let outcome = await binding.endpoint.invoke(invocation)
        let finished = NIODeadline.now()
        currentProcess?.drainOutput()

        let initAt = initMarker.at.withLock { $0 }
        let isFirst = reportedInit.withLock { reported -> Bool in
            defer { reported = true }
            return !reported
        }
        var report = "REPORT RequestId: \(invocation.requestId)"
        let started = max(submitted, initAt ?? submitted)
        let durationMs = Double(max(0, (finished - started).nanoseconds)) / 1_000_000
        report += "\tDuration: \(Self.format(durationMs)) ms"
        report += "\tBilled Duration: \(Int(durationMs.rounded(.up)).clamped(min: 1)) ms"
        report += "\tMemory Size: \(function.memorySize) MB"
        report += "\tMax Memory Used: \(currentProcess?.peakMemoryMegabytes() ?? 0) MB"
        if isFirst {
            let initEnd = initAt ?? finished
            report += "\tInit Duration: \(Self.format(Double((initEnd - spawnedAt).nanoseconds) / 1_000_000)) ms"
        }
        report += "\t"
        if case .timedOut = outcome {
            report += "Status: timeout"
        }
        let tail = log.finishInvocation(end: "END RequestId: \(invocation.requestId)", report: report)
        lastUsed.withLock { $0 = .now }
        return (outcome, tail)
    }

    var currentProcess: SupervisedProcess? { process.withLock { $0 } }

    /// How the runtime process ended, once it has.
    var exitStatus: ExitStatus? { currentProcess?.exitStatus }

    /// Ends the environment: kills the process group and closes the Runtime API.
    func retire() {
        currentProcess?.kill()
        binding.endpoint.terminate()
        binding.close()
    }

    static func format(_ ms: Double) -> String {
        String(format: "%.2f", ms)
    }
}

extension Int {
    func clamped(min lower: Int) -> Int { Swift.max(self, lower) }
}

/// Random lowercase hex, `bytes` bytes long.
func randomHex(_ bytes: Int) -> String {
    var generator = SystemRandomNumberGenerator()
    var out = [UInt8]()
    out.reserveCapacity(bytes * 2)
    let digits: [UInt8] = Array("0123456789abcdef".utf8)
    var remaining = bytes
    while remaining > 0 {
        var word = generator.next()
        for _ in 0..<min(8, remaining) {
            out.append(digits[Int(word >> 4 & 0xf)])
            out.append(digits[Int(word & 0xf)])
            word >>= 8
        }
        remaining -= 8
    }
    return String(decoding: out, as: UTF8.self)
}

/// When the runtime first asked for work: the end of init.
final class InitMarker: Sendable {
    let at = Mutex<NIODeadline?>(nil)
}
