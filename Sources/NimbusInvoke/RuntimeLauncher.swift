import Foundation
import NimbusCore

/// Decides what process runs a function's runtime, and installs the built-in runtime
/// interface clients into the runtime directory (Lambda's `/var/runtime`).
public struct RuntimeLauncher: Sendable {
    /// What to execute for one environment.
    struct Command: Sendable, Equatable {
        var executable: String
        var arguments: [String]
        /// Variables the runtime family adds (AWS_EXECUTION_ENV, NODE_PATH, ...).
        var environment: [String: String]
    }

    /// Where the function's files are, as its runtime sees them: `/var/task`,
    /// `/var/runtime` and `/opt` in a sandbox, host paths for plain processes.
    struct Paths: Sendable, Equatable {
        var taskRoot: String
        var runtimeDirectory: String
        var optRoot: String

        /// Lambda's paths, as every sandbox mounts them.
        static let sandbox = Paths(taskRoot: "/var/task", runtimeDirectory: "/var/runtime", optRoot: "/opt")
    }

    /// A Node.js installation.
    public struct Node: Sendable, Equatable {
        public var path: String
        public var version: String
        public var major: Int
    }

    public let runtimeDirectory: String
    public let python: String?
    public let node: Node?

    public init(runtimeDirectory: String, python: String?, node: Node?) {
        self.runtimeDirectory = runtimeDirectory
        self.python = python
        self.node = node
    }

    /// Finds the machine's interpreters and copies the runtime clients into `runtimeDirectory`.
    public static func install(runtimeDirectory: URL) throws -> RuntimeLauncher {
        let fileManager = FileManager.default
        if let source = Bundle.module.url(forResource: "runtimes", withExtension: nil) {
            for family in try fileManager.contentsOfDirectory(atPath: source.path) {
                let target = runtimeDirectory.appendingPathComponent(family)
                try? fileManager.removeItem(at: target)
                try fileManager.copyItem(at: source.appendingPathComponent(family), to: target)
            }
        }
        let python = fileManager.isExecutableFile(atPath: "/usr/bin/python3") ? "/usr/bin/python3" : nil
        return RuntimeLauncher(runtimeDirectory: runtimeDirectory.path, python: python, node: findNode())
    }

    /// `node` on PATH (or the usual places) and its version.
    static func findNode() -> Node? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let candidates = path.split(separator: ":").map { "\($0)/node" } + ["/usr/local/bin/node", "/usr/bin/node"]
        guard let node = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: node)
        process.arguments = ["--version"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let version = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let major = Int(version.dropFirst().prefix(while: { $0 != "." })) else { return nil }
        return Node(path: node, version: version, major: major)
    }

    /// The command for a function, or the start failure Lambda would report.
    ///
    /// `codeDirectory` and `layersDirectory` are host paths, checked here; the command
    /// itself uses `paths`, which is how the runtime sees them.
    func command(for function: FunctionConfiguration, codeDirectory: String, layersDirectory: String? = nil, paths: Paths) throws(ExecutionEnvironment.StartFailure) -> Command {
        let runtime = function.runtime.rawValue
        switch function.runtime.family {
        case .custom:
            // Lambda looks in the function's code first, then in its layers.
            let candidates = [(codeDirectory, paths.taskRoot)] + (layersDirectory.map { [($0, paths.optRoot)] } ?? [])
            guard let (host, visible) = candidates.first(where: { access($0.0 + "/bootstrap", F_OK) == 0 }) else {
                throw .invalidEntrypoint("Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]")
            }
            // As root, X_OK fails only when no execute bit is set: what the sandbox user would hit.
            guard access(host + "/bootstrap", X_OK) == 0 else {
                throw .invalidEntrypoint("fork/exec \(visible == paths.taskRoot ? "/var/task" : "/opt")/bootstrap: permission denied")
            }
            return Command(executable: visible + "/bootstrap", arguments: [], environment: [:])
        case .python:
            guard let python else {
                throw .runtimeUnavailable("\(runtime) needs Python 3 at /usr/bin/python3, which this machine does not have")
            }
            return Command(
                executable: python,
                arguments: ["-u", paths.runtimeDirectory + "/python/bootstrap.py"],
                environment: ["AWS_EXECUTION_ENV": "AWS_Lambda_\(runtime)", "PYTHONDONTWRITEBYTECODE": "1"]
            )
        case .node(let major):
            guard let node else {
                throw .runtimeUnavailable("\(runtime) needs Node.js \(major), but no node is installed on this machine")
            }
            guard node.major == major else {
                throw .runtimeUnavailable("\(runtime) needs Node.js \(major), but this machine has Node.js \(node.major) (\(node.version) at \(node.path))")
            }
            return Command(
                executable: node.path,
                arguments: [paths.runtimeDirectory + "/nodejs/index.mjs"],
                environment: [
                    "AWS_EXECUTION_ENV": "AWS_Lambda_\(runtime)",
                    "NODE_PATH": "\(paths.optRoot)/nodejs/node\(major)/node_modules:\(paths.optRoot)/nodejs/node_modules:\(paths.runtimeDirectory)/nodejs/node_modules",
                ]
            )
        case .unsupported:
            throw .runtimeUnavailable("Nimbus cannot run the \(runtime) runtime; use python3.x, nodejs\(node?.major ?? 20).x or provided.al2023 with a bootstrap")
        }
    }
}
