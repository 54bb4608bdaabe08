/// What to start in an execution environment.
public struct ProcessSpec: Sendable, Equatable {
    public var executable: String
    public var arguments: [String]
    public var environment: [String: String]
    public var workingDirectory: String
    /// `cgroup.procs` files the process joins before it runs its first instruction.
    public var cgroupProcs: [String]

    public init(executable: String, arguments: [String] = [], environment: [String: String], workingDirectory: String, cgroupProcs: [String] = []) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.cgroupProcs = cgroupProcs
    }
}

/// How a supervised process ended.
public enum ExitStatus: Sendable, Equatable {
    case exited(Int32)
    case signaled(Int32)

    /// The wording Lambda uses after `Runtime exited with error: `, e.g. `exit status 1`
    /// or `signal: killed`.
    public var lambdaDescription: String {
        switch self {
        case .exited(let code):
            return "exit status \(code)"
        case .signaled(let signal):
            return "signal: " + Self.signalName(signal)
        }
    }

    static func signalName(_ signal: Int32) -> String {
        switch signal {
        case 1: "hangup"
        case 2: "interrupt"
        case 3: "quit"
        case 4: "illegal instruction"
        case 6: "aborted"
        case 7: "bus error"
        case 8: "floating point exception"
        case 9: "killed"
        case 11: "segmentation fault"
        case 13: "broken pipe"
        case 15: "terminated"
        default: "signal \(signal)"
        }
    }
}

/// Errors from starting or supervising processes.
public struct SandboxError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable { case spawnFailed, pipeFailed, missingExecutable, cgroupFailed }
    public var code: Code
    public var errno: Int32

    public init(_ code: Code, errno: Int32 = 0) {
        self.code = code
        self.errno = errno
    }

    public var description: String { "\(code) (errno \(errno))" }
}
