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
    /// Limits, freezer and OOM counter; nil without cgroups.
    let cgroup: Cgroup?
    let freezer: Freezer
    /// Runs under bubblewrap, which reports a runtime's death by signal N as exit 128+N.
    let isSandboxed: Bool
    /// What the process's callbacks record: where output goes, OOM, final peak memory.
    let state: ProcessState
    /// When the environment last finished an invocation, for keep-alive.
    let lastUsed = Mutex(ContinuousClock.now)
    /// Started for provisioned concurrency: kept warm, never retired for being idle.
    let isProvisioned = Atomic<Bool>(false)

    /// The last invocation's duration without init, as REPORT's `Duration` (for metrics).
    let lastDurationNanos = Atomic<Int64>(0)
    /// From spawn to the runtime's first `/next`, once it has asked.
    var initDuration: Duration? {
        initMarker.at.withLock { $0 }.map { .nanoseconds(($0 - spawnedAt).nanoseconds) }
    }

    /// Whether the runtime has finished its init (called `/next` for the first time).
    var hasInitialized: Bool { initMarker.at.withLock { $0 } != nil }

    var endpoint: RuntimeEndpoint { binding.endpoint }

    private init(id: String, function: FunctionConfiguration, generation: Int, log: LogCollector, binding: RuntimeAPIServer.Binding, spawnedAt: NIODeadline, initMarker: InitMarker, cgroup: Cgroup?, freezer: Freezer, isSandboxed: Bool, state: ProcessState) {
        self.isSandboxed = isSandboxed
        self.state = state
        self.initMarker = initMarker
        self.cgroup = cgroup
        self.freezer = freezer
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
        var isolation: Isolation = .plain
        /// Host directory for per-environment state (Runtime API sockets) and the sandbox's
        /// `/etc/passwd` and `/etc/group`.
        var sandboxDirectory: String = NSTemporaryDirectory()
        /// The network mode of functions that do not choose one.
        var defaultNetwork: NetworkMode = .host
        /// Freeze idle environments (cgroup freezer), as Lambda does.
        var freezeIdle = true
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

    /// Cold start: creates the cgroup, binds a Runtime API and spawns the function's
    /// `bootstrap` (in a bubblewrap sandbox in `sandbox` mode).
    static func start(function: FunctionConfiguration, codeDirectory: String, layersDirectory: String? = nil, generation: Int, provisioned: Bool = false, context: Context) async throws(StartFailure) -> ExecutionEnvironment {
        let id = randomHex(16)
        let logStream = logStream(id: id, version: function.version)
        let paths = context.isolation.bubblewrap == nil
            ? RuntimeLauncher.Paths(taskRoot: codeDirectory, runtimeDirectory: context.runtimeDirectory, optRoot: layersDirectory ?? "/opt")
            : RuntimeLauncher.Paths.sandbox
        let command = try context.launcher.command(for: function, codeDirectory: codeDirectory, layersDirectory: layersDirectory, paths: paths)
        let network = function.environment[NetworkMode.variable].flatMap(NetworkMode.init(rawValue:)) ?? context.defaultNetwork
        let log = LogCollector(logGroup: function.logGroup, logStream: logStream, sink: context.sink)
        let launch = try await launch(
            id: id, command: command, codeDirectory: codeDirectory, layersDirectory: layersDirectory,
            tmpMegabytes: function.ephemeralStorageSize, memoryMegabytes: function.memorySize, network: network,
            log: log, context: context
        ) { runtimeAPI in
            var env = variables(function: function, command: command, paths: paths, logStream: logStream, runtimeAPI: runtimeAPI, context: context)
            if provisioned { env["AWS_LAMBDA_INITIALIZATION_TYPE"] = "provisioned-concurrency" }
            return env
        }
        let environment = ExecutionEnvironment(launch: launch, function: function, generation: generation, log: log)
        if provisioned {
            // Its init happened before any invocation: REPORT lines carry no Init Duration.
            environment.reportedInit.withLock { $0 = true }
            environment.isProvisioned.store(true, ordering: .relaxed)
        }
        return environment
    }

    /// The parts of an environment that exist once its runtime process runs, before (for a
    /// pre-initialized sandbox) any function is chosen.
    struct Launch: Sendable {
        let id: String
        let binding: RuntimeAPIServer.Binding
        let process: SupervisedProcess
        let cgroup: Cgroup?
        let freezer: Freezer
        let initMarker: InitMarker
        let state: ProcessState
        var spawnedAt: NIODeadline
        let isSandboxed: Bool
    }

    /// An environment for `function` around launched parts; its output goes to `log` from now on.
    convenience init(launch: Launch, function: FunctionConfiguration, generation: Int, log: LogCollector) {
        self.init(
            id: launch.id, function: function, generation: generation, log: log, binding: launch.binding,
            spawnedAt: launch.spawnedAt, initMarker: launch.initMarker, cgroup: launch.cgroup, freezer: launch.freezer,
            isSandboxed: launch.isSandboxed, state: launch.state
        )
        launch.state.log.withLock { $0 = log }
        process.withLock { $0 = launch.process }
    }

    /// Creates the cgroup, binds the Runtime API and spawns `command`; `variables` gets
    /// the Runtime API's address.
    static func launch(
        id: String, command: RuntimeLauncher.Command, codeDirectory: String, layersDirectory: String?,
        tmpMegabytes: Int, memoryMegabytes: Int, network: NetworkMode, log: LogCollector?, context: Context,
        variables makeVariables: (String) -> [String: String]
    ) async throws(StartFailure) -> Launch {
        let initMarker = InitMarker()
        let state = ProcessState()
        state.log.withLock { $0 = log }
        let sandboxed = context.isolation.bubblewrap
        // Unix socket paths are limited to 107 bytes, so these live in a short directory.
        let socketDirectory = sandboxed != nil && network == .isolated ? Self.socketRoot + "/" + id : nil

        let cgroup: Cgroup?
        do {
            cgroup = try context.isolation.cgroups?.create(name: id, limits: CgroupLimits(memoryMegabytes: memoryMegabytes))
        } catch {
            throw .platform(error)
        }
        let freezer = Freezer(cgroup: context.freezeIdle ? cgroup : nil)
        let binding: RuntimeAPIServer.Binding
        do {
            if let socketDirectory {
                try FileManager.default.createDirectory(atPath: socketDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
                binding = try await context.runtimeAPI.bind(
                    unixSocket: socketDirectory + "/runtime.sock", advertisedAddress: Bubblewrap.isolatedRuntimeAPI,
                    onInitialized: { at in initMarker.at.withLock { $0 = at } },
                    onParked: { freezer.runtimeParked() }
                )
            } else {
                binding = try await context.runtimeAPI.bind(
                    onInitialized: { at in initMarker.at.withLock { $0 = at } },
                    onParked: { freezer.runtimeParked() }
                )
            }
        } catch {
            cgroup?.destroy()
            socketDirectory.map { try? FileManager.default.removeItem(atPath: $0) }
            throw .platform(error)
        }
        let variables = makeVariables(binding.address)
        let spec: ProcessSpec
        if let sandboxed {
            let sandbox = Bubblewrap.Environment(
                codeDirectory: codeDirectory,
                layersDirectory: layersDirectory,
                runtimeDirectory: context.runtimeDirectory,
                identityDirectory: context.sandboxDirectory,
                socketDirectory: socketDirectory,
                tmpBytes: tmpMegabytes * 1024 * 1024,
                command: [command.executable] + command.arguments,
                variables: variables
            )
            spec = ProcessSpec(
                executable: sandboxed.executable, arguments: sandboxed.arguments(for: sandbox),
                environment: [:], workingDirectory: "/", cgroupProcs: cgroup?.procsFiles ?? []
            )
        } else {
            spec = ProcessSpec(
                executable: command.executable, arguments: command.arguments,
                environment: variables, workingDirectory: codeDirectory, cgroupProcs: cgroup?.procsFiles ?? []
            )
        }
        let spawnedAt = NIODeadline.now()
        do {
            let endpoint = binding.endpoint
            let process = try await Spawner.start(
                spec: spec,
                onOutput: { chunk in state.output(chunk) },
                onExit: { _ in
                    // Read before the cgroup goes away; the invocation's outcome needs it.
                    if (cgroup?.oomKills ?? 0) > 0 { state.outOfMemory.withLock { $0 = true } }
                    if let peak = cgroup?.peakMemoryBytes { state.finalPeakBytes.withLock { $0 = peak } }
                    endpoint.terminate()
                    binding.close()
                    cgroup?.destroy()
                    socketDirectory.map { try? FileManager.default.removeItem(atPath: $0) }
                }
            )
            return Launch(
                id: id, binding: binding, process: process, cgroup: cgroup, freezer: freezer, initMarker: initMarker,
                state: state, spawnedAt: spawnedAt, isSandboxed: sandboxed != nil
            )
        } catch {
            binding.close()
            cgroup?.destroy()
            socketDirectory.map { try? FileManager.default.removeItem(atPath: $0) }
            if error.code == .spawnFailed, error.errno == EACCES {
                throw .invalidEntrypoint("fork/exec /var/task/bootstrap: permission denied")
            }
            if error.code == .missingExecutable || error.code == .spawnFailed {
                throw .invalidEntrypoint("fork/exec /var/task/bootstrap: \(String(cString: strerror(error.errno)).lowercased())")
            }
            throw .platform(error)
        }
    }

    /// Where isolated environments' Runtime API sockets are made.
    static let socketRoot = "/tmp/nimbus-rapi"

    /// Lambda's environment variables for the runtime process.
    /// The variables every runtime process gets, whichever function it serves (a
    /// pre-initialized sandbox starts with these alone).
    static func platformVariables(paths: RuntimeLauncher.Paths, runtimeAPI: String) -> [String: String] {
        let runtimeDir = paths.runtimeDirectory
        let taskRoot = paths.taskRoot
        let opt = paths.optRoot
        var env = [
            "AWS_LAMBDA_RUNTIME_API": runtimeAPI,
            "LAMBDA_TASK_ROOT": taskRoot,
            "LAMBDA_RUNTIME_DIR": runtimeDir,
            "TZ": ":UTC",
            "LANG": "en_US.UTF-8",
            "PATH": "/usr/local/bin:/usr/bin/:/bin:\(opt)/bin",
            "LD_LIBRARY_PATH": "/lib64:/usr/lib64:\(runtimeDir):\(runtimeDir)/lib:\(taskRoot):\(taskRoot)/lib:\(opt)/lib",
        ]
        if opt != "/opt" { env["NIMBUS_OPT_ROOT"] = opt }
        return env
    }

    /// The log stream of environment `id`: `YYYY/MM/DD/[VERSION]<id>`.
    static func logStream(id: String, version: String = FunctionConfiguration.latest) -> String {
        "\(AWSDate.logStreamDay(Date()))/[\(version)]\(id)"
    }

    /// Lambda's environment variables for the runtime process, with those the runtime
    /// family adds (`command.environment`) where the function does not set them.
    static func variables(function: FunctionConfiguration, command: RuntimeLauncher.Command, paths: RuntimeLauncher.Paths, logStream: String, runtimeAPI: String, context: Context) -> [String: String] {
        var env = variables(function: function, paths: paths, logStream: logStream, runtimeAPI: runtimeAPI, context: context)
        env.merge(command.environment) { own, _ in own }
        return env
    }

    static func variables(function: FunctionConfiguration, paths: RuntimeLauncher.Paths, logStream: String, runtimeAPI: String, context: Context) -> [String: String] {
        var env = platformVariables(paths: paths, runtimeAPI: runtimeAPI)
        env["_HANDLER"] = function.handler
        env["AWS_LAMBDA_FUNCTION_NAME"] = function.name
        env["AWS_LAMBDA_FUNCTION_VERSION"] = function.version
        env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = String(function.memorySize)
        env["AWS_LAMBDA_LOG_GROUP_NAME"] = function.logGroup
        env["AWS_LAMBDA_LOG_STREAM_NAME"] = logStream
        env["AWS_LAMBDA_INITIALIZATION_TYPE"] = "on-demand"
        env["AWS_REGION"] = context.account.region
        env["AWS_DEFAULT_REGION"] = context.account.region
        // The function's own variables win over the defaults (TZ, LANG, PATH, LD_LIBRARY_PATH);
        // reserved keys were refused when the configuration was saved.
        env.merge(function.environment) { _, own in own }
        return env
    }

    /// Runs one invocation and frames it in the log.
    func invoke(_ invocation: Invocation) async -> (InvocationOutcome, logTail: String) {
        log.platform("START RequestId: \(invocation.requestId) Version: \(function.version)")
        freezer.beginInvocation()
        let submitted = NIODeadline.now()
        let outcome = await binding.endpoint.invoke(invocation)
        let finished = NIODeadline.now()
        freezer.endInvocation()
        currentProcess?.drainOutput()

        let initAt = initMarker.at.withLock { $0 }
        let isFirst = reportedInit.withLock { reported -> Bool in
            defer { reported = true }
            return !reported
        }
        var report = "REPORT RequestId: \(invocation.requestId)"
        let started = max(submitted, initAt ?? submitted)
        lastDurationNanos.store(max(0, (finished - started).nanoseconds), ordering: .relaxed)
        let durationMs = Double(max(0, (finished - started).nanoseconds)) / 1_000_000
        report += "\tDuration: \(Self.format(durationMs)) ms"
        report += "\tBilled Duration: \(Int(durationMs.rounded(.up)).clamped(min: 1)) ms"
        report += "\tMemory Size: \(function.memorySize) MB"
        report += "\tMax Memory Used: \(maxMemoryUsedMegabytes) MB"
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

    /// How the runtime process ended, once it has. bubblewrap reports a runtime killed by
    /// signal N as exit status 128+N; this gives back the signal.
    var exitStatus: ExitStatus? {
        guard let status = currentProcess?.exitStatus else { return nil }
        if isSandboxed, case .exited(let code) = status, code > 128, code < 160 {
            return .signaled(code - 128)
        }
        return status
    }

    /// Peak memory in MB: the cgroup's peak when there is one, else the process's VmHWM.
    var maxMemoryUsedMegabytes: Int {
        if let bytes = cgroup?.peakMemoryBytes ?? state.finalPeakBytes.withLock({ $0 }) {
            return min(function.memorySize, max(1, (bytes + 1_048_575) / 1_048_576))
        }
        return currentProcess?.peakMemoryMegabytes() ?? 0
    }

    /// Whether the kernel's OOM killer ended a process of this environment.
    var wasOutOfMemory: Bool { state.outOfMemory.withLock { $0 } || (cgroup?.oomKills ?? 0) > 0 }


    /// Ends the environment: thaws it (a frozen process cannot die), kills every process
    /// in it, and closes the Runtime API. The cgroup is removed once the runtime is reaped.
    func retire() {
        cgroup?.thaw()
        currentProcess?.kill()
        cgroup?.killAll()
        binding.endpoint.terminate()
        binding.close()
    }

    /// `ms` with two decimals, as REPORT lines show durations (String(format:) was a
    /// measurable share of a warm invoke).
    static func format(_ ms: Double) -> String {
        let hundredths = Int((max(0, ms) * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
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

/// Freezes an environment while its runtime is idle, as Lambda does: from the moment the
/// runtime asks for the next event with none waiting, until an invocation arrives.
///
/// A runtime that exits instead of asking for more is never frozen, so its exit is seen
/// while idle. The first invocation counts as started from the cold start on, so a fast
/// runtime is not frozen before its first event.
final class Freezer: Sendable {
    private struct State {
        var busy = true
        var waiting = false
        var frozen = false
    }

    private let cgroup: Cgroup?
    private let state = Mutex(State())

    init(cgroup: Cgroup?) {
        self.cgroup = cgroup
    }

    /// The runtime is parked on `/next` with nothing to do.
    func runtimeParked() {
        guard let cgroup else { return }
        state.withLock { state in
            state.waiting = true
            if !state.busy && !state.frozen {
                cgroup.freeze()
                state.frozen = true
            }
        }
    }

    /// An invocation is about to be handed over: thaw first.
    func beginInvocation() {
        guard let cgroup else { return }
        state.withLock { state in
            state.busy = true
            state.waiting = false
            if state.frozen {
                cgroup.thaw()
                state.frozen = false
            }
        }
    }

    /// The invocation is over; freeze if the runtime already asked for the next one.
    func endInvocation() {
        guard let cgroup else { return }
        state.withLock { state in
            state.busy = false
            if state.waiting && !state.frozen {
                cgroup.freeze()
                state.frozen = true
            }
        }
    }
}

/// What a runtime process's callbacks reach. Shared by a pre-initialized sandbox and the
/// environment it becomes, so output finds the function's log once there is one.
final class ProcessState: Sendable {
    /// The kernel's OOM killer ended a process of the environment (read at exit).
    let outOfMemory = Mutex(false)
    /// The cgroup's peak, kept from when the runtime exited (the group is gone after).
    let finalPeakBytes = Mutex<Int?>(nil)
    /// Where output goes; nil while a pre-initialized sandbox waits (its output is dropped).
    let log = Mutex<LogCollector?>(nil)

    func output(_ chunk: [UInt8]) {
        log.withLock { $0 }?.output(chunk)
    }
}
