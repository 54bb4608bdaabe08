import Foundation
import NIOCore
import NimbusCore
import NimbusRuntimeAPI
import NimbusSandbox
import Synchronization

/// Pre-initialized sandboxes: per runtime family (Python, and Node.js of the machine's
/// major version), a few generic environments already
/// running their interpreter and runtime client, parked on `/next` before any function is
/// chosen (the zygote idea of SOCK, and Fission's pool of generic pods).
///
/// A cold start that finds one *specializes* it instead of starting a process:
/// 1. `nimbus-init --specialize` clones the function's code and layers read-only in the
///    host's mount namespace and attaches them over `/var/task` and `/opt` inside the
///    sandbox's, and resizes its `/tmp` to the function's EphemeralStorage;
/// 2. the cgroup gets the function's memory, CPU and pids limits;
/// 3. the runtime's first event carries the function's environment variables; it replaces
///    its environment with them and imports the handler (init). Its answer ends init.
///
/// A specialized environment is a sandbox that has never run any function's code, with
/// the same namespaces, user, mounts and limits as a cold-started one. It is used only
/// where that holds exactly: sandbox isolation, the host network, and no variables that
/// the interpreter or the dynamic loader read when they start (`LD_*`, `PYTHON*`, `NODE_*`).
/// Anything else, or a failed specialization, falls back to an ordinary cold start.
///
/// Bounded twice: `size` sandboxes per family (each ~7 MB for Python), and none is started
/// while the machine has less than ``memoryReserveBytes`` available.
final class PrewarmPool: Sendable {
    /// Sandboxes kept ready per family.
    let size: Int
    private let context: ExecutionEnvironment.Context
    private let ready = Mutex<[String: [ExecutionEnvironment.Launch]]>([:])
    private let starting = Mutex<[String: Int]>([:])
    private let stopped = Atomic<Bool>(false)

    init(size: Int, context: ExecutionEnvironment.Context) {
        self.size = size
        self.context = context
    }

    /// The families this machine can pre-start.
    var families: [String] {
        guard size > 0, context.isolation.bubblewrap != nil, context.isolation.cgroups != nil else { return [] }
        return (context.launcher.python != nil ? ["python"] : []) + (context.launcher.node != nil ? ["node"] : [])
    }

    /// The pool a function could use, or nil if it must cold-start.
    func family(for function: FunctionConfiguration) -> String? {
        let family: String
        switch function.runtime.family {
        case .python: family = "python"
        case .node(let major) where major == context.launcher.node?.major: family = "node"
        default: return nil
        }
        guard families.contains(family) else { return nil }
        let network = function.environment[NetworkMode.variable].flatMap(NetworkMode.init(rawValue:)) ?? context.defaultNetwork
        guard network == .host else { return nil }
        // Read by the interpreter or the loader when the process starts: too late to set.
        let startupVariables = function.environment.keys.contains {
            $0.hasPrefix("LD_") || $0.hasPrefix("PYTHON") || $0.hasPrefix("NODE_")
        }
        return startupVariables ? nil : family
    }

    /// Starts sandboxes until every family has `size` ready or starting.
    func fill() {
        for family in families {
            let missing = starting.withLock { starting -> Int in
                let have = (ready.withLock { $0[family]?.count ?? 0 }) + (starting[family] ?? 0)
                let missing = max(0, size - have)
                starting[family, default: 0] += missing
                return missing
            }
            for _ in 0..<missing {
                Task { await self.startOne(family: family) }
            }
        }
    }

    /// Pre-starting stops while the machine has less memory available than this, so the
    /// pool never competes with functions that are running.
    static let memoryReserveBytes = 1 << 30

    /// `MemAvailable` from /proc/meminfo, in bytes.
    static func availableMemory() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }.map { $0 * 1024 }
        }
        return nil
    }

    private func startOne(family: String) async {
        defer { starting.withLock { $0[family, default: 1] -= 1 } }
        if let available = Self.availableMemory(), available < Self.memoryReserveBytes { return }
        guard !stopped.load(ordering: .relaxed), let launch = try? await launchGeneric(family: family) else { return }
        if stopped.load(ordering: .relaxed) {
            Self.discard(launch)
            return
        }
        ready.withLock { $0[family, default: []].append(launch) }
    }

    /// A ready sandbox of `family`, if any; the pool starts a replacement in the background.
    func take(family: String) -> ExecutionEnvironment.Launch? {
        while let launch = ready.withLock({ $0[family]?.popLast() }) {
            if launch.binding.endpoint.isTerminated {
                Self.discard(launch)
                continue
            }
            fill()
            return launch
        }
        return nil
    }

    /// How many sandboxes are ready, per family (tests and metrics).
    var readyCounts: [String: Int] { ready.withLock { $0.mapValues(\.count) } }

    /// Ends every ready sandbox; no more are started.
    func stop() {
        stopped.store(true, ordering: .relaxed)
        let all = ready.withLock { ready -> [ExecutionEnvironment.Launch] in
            defer { ready.removeAll() }
            return ready.values.flatMap { $0 }
        }
        all.forEach(Self.discard)
    }

    static func discard(_ launch: ExecutionEnvironment.Launch) {
        launch.cgroup?.thaw()
        launch.process.kill()
        launch.cgroup?.killAll()
        launch.binding.endpoint.terminate()
        launch.binding.close()
    }

    /// A generic sandbox: the family's runtime client started with only the platform's
    /// variables, an empty `/var/task` and `/opt`, and the largest `/tmp` and memory a
    /// function may have (narrowed when it is specialized).
    private func launchGeneric(family: String) async throws(ExecutionEnvironment.StartFailure) -> ExecutionEnvironment.Launch {
        let empty = context.sandboxDirectory + "/empty"
        try? FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        var variables = ["NIMBUS_PREWARMED": "1"]
        let command: RuntimeLauncher.Command
        switch family {
        case "python":
            guard let python = context.launcher.python else { throw .runtimeUnavailable("no python") }
            command = RuntimeLauncher.Command(executable: python, arguments: ["-u", "/var/runtime/python/bootstrap.py"], environment: [:])
            variables["PYTHONDONTWRITEBYTECODE"] = "1"
        default:
            guard let node = context.launcher.node else { throw .runtimeUnavailable("no node") }
            command = RuntimeLauncher.Command(executable: node.path, arguments: ["/var/runtime/nodejs/index.mjs"], environment: [:])
            // Read once at start for module resolution: the same for every function of this major.
            variables["NODE_PATH"] = "/opt/nodejs/node\(node.major)/node_modules:/opt/nodejs/node_modules:/var/runtime/nodejs/node_modules"
        }
        return try await ExecutionEnvironment.launch(
            id: randomHex(16), command: command, codeDirectory: empty, layersDirectory: nil,
            tmpMegabytes: Limits.ephemeralStorage.upperBound, memoryMegabytes: Limits.memorySize.upperBound, network: .host,
            log: nil, context: context
        ) { runtimeAPI in
            let paths = RuntimeLauncher.Paths.sandbox
            return ExecutionEnvironment.platformVariables(paths: paths, runtimeAPI: runtimeAPI).merging(variables) { _, own in own }
        }
    }
}

extension ExecutionEnvironment {
    /// Turns a pre-initialized sandbox into `function`'s environment, or returns nil (the
    /// sandbox is discarded and the caller cold-starts as usual).
    static func specialize(
        _ prewarmed: Launch, function: FunctionConfiguration, codeDirectory: String, layersDirectory: String?,
        generation: Int, context: Context
    ) async -> ExecutionEnvironment? {
        var launch = prewarmed
        launch.spawnedAt = .now()
        let paths = RuntimeLauncher.Paths.sandbox
        guard let cgroup = launch.cgroup,
              let inside = cgroup.processes.first(where: { Self.inOwnMountNamespace($0) }),
              let command = try? context.launcher.command(for: function, codeDirectory: codeDirectory, layersDirectory: layersDirectory, paths: paths)
        else {
            PrewarmPool.discard(prewarmed)
            return nil
        }
        let attached = await Self.runHelper(
            context.runtimeDirectory + "/init",
            ["--specialize", String(inside), codeDirectory, layersDirectory ?? "-", String(function.ephemeralStorageSize * 1024 * 1024)]
        )
        guard attached, (try? cgroup.apply(CgroupLimits(memoryMegabytes: function.memorySize))) != nil else {
            PrewarmPool.discard(prewarmed)
            return nil
        }
        let logStream = Self.logStream(id: launch.id, version: function.version)
        let log = LogCollector(logGroup: function.logGroup, logStream: logStream, sink: context.sink)
        let variables = Self.variables(
            function: function, command: command, paths: paths, logStream: logStream,
            runtimeAPI: launch.binding.address, context: context
        )
        launch.initMarker.at.withLock { $0 = nil }
        let environment = ExecutionEnvironment(launch: launch, function: function, generation: generation, log: log)
        launch.state.log.withLock { $0 = log }

        let payload = (try? JSONSerialization.data(withJSONObject: ["environment": variables], options: [.sortedKeys])) ?? Data()
        let outcome = await launch.binding.endpoint.invoke(Invocation(
            requestId: "nimbus-specialize-\(launch.id)", payload: ByteBuffer(bytes: payload),
            invokedFunctionArn: context.account.functionArn(function.name), traceId: "",
            clientContext: nil, timeout: .seconds(10)  // Lambda's init limit
        ))
        guard case .response = outcome else {
            environment.retire()
            return nil
        }
        launch.initMarker.at.withLock { $0 = .now() }
        return environment
    }

    /// Whether `pid` lives in a mount namespace other than Nimbus's (inside the sandbox,
    /// not bubblewrap's outer process).
    static func inOwnMountNamespace(_ pid: pid_t) -> Bool {
        guard let theirs = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/mnt"),
              let ours = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/mnt") else { return false }
        return theirs != ours
    }

    /// Runs a short helper to completion; true when it exits with status 0.
    static func runHelper(_ executable: String, _ arguments: [String]) async -> Bool {
        let spec = ProcessSpec(executable: executable, arguments: arguments, environment: [:], workingDirectory: "/")
        let (stream, continuation) = AsyncStream.makeStream(of: ExitStatus.self)
        guard let process = try? await Spawner.start(spec: spec, onOutput: { _ in }, onExit: { status in
            continuation.yield(status)
            continuation.finish()
        }) else { return false }
        var status: ExitStatus?
        for await exit in stream { status = exit }
        _ = process
        return status == .exited(0)
    }
}
